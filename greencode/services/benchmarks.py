"""基准值/引领值: the one definition of a valid pair, and the audited ways the province sets and removes them.

The same rule stands in the form, in the model's clean() and as database constraints (greencode.models), so
neither the admin nor a script can store a pair that breaks a run or rewards the worse value.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from greenmfg.rules import require
from registry import rules as registry_rules
from reviews import audit
from reviews.indicators import BY_CODE

from ..models import SCORED_CODES, Benchmark


def benchmark_problems(code: str, baseline, leading) -> list[tuple[str, str]]:
    """(field, message) for a pair that cannot be used; empty when it is good."""
    if code not in SCORED_CODES:
        return [("code", _("Indicator: choose an indicator from the list."))]
    if baseline is None or leading is None:
        return []
    base, lead = Decimal(baseline), Decimal(leading)
    indicator = BY_CODE[code]
    problems = []
    if base < 0 or lead < 0:
        problems.append(("baseline" if base < 0 else "leading", _("Values cannot be negative.")))
    if base == lead:
        problems.append(("leading", _("Leading value: it must differ from the baseline value.")))
    elif indicator.lower_is_better and lead > base:
        problems.append(("leading", _("Leading value: lower is better for this indicator, so the leading value must "
                                      "be below the baseline value.")))
    elif not indicator.lower_is_better and lead < base:
        problems.append(("leading", _("Leading value: higher is better for this indicator, so the leading value must "
                                      "be above the baseline value.")))
    if indicator.is_rate and (base > 100 or lead > 100):
        problems.append(("baseline" if base > 100 else "leading", _("This indicator is a rate: values cannot exceed 100.")))
    return problems


def _pair(benchmark: Benchmark) -> str:
    return f"{Decimal(benchmark.baseline):.6f} → {Decimal(benchmark.leading):.6f}"


@transaction.atomic
def save_setting(model, industry, code: str, *, actor, action: str, describe, **values):
    """Create or change the province's row of `model` (an IndustryIndicatorSetting) for (industry, code), checked by
    the model, and audit it as '<industry> <indicator>: <before> ⇒ <after>' in describe()'s words."""
    require(registry_rules.is_province(actor))
    row = model.objects.select_for_update().filter(industry=industry, code=code).first()
    before = describe(row) if row else ""
    row = row or model(industry=industry, code=code)
    for field, value in values.items():
        setattr(row, field, value)
    row.set_by = actor
    row.full_clean()
    row.save()
    audit.record(row, action, actor=actor, comment=f"{industry} {BY_CODE[code].label}: {before or '—'} ⇒ {describe(row)}")
    return row


@transaction.atomic
def remove_setting(row, *, actor, action: str, describe) -> None:
    """Delete the province's row, audited with what it said."""
    require(registry_rules.is_province(actor))
    audit.record(row, action, actor=actor, comment=f"{row.industry} {BY_CODE[row.code].label}: {describe(row)}")
    row.delete()


def set_benchmark(industry, code: str, baseline, leading, *, actor) -> Benchmark:
    return save_setting(Benchmark, industry, code, actor=actor, action="benchmark_set", describe=_pair,
                        baseline=baseline, leading=leading)


def remove_benchmark(benchmark: Benchmark, *, actor) -> None:
    remove_setting(benchmark, actor=actor, action="benchmark_removed", describe=_pair)


def benchmarks_for(industry_ids, codes) -> dict[tuple[int, str], tuple[Decimal, Decimal]]:
    """{(industry id, code): (基准值, 引领值)} in one query: the provider reviews reads through the
    REVIEW_BENCHMARK_PROVIDERS setting (reviews never imports greencode)."""
    rows = Benchmark.objects.filter(industry_id__in=list(industry_ids), code__in=list(codes))
    return {(i, c): (b, lead) for i, c, b, lead in rows.values_list("industry_id", "code", "baseline", "leading")}
