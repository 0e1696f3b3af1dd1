"""The city's review of a filing, its adjustment proposals and its package; the "not filed" list.

One function owns each state change: it checks permission and state, saves, and writes the audit record.
Views, commands and tasks call these functions and nothing else changes review data.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import access
from registry.enums import UnitStatus
from registry.models import City, Unit

from .. import audit, signals
from ..enums import CheckVerdict, FilingState, FlagKind, FlagVerdict, Outcome, ProposalState, RemoveReason
from ..indicators import BY_CODE, key_indicators
from ..models import (
    AdjustmentProposal,
    Campaign,
    CityPackage,
    DataFlag,
    Filing,
    IndicatorCheck,
    OnSiteAssessment,
    Transition,
)

# Proposal states in which the city may still change a proposal.
EDITABLE_PROPOSAL_STATES = (ProposalState.DRAFT, ProposalState.RETURNED)
# Filing states that count as "filed" for the not-filed list.
FILED_STATES = (FilingState.SUBMITTED, FilingState.ACCEPTED)


class ReviewError(Exception):
    """A step that is not allowed now; the message tells the person why, in words they can act on."""


# --- permissions -----------------------------------------------------------------------------------------

def is_city_reviewer_for(user, unit: Unit) -> bool:
    return unit.city_id in access.roles_of(user).city_ids


def require_city_reviewer(user, unit: Unit) -> None:
    """Only the bureau of the unit's own city reviews it (the province watches, it does not review)."""
    if not is_city_reviewer_for(user, unit):
        raise PermissionDenied(_("Only the city bureau of the unit's city can do this."))


def reviewable_filings(user) -> QuerySet[Filing]:
    """Filings a reviewer may open: the province sees all, a city bureau its own city's (registry.access)."""
    return Filing.objects.filter(unit__in=access.reviewable_units(user))


def reviewable_proposals(user) -> QuerySet[AdjustmentProposal]:
    return AdjustmentProposal.objects.filter(unit__in=access.reviewable_units(user))


# --- the city's review of a filing -------------------------------------------------------------------------

def _locked_filing(filing: Filing, *states) -> Filing:
    locked = Filing.objects.select_for_update().select_related("unit", "campaign").get(pk=filing.pk)
    if states and locked.state not in states:
        raise ReviewError(
            _("This filing is now “%(state)s”; this step is not possible.") % {"state": locked.get_state_display()}
        )
    return locked


@transaction.atomic
def record_checks(filing: Filing, verdicts: dict[str, tuple[str, str]], *, actor) -> list[IndicatorCheck]:
    """Save the city's verdict on key indicators: {code: (verdict, note)}. Only a submitted filing is checked."""
    filing = _locked_filing(filing, FilingState.SUBMITTED)
    require_city_reviewer(actor, filing.unit)
    allowed = {i.code for i in key_indicators(filing.unit.kind)}
    unknown = sorted(set(verdicts) - allowed)
    if unknown:
        raise ReviewError(_("Not a key indicator of this unit: %(codes)s.") % {"codes": ", ".join(unknown)})
    existing = {c.code: c for c in filing.checks.all()}
    saved, changes = [], []
    for code, (verdict, note) in verdicts.items():
        if verdict not in CheckVerdict.values:
            raise ReviewError(_("Choose compliant or non-compliant for every indicator."))
        check = existing.get(code) or IndicatorCheck(filing=filing, code=code)
        if check.pk and check.verdict == verdict and check.note == note:
            saved.append(check)
            continue
        check.verdict, check.note, check.checked_by = verdict, note.strip(), actor
        check.save()
        saved.append(check)
        changes.append(f"{BY_CODE[code].label}：{CheckVerdict(verdict).label}")
    if changes:
        audit.record(filing, "check", actor=actor, from_state=filing.state, to_state=filing.state,
                     comment="; ".join(changes))
    return saved


@transaction.atomic
def record_flag_verdicts(filing: Filing, verdicts: dict[int, tuple[str, str]], *, actor) -> int:
    """Confirm or reject the statistical flags of a submitted filing: {flag id: (verdict, note)}."""
    filing = _locked_filing(filing, FilingState.SUBMITTED)
    require_city_reviewer(actor, filing.unit)
    flags = {f.pk: f for f in filing.flags.all()}
    changed = []
    for pk, (verdict, note) in verdicts.items():
        flag = flags.get(pk)
        if flag is None:
            raise ReviewError(_("That data flag does not belong to this filing."))
        if verdict not in (FlagVerdict.CONFIRMED, FlagVerdict.REJECTED):
            raise ReviewError(_("Confirm or reject every data flag."))
        if flag.verdict == verdict and flag.verdict_note == note.strip():
            continue
        flag.verdict, flag.verdict_note = verdict, note.strip()
        flag.verdict_by, flag.verdict_at = actor, timezone.now()
        flag.save(update_fields=["verdict", "verdict_note", "verdict_by", "verdict_at"])
        changed.append(f"{BY_CODE[flag.code].label}（{FlagKind(flag.kind).label}）：{FlagVerdict(verdict).label}")
    if changed:
        audit.record(filing, "flag_verdict", actor=actor, from_state=filing.state, to_state=filing.state,
                     comment="; ".join(changed))
    return len(changed)


def needs_assessment(filing: Filing) -> bool:
    return filing.checks.filter(verdict=CheckVerdict.NON_COMPLIANT).exists()


def has_completed_assessment(filing: Filing) -> bool:
    return filing.assessments.exclude(conclusion="").filter(completed_on__isnull=False).exists()


ASSESSMENT_FIELDS = ("planned_date", "team", "findings", "conclusion", "completed_on")


@transaction.atomic
def save_assessment(filing: Filing, data: dict, *, actor, assessment: OnSiteAssessment | None = None) -> OnSiteAssessment:
    """Plan, update or complete an on-site assessment of a submitted or accepted filing."""
    filing = _locked_filing(filing, FilingState.SUBMITTED, FilingState.ACCEPTED)
    require_city_reviewer(actor, filing.unit)
    if assessment is None:
        assessment = OnSiteAssessment(filing=filing, created_by=actor)
        action = "assessment_planned"
    else:
        if assessment.filing_id != filing.pk:
            raise ReviewError(_("That assessment does not belong to this filing."))
        action = "assessment_updated"
    was_complete = assessment.pk and assessment.is_complete
    for name in ASSESSMENT_FIELDS:
        if name in data:
            setattr(assessment, name, data[name] if data[name] is not None or name == "completed_on" else "")
    if bool(assessment.conclusion) != (assessment.completed_on is not None):
        raise ReviewError(_("An assessment is completed with both a conclusion and the date it was completed."))
    assessment.save()
    if assessment.is_complete and not was_complete:
        action = "assessment_completed"
    audit.record(filing, action, actor=actor, from_state=filing.state, to_state=filing.state,
                 comment=f"{assessment.planned_date:%Y-%m-%d} {assessment.team} {assessment.get_conclusion_display() if assessment.conclusion else ''}".strip())
    return assessment


def acceptance_problems(filing: Filing) -> list[str]:
    """What still stands between a submitted filing and its acceptance."""
    problems = []
    checked = set(filing.checks.values_list("code", flat=True))
    missing = [str(i.label) for i in key_indicators(filing.unit.kind) if i.code not in checked]
    if missing:
        problems.append(_("Check every key indicator first; not yet checked: %(names)s.") % {"names": "、".join(missing)})
    if filing.flags.filter(verdict=FlagVerdict.PENDING).exists():
        problems.append(_("Confirm or reject every data flag first."))
    return problems


@transaction.atomic
def return_filing(filing: Filing, reason: str, *, actor) -> Filing:
    """submitted → returned: the enterprise corrects and submits again."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("Give the reason for returning the filing, so the enterprise knows what to correct."))
    filing = _locked_filing(filing, FilingState.SUBMITTED)
    require_city_reviewer(actor, filing.unit)
    before = filing.state
    filing.state = FilingState.RETURNED
    filing.return_reason = reason
    filing.version += 1
    filing.save(update_fields=["state", "return_reason", "version", "updated_at"])
    audit.record(filing, "return", actor=actor, from_state=before, to_state=filing.state, comment=reason)
    return filing


@transaction.atomic
def accept_filing(filing: Filing, *, actor, comment: str = "") -> Filing:
    """submitted → accepted, once every key indicator is checked and every flag judged; tells greencode."""
    filing = _locked_filing(filing, FilingState.SUBMITTED)
    require_city_reviewer(actor, filing.unit)
    problems = acceptance_problems(filing)
    if problems:
        raise ReviewError(" ".join(problems))
    before = filing.state
    filing.state = FilingState.ACCEPTED
    filing.accepted_at = timezone.now()
    filing.version += 1
    filing.save(update_fields=["state", "accepted_at", "version", "updated_at"])
    audit.record(filing, "accept", actor=actor, from_state=before, to_state=filing.state, comment=comment)
    transaction.on_commit(lambda: signals.filing_accepted.send(Filing, filing=filing))
    return filing


# --- adjustment proposals ---------------------------------------------------------------------------------

PROPOSAL_FIELDS = ("outcome", "remove_reason", "rectify_due", "new_name", "reason")


def proposal_problems(campaign: Campaign, unit: Unit, data: dict) -> list[tuple[str, str]]:
    """(field, message) for a proposal that cannot stand: outcome details, and the on-site assessment rule."""
    problems = []
    outcome = data.get("outcome")
    if outcome not in Outcome.values:
        problems.append(("outcome", _("Choose an outcome.")))
    if outcome == Outcome.REMOVE and not data.get("remove_reason"):
        problems.append(("remove_reason", _("A removal needs a reason.")))
    if outcome == Outcome.RENAME:
        new_name = (data.get("new_name") or "").strip()
        if not new_name:
            problems.append(("new_name", _("A rename needs the new name.")))
        elif new_name == unit.name:
            problems.append(("new_name", _("The new name is the same as the current name.")))
    if outcome == Outcome.RECTIFY and not data.get("rectify_due"):
        problems.append(("rectify_due", _("Rectification needs a due date.")))
    filing = Filing.objects.filter(campaign=campaign, unit=unit).first()
    if filing is not None and needs_assessment(filing) and not has_completed_assessment(filing):
        problems.append(("", _("A key indicator was found non-compliant: complete an on-site assessment (with its "
                               "conclusion and date) before proposing an outcome.")))
    return problems


def _clean_proposal_data(data: dict) -> dict:
    outcome = data.get("outcome")
    return {
        "outcome": outcome,
        "remove_reason": (data.get("remove_reason") or "") if outcome == Outcome.REMOVE else "",
        "rectify_due": data.get("rectify_due") if outcome == Outcome.RECTIFY else None,
        "new_name": (data.get("new_name") or "").strip() if outcome == Outcome.RENAME else "",
        "reason": (data.get("reason") or "").strip(),
    }


@transaction.atomic
def save_proposal(campaign: Campaign, unit: Unit, data: dict, *, actor) -> AdjustmentProposal:
    """Open or change the city's proposal for one unit (one per unit per campaign). Raises ReviewError."""
    require_city_reviewer(actor, unit)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.status != UnitStatus.LISTED:
        raise ReviewError(_("This unit is no longer on the list; no proposal can be made for it."))
    problems = proposal_problems(campaign, unit, data)
    if problems:
        raise ReviewError(" ".join(m for _f, m in problems))
    values = _clean_proposal_data(data)
    proposal = AdjustmentProposal.objects.select_for_update().filter(campaign=campaign, unit=unit).first()
    if proposal is None:
        proposal = AdjustmentProposal.objects.create(campaign=campaign, unit=unit, created_by=actor, **values)
        audit.record(proposal, "propose", actor=actor, to_state=proposal.state,
                     comment=proposal.get_outcome_display())
        return proposal
    if proposal.state not in EDITABLE_PROPOSAL_STATES:
        raise ReviewError(_("This proposal is “%(state)s” and can no longer be changed.")
                          % {"state": proposal.get_state_display()})
    for name, value in values.items():
        setattr(proposal, name, value)
    proposal.is_default = False
    proposal.save()
    audit.record(proposal, "edit", actor=actor, from_state=proposal.state, to_state=proposal.state,
                 comment=proposal.get_outcome_display())
    return proposal


def city_deadline_passed(campaign: Campaign, now: dt.datetime | None = None) -> bool:
    return Campaign.passed(campaign.city_review_due, now)


@transaction.atomic
def submit_package(campaign: Campaign, city: City, *, actor, note: str = "", now: dt.datetime | None = None) -> CityPackage:
    """Send the city's draft and returned proposals to the province. After the city deadline: marked late."""
    if city.pk not in access.roles_of(actor).city_ids:
        raise PermissionDenied(_("Only the city's own bureau submits its package."))
    now = now or timezone.now()
    proposals = list(
        AdjustmentProposal.objects.select_for_update().select_related("unit")
        .filter(campaign=campaign, unit__city=city, state__in=EDITABLE_PROPOSAL_STATES)
    )
    if not proposals:
        raise ReviewError(_("There is no draft or returned proposal to submit."))
    problems = []
    for proposal in proposals:
        for _field, message in proposal_problems(campaign, proposal.unit, {n: getattr(proposal, n) for n in PROPOSAL_FIELDS}):
            problems.append(f"{proposal.unit.name}: {message}")
    if problems:
        raise ReviewError(" ".join(problems))
    late = city_deadline_passed(campaign, now)
    package = CityPackage.objects.select_for_update().filter(campaign=campaign, city=city).first()
    if package is None:
        package = CityPackage.objects.create(campaign=campaign, city=city, submitted_at=now, submitted_by=actor,
                                             is_late=late, note=note.strip())
        action = "submit"
    else:
        package.note = note.strip() or package.note
        package.save(update_fields=["note"])
        action = "resubmit"
    for proposal in proposals:
        before = proposal.state
        proposal.state = ProposalState.SUBMITTED
        proposal.package = package
        proposal.submitted_at = now
        proposal.is_late = late
        proposal.save(update_fields=["state", "package", "submitted_at", "is_late", "updated_at"])
        audit.record(proposal, "submit", actor=actor, from_state=before, to_state=proposal.state,
                     comment=_("Submitted late, after the city deadline.") if late else "")
    audit.record(package, action, actor=actor, to_state="late" if late else "on_time",
                 comment=_("%(n)d proposal(s)") % {"n": len(proposals)})
    return package


# --- the not-filed list -----------------------------------------------------------------------------------

def not_filed_units(campaign: Campaign, cities=None) -> QuerySet[Unit]:
    """Listed units without a submitted or accepted filing in this campaign (optionally of some cities)."""
    filed = Filing.objects.filter(campaign=campaign, unit=OuterRef("pk"), state__in=FILED_STATES)
    units = Unit.objects.filter(status=UnitStatus.LISTED).exclude(Exists(filed))
    if cities is not None:
        units = units.filter(city__in=cities)
    return units


@transaction.atomic
def open_not_filed_proposals(campaign: Campaign, *, cities=None, actor=None, now: dt.datetime | None = None,
                             force: bool = False) -> int:
    """Open a default remove (did not file) proposal for every not-filed unit that has no proposal yet.

    Only once the city deadline has passed (unless `force`). Safe to run again: it opens nothing twice.
    """
    if not force and not city_deadline_passed(campaign, now):
        raise ReviewError(_("The city deadline (%(date)s) has not passed yet.") % {"date": campaign.city_review_due})
    has_proposal = AdjustmentProposal.objects.filter(campaign=campaign, unit=OuterRef("pk"))
    units = list(not_filed_units(campaign, cities).exclude(Exists(has_proposal)).values_list("pk", flat=True))
    if not units:
        return 0
    reason = _("No filing was submitted by the city deadline (%(date)s).") % {"date": campaign.city_review_due}
    created = AdjustmentProposal.objects.bulk_create(
        [AdjustmentProposal(campaign=campaign, unit_id=pk, outcome=Outcome.REMOVE, remove_reason=RemoveReason.NOT_FILED,
                            reason=reason, is_default=True, created_by=actor) for pk in units],
        batch_size=1000,
    )
    if any(p.pk is None for p in created):  # backends that do not return ids
        created = list(AdjustmentProposal.objects.filter(campaign=campaign, unit_id__in=units, is_default=True))
    ct = ContentType.objects.get_for_model(AdjustmentProposal)
    Transition.objects.bulk_create(
        [Transition(content_type=ct, object_id=p.pk, action="open_default", to_state=ProposalState.DRAFT,
                    actor=actor, comment=reason) for p in created],
        batch_size=1000,
    )
    return len(created)


def pending_flags(filing: Filing) -> QuerySet[DataFlag]:
    return filing.flags.filter(verdict=FlagVerdict.PENDING)
