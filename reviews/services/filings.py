"""The enterprise's side of a filing: save a draft, derive indicators, flag, submit — one at a time from
the form, or many at once from a city's upload, through the same batched core.

One function owns each state change; it checks permission and state, saves, writes the audit record.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Unit

from .. import rules, workflow
from ..checks import Problem, flag_context, physical, statistical_findings, submission_problems
from ..enums import EDITABLE_FILING_STATES, FilingState, FlagVerdict
from ..indicators import BY_CODE, compute_all, key_indicators
from ..models import Campaign, DataFlag, Filing, FilingIndicator, PriorYearValue
from ..workflow import ReviewError


class FilingError(ReviewError):
    """A state change that is not allowed now; the message says why, for the person to act on."""


class StaleFiling(FilingError):
    """Someone else saved the filing after this form was opened."""


class FilingInvalid(FilingError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(_("The filing has %(n)d problem(s); see the fields marked in red.") % {"n": len(problems)})


def can_file_for(user, unit: Unit) -> bool:
    return bool(rules.can_file(user, unit))


@transaction.atomic
def filing_for(campaign: Campaign, unit: Unit, *, actor=None) -> Filing:
    """The unit's filing of the campaign; a new one starts as a draft (audited)."""
    filing = Filing.objects.filter(campaign=campaign, unit=unit).first()
    if filing is None:
        filing = Filing(campaign=campaign, unit=unit, updated_by=actor)
        workflow.transition(filing, "create", actor=actor)
    filing.unit, filing.campaign = unit, campaign
    return filing


# --- the batched core: derive indicators and flags for saved filings ------------------------------------

def _derive(filings: list[Filing], explanations: dict[int, dict] | None = None) -> dict[int, list[DataFlag]]:
    """Rewrite the indicators and statistical flags of saved `filings` (any number, one campaign).

    An explanation already given for the same flag is kept; `explanations` ({filing pk: {flag key: text}},
    where a key is a flag pk, or "*" for every flag of that filing) adds new ones. Returns the flags by filing.
    """
    pairs = [(f, compute_all(f.unit.kind, f.totals())) for f in filings]
    ids = [f.pk for f in filings]
    FilingIndicator.objects.filter(filing_id__in=ids).delete()
    FilingIndicator.objects.bulk_create(
        [FilingIndicator(filing=f, code=c, value=v) for f, values in pairs for c, v in values.items()], batch_size=5000
    )
    context = flag_context(pairs)
    existing = {(fl.filing_id, fl.code, fl.kind): fl for fl in DataFlag.objects.filter(filing_id__in=ids)}
    keep, new, flags_by_filing = set(), [], {f.pk: [] for f in filings}
    for filing, values in pairs:
        given = (explanations or {}).get(filing.pk, {})
        for finding in statistical_findings(filing, values, context):
            flag = existing.get((filing.pk, finding.code, finding.kind))
            if flag is None:
                flag = DataFlag(filing=filing, code=finding.code, kind=finding.kind)
                new.append(flag)
            else:
                keep.add(flag.pk)
            flag.value, flag.reference, flag.score = finding.value, finding.reference, finding.score
            flag.verdict = FlagVerdict.PENDING
            text = (given.get(flag.pk) or given.get("*") or "").strip()
            if text:
                flag.explanation = text
            flags_by_filing[filing.pk].append(flag)
    DataFlag.objects.filter(filing_id__in=ids).exclude(pk__in=keep).delete()
    DataFlag.objects.bulk_create(new, batch_size=5000)
    kept = [fl for fls in flags_by_filing.values() for fl in fls if fl.pk in keep]
    DataFlag.objects.bulk_update(kept, ["value", "reference", "score", "verdict", "explanation"], batch_size=5000)
    return flags_by_filing


def _unexplained(flags: list[DataFlag]) -> list[Problem]:
    return [Problem(f"flag-{flag.pk}", _("Explain this value before submitting.")) for flag in flags
            if not flag.explanation.strip()]


def _mark_submitted(filings: list[Filing], actor, comment: str = "") -> None:
    """Every filing → submitted, in one UPDATE and one INSERT of audit rows."""
    workflow.transition_many(filings, "submit", actor=actor, values={"submitted_at": timezone.now()},
                             bump_version=True, comment=comment)


# --- one filing, from the form ------------------------------------------------------------------------

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
    updated = Filing.objects.filter(pk=filing.pk, version=version, state__in=EDITABLE_FILING_STATES).update(
        version=F("version") + 1, updated_by=actor, updated_at=timezone.now(),
        **{name: getattr(filing, name) for name in data},
    )
    if not updated:
        raise StaleFiling(_("Someone else saved this filing after you opened it. Reload the page to see their changes, then enter yours again."))
    filing.version = version + 1
    _derive([filing])
    return filing


def save_explanations(filing: Filing, explanations: dict[int, str]) -> None:
    """Store the enterprise's explanations of its statistical flags (kept when it saves a draft)."""
    for flag in filing.flags.all():
        text = (explanations.get(flag.pk) or "").strip()
        if text and text != flag.explanation:
            flag.explanation = text
            flag.save(update_fields=["explanation"])


@transaction.atomic
def submit_filing(filing: Filing, *, actor, explanations: dict[int, str] | None = None) -> Filing:
    """Draft or returned → submitted, once complete and every statistical flag is explained."""
    filing = Filing.objects.select_for_update().select_related("unit", "campaign").get(pk=filing.pk)
    if not workflow.MACHINES[Filing].allows("submit", filing.state):
        raise FilingError(_("This filing is %(state)s and cannot be submitted again.") % {"state": filing.get_state_display()})
    problems = submission_problems(filing)
    if problems:
        raise FilingInvalid(problems)
    flags = _derive([filing], {filing.pk: dict(explanations or {})})[filing.pk]
    missing = _unexplained(flags)
    if missing:
        raise FilingInvalid(missing)
    answered = rules.resubmission_answered(filing)
    if not answered:
        raise FilingInvalid([Problem("return_answer", str(answered.reason))])
    answer = filing.return_answer.strip() if filing.state == FilingState.RETURNED else ""
    _mark_submitted([filing], actor, _("Answer to the return: %(answer)s") % {"answer": answer} if answer else "")
    return filing


@transaction.atomic
def save_prior_values(filing: Filing, values: dict[int, dict[str, Decimal | None]], *, actor) -> int:
    """A unit new to the portal enters its two earlier years' key indicators, once, with its first filing.

    `values` is {data year: {code: value or None}}; None removes a value. Returns how many were stored.
    """
    decision = rules.can_enter_prior_years(filing)
    if not decision:
        raise FilingError(str(decision.reason))
    data_year = filing.campaign.data_year
    allowed_years = {data_year - 2, data_year - 1}
    codes = {i.code for i in key_indicators(filing.unit.kind)}
    stored = 0
    for year, by_code in values.items():
        if year not in allowed_years:
            raise FilingError(_("Only the two years before %(year)d can be entered.") % {"year": data_year})
        for code, value in by_code.items():
            if code not in codes:
                raise FilingError(_("Not a key indicator of this unit: %(codes)s.") % {"codes": code})
            if value is None:
                PriorYearValue.objects.filter(unit=filing.unit, year=year, code=code).delete()
                continue
            if value < 0:
                raise FilingError(_("%(name)s (%(year)d): values cannot be negative.")
                                  % {"name": BY_CODE[code].label, "year": year})
            PriorYearValue.objects.update_or_create(unit=filing.unit, year=year, code=code, defaults={
                "value": Decimal(value).quantize(Decimal("0.000001")), "entered_by": actor})
            stored += 1
    return stored


# --- many filings, from a city's upload -----------------------------------------------------------------

def _label(name: str) -> str:
    return str(Filing._meta.get_field(name).verbose_name)


def apply_bulk(campaign: Campaign, rows, *, actor, submit: bool) -> list[tuple[int, str, str]]:
    """Save (and optionally submit) many filings at once: all or nothing, in a constant number of queries.

    `rows` are reviews.uploads.BulkRow. Returns [(row, column, message)]; when the list is not empty,
    nothing was saved.
    """
    problems: list[tuple[int, str, str]] = []
    with transaction.atomic():
        existing = {f.unit_id: f for f in Filing.objects.select_for_update().filter(
            campaign=campaign, unit_id__in=[r.unit.pk for r in rows])}
        now = timezone.now()
        filings, new = [], []
        for row in rows:
            filing = existing.get(row.unit.pk) or Filing(campaign=campaign, unit=row.unit, created_at=now)
            filing.unit, filing.campaign = row.unit, campaign
            if filing.pk and not filing.is_editable:
                problems.append((row.row, f"{row.sheet} · 统一社会信用代码",
                                 _("This filing is %(state)s and can no longer be changed.") % {"state": filing.get_state_display()}))
                continue
            for name, value in row.data.items():
                setattr(filing, name, value)
            found = submission_problems(filing) if submit else physical(filing)
            problems.extend((row.row, f"{row.sheet} · {_label(p.field)}", str(p.message)) for p in found)
            filing.updated_by, filing.updated_at = actor, now
            if filing.pk:
                filing.version += 1
            else:
                new.append(filing)
            filings.append((row, filing))
        if problems:
            return problems
        workflow.create_many(new, "create", actor=actor)
        changed_fields = sorted({name for row, _f in filings for name in row.data} | {"version", "updated_by", "updated_at"})
        new_ids = {id(f) for f in new}
        Filing.objects.bulk_update([f for _r, f in filings if id(f) not in new_ids], changed_fields, batch_size=2000)
        flags = _derive([f for _r, f in filings], {f.pk: {"*": row.explanation} for row, f in filings if row.explanation})
        if submit:
            for row, filing in filings:
                problems.extend((row.row, f"{row.sheet} · 异常说明", str(p.message)) for p in _unexplained(flags[filing.pk]))
            if problems:
                transaction.set_rollback(True)
                return problems
            _mark_submitted([f for _r, f in filings], actor)
        else:
            workflow.transition_many([f for _r, f in filings], "upload", actor=actor, values={"updated_at": now})
    return problems

