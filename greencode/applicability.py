"""Method v1.1: which scored indicators apply to each GB/T 4754 industry division.

By default all fifteen scored indicators apply to every division. The exceptions, each with the reason the
method page publishes, come from two places: NOT_APPLICABLE below (the code's own, empty by default) and the
province's table (greencode.models.NotApplicable), which it edits on /code/applicability/ through
set_not_applicable and remove_not_applicable: both audited, both effective from the next run. A run records the
pairs it used and the table's version (snapshot()). An indicator that applies and is left blank scores 0 in
v1.1 (greencode.services.scoring); one that does not apply is left out of the composite, as in v1.
"""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext as _

from registry.models import Industry

from .models import SCORED_CODES, NotApplicable
from .services import benchmarks as settings_service

# {division code: {indicator code: why it does not apply}}. Empty: every indicator applies everywhere. The
# province's own exceptions are rows of NotApplicable; where both name a pair, the province's reason is shown.
NOT_APPLICABLE: dict[str, dict[str, str]] = {}


class ApplicabilityError(ValueError):
    """An exception that cannot be recorded (an unknown indicator, no reason); the message names the field."""


def _exceptions() -> dict[str, dict[str, str]]:
    """{division code: {indicator: reason}}: the code's exceptions overlaid by the province's (one query)."""
    table = {division: dict(codes) for division, codes in NOT_APPLICABLE.items()}
    for division, code, reason in NotApplicable.objects.values_list("industry__code", "code", "reason"):
        table.setdefault(division, {})[code] = reason
    return table


def version(table: dict[str, dict[str, str]]) -> str:
    """The table's version: the first 12 hex digits of the SHA-256 of its content (pairs and reasons)."""
    content = json.dumps({d: dict(sorted(c.items())) for d, c in sorted(table.items()) if c}, ensure_ascii=False,
                         sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:12]


def snapshot() -> tuple[list[tuple[int, str]], str]:
    """For a run: (industry id, indicator code) of every indicator that does not apply to a division, and the
    version of the table they come from (both read at once)."""
    table = _exceptions()
    ids = dict(Industry.objects.filter(code__in=list(table)).values_list("code", "id")) if table else {}
    pairs = sorted((ids[div], code) for div, codes in table.items() if div in ids for code in codes
                   if code in SCORED_CODES)
    return pairs, version(table)


def not_applicable_pairs() -> list[tuple[int, str]]:
    """(industry id, indicator code) for every indicator that does not apply to a division, for a run."""
    return snapshot()[0]


def table() -> list[dict]:
    """The published table: each division with an exception, and the indicators that do not apply to it."""
    exceptions = _exceptions()
    names = {i.code: str(i) for i in Industry.objects.filter(code__in=list(exceptions))}
    return [{"division": div, "name": names.get(div, div), "codes": sorted(codes.items())}
            for div, codes in sorted(exceptions.items()) if codes]


def current_version() -> str:
    return version(_exceptions())


def _reason(row: NotApplicable) -> str:
    return row.reason


def set_not_applicable(industry: Industry, code: str, reason: str, *, actor) -> NotApplicable:
    """The province records that `code` does not apply to `industry` (or changes the reason); audited."""
    reason = (reason or "").strip()
    if code not in SCORED_CODES:
        raise ApplicabilityError(_("Indicator: choose an indicator from the list."))
    if not reason or len(reason) > 300:
        raise ApplicabilityError(_("Why it does not apply: enter 1 to 300 characters."))
    return settings_service.save_setting(NotApplicable, industry, code, actor=actor, action="not_applicable_set",
                                         describe=_reason, reason=reason)


def remove_not_applicable(row: NotApplicable, *, actor) -> None:
    """The indicator applies to the division again from the next run; audited."""
    settings_service.remove_setting(row, actor=actor, action="not_applicable_removed", describe=_reason)
