"""The enterprise's side of a filing: save a draft, derive indicators, flag, submit.

One function owns each state change; it checks permission and state, saves, writes the audit record.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import access
from registry.models import Unit

from .. import audit
from ..checks import Problem, physical, statistical_findings, submission_problems
from ..enums import EDITABLE_FILING_STATES, FilingState, FlagVerdict
from ..indicators import compute_all
from ..models import Campaign, DataFlag, Filing, FilingIndicator


class FilingError(Exception):
    """A state change that is not allowed now; the message says why, for the person to act on."""


class StaleFiling(FilingError):
    """Someone else saved the filing after this form was opened."""


class FilingInvalid(FilingError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(_("The filing has %(n)d problem(s); see the fields marked in red.") % {"n": len(problems)})


def can_file_for(user, unit: Unit) -> bool:
    """Only the enterprise itself files (a city uploads on its behalf through the bulk upload)."""
    return unit.pk in access.roles_of(user).unit_ids


def filing_for(campaign: Campaign, unit: Unit) -> Filing:
    filing, _created = Filing.objects.get_or_create(campaign=campaign, unit=unit)
    filing.unit = unit
    return filing


def refresh_indicators(filing: Filing) -> dict[str, Decimal]:
    """Rewrite the filing's derived indicators from its totals; returns {code: value}."""
    values = compute_all(filing.unit.kind, filing.totals())
    FilingIndicator.objects.filter(filing=filing).delete()
    FilingIndicator.objects.bulk_create(FilingIndicator(filing=filing, code=c, value=v) for c, v in values.items())
    return values


def refresh_flags(filing: Filing, values: dict[str, Decimal]) -> list[DataFlag]:
    """Recompute the statistical flags; an explanation already given for the same flag is kept."""
    findings = statistical_findings(filing, values)
    kept = {(f.code, f.kind): f for f in filing.flags.all()}
    wanted = {(f.code, f.kind) for f in findings}
    DataFlag.objects.filter(filing=filing).exclude(pk__in=[f.pk for k, f in kept.items() if k in wanted]).delete()
    flags = []
    for finding in findings:
        flag = kept.get((finding.code, finding.kind)) or DataFlag(filing=filing, code=finding.code, kind=finding.kind)
        flag.value, flag.reference, flag.score = finding.value, finding.reference, finding.score
        flag.verdict = FlagVerdict.PENDING
        flag.save()
        flags.append(flag)
    return flags


@transaction.atomic
def save_filing(filing: Filing, data: dict, *, actor, expected_version: int | None = None) -> Filing:
    """Save a draft (incomplete is fine; physical impossibilities are not). Raises FilingError."""
    if not filing.is_editable:
        raise FilingError(_("This filing is %(state)s and can no longer be changed.") % {"state": filing.get_state_display()})
    for name, value in data.items():
        setattr(filing, name, value)
    problems = physical(filing)
    if problems:
        raise FilingInvalid(problems)
    version = filing.version if expected_version is None else expected_version
    updated = Filing.objects.filter(pk=filing.pk, version=version).update(
        version=F("version") + 1, updated_by=actor, updated_at=timezone.now(),
        **{name: getattr(filing, name) for name in data},
    )
    if not updated:
        raise StaleFiling(_("Someone else saved this filing after you opened it. Reload the page to see their changes, then enter yours again."))
    filing.version = version + 1
    values = refresh_indicators(filing)
    refresh_flags(filing, values)
    return filing


@transaction.atomic
def submit_filing(filing: Filing, *, actor, explanations: dict[int, str] | None = None) -> Filing:
    """Draft or returned → submitted, once complete and every statistical flag is explained."""
    filing = Filing.objects.select_for_update().select_related("unit", "campaign").get(pk=filing.pk)
    if filing.state not in EDITABLE_FILING_STATES:
        raise FilingError(_("This filing is %(state)s and cannot be submitted again.") % {"state": filing.get_state_display()})
    problems = submission_problems(filing)
    if problems:
        raise FilingInvalid(problems)
    values = refresh_indicators(filing)
    flags = refresh_flags(filing, values)
    explanations = explanations or {}
    missing = []
    for flag in flags:
        text = (explanations.get(flag.pk) or flag.explanation or "").strip()
        if not text:
            missing.append(Problem(f"flag-{flag.pk}", _("Explain this value before submitting.")))
        elif text != flag.explanation:
            flag.explanation = text
            flag.save(update_fields=["explanation"])
    if missing:
        raise FilingInvalid(missing)
    before = filing.state
    filing.state = FilingState.SUBMITTED
    filing.submitted_at = timezone.now()
    filing.version += 1
    filing.save(update_fields=["state", "submitted_at", "version", "updated_at"])
    audit.record(filing, "submit", actor=actor, from_state=before, to_state=filing.state)
    return filing


def save_explanations(filing: Filing, explanations: dict[int, str]) -> None:
    """Store the enterprise's explanations of its statistical flags (kept when it saves a draft)."""
    for flag in filing.flags.all():
        text = (explanations.get(flag.pk) or "").strip()
        if text and text != flag.explanation:
            flag.explanation = text
            flag.save(update_fields=["explanation"])


def _label(name: str) -> str:
    try:
        return str(Filing._meta.get_field(name).verbose_name)
    except Exception:  # a flag-<pk> pseudo field
        return _("Explanation of the flagged values")


def apply_bulk(campaign: Campaign, rows, *, actor, submit: bool) -> list[tuple[int, str, str]]:
    """Save (and optionally submit) many filings at once: all or nothing.

    `rows` are reviews.uploads.BulkRow. Returns [(row, column, message)]; when the list is not empty,
    nothing was saved.
    """
    problems: list[tuple[int, str, str]] = []
    with transaction.atomic():
        for row in rows:
            filing = filing_for(campaign, row.unit)
            try:
                save_filing(filing, row.data, actor=actor)
                if submit:
                    explanations = {flag.pk: row.explanation for flag in filing.flags.all()}
                    submit_filing(filing, actor=actor, explanations=explanations)
            except FilingInvalid as exc:
                for p in exc.problems:
                    column = "异常说明" if p.field.startswith("flag-") else _label(p.field)
                    problems.append((row.row, f"{row.sheet} · {column}", str(p.message)))
            except FilingError as exc:
                problems.append((row.row, f"{row.sheet} · 统一社会信用代码", str(exc)))
        if problems:
            transaction.set_rollback(True)
    return problems
