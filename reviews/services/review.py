"""The city's review of a filing, its adjustment proposals and its package; the "not filed" list.

One function owns each state change: it checks permission and state, saves, and writes the audit record.
Views, commands and tasks call these functions and nothing else changes review data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from greenmfg.rules import require
from registry import access
from registry.enums import UnitStatus
from registry.models import City, Unit

from .. import queries, rules, signals, workflow
from ..enums import (
    EDITABLE_PROPOSAL_STATES,
    CheckVerdict,
    ComplianceItem,
    ComplianceResult,
    ComplianceSource,
    Disposition,
    FilingState,
    FlagKind,
    FlagVerdict,
    Outcome,
    RemoveReason,
)
from ..indicators import BY_CODE, key_indicators
from ..models import (
    AdjustmentProposal,
    Campaign,
    CityPackage,
    ComplianceCheck,
    DataFlag,
    Filing,
    IndicatorCheck,
    OnSiteAssessment,
)
from ..workflow import ReviewError
from . import context

__all__ = ["EDITABLE_PROPOSAL_STATES", "ReviewError"]


# --- permissions -----------------------------------------------------------------------------------------

def is_city_reviewer_for(user, unit: Unit) -> bool:
    return bool(rules.can_review(user, unit))


def require_city_reviewer(user, unit: Unit) -> None:
    """Only the bureau of the unit's own city reviews it (the province watches, it does not review)."""
    require(rules.can_review(user, unit))


def reviewable_filings(user) -> QuerySet[Filing]:
    """Filings a reviewer may open: the province sees all, a city bureau its own city's (registry.access), a
    district reviewer its district's where the city reviews through districts in the filing's campaign."""
    filings = Filing.objects.filter(unit__in=access.reviewable_units(user))
    if access.roles_of(user).is_district_reviewer:
        filings = filings | Filing.objects.filter(queries.district_review_q(), unit__in=access.district_units(user))
    return filings


def reviewable_proposals(user) -> QuerySet[AdjustmentProposal]:
    return AdjustmentProposal.objects.filter(unit__in=access.reviewable_units(user))


# --- the city's review of a filing -------------------------------------------------------------------------

def _locked_filing(filing: Filing, action: str) -> Filing:
    """The filing, locked, once its state machine allows `action` (ReviewError with the reason otherwise)."""
    locked = Filing.objects.select_for_update().select_related("unit", "campaign").get(pk=filing.pk)
    if not workflow.MACHINES[Filing].allows(action, locked.state):
        raise ReviewError(
            _("This filing is now “%(state)s”; this step is not possible.") % {"state": locked.get_state_display()}
        )
    return locked


@transaction.atomic
def record_checks(filing: Filing, verdicts: dict[str, tuple[str, str]], *, actor) -> list[IndicatorCheck]:
    """Save the city's verdict on key indicators: {code: (verdict, note)}. Only a submitted filing is checked.

    A note is required for 不符合 and for a verdict that differs from the suggested one (rules.note_given).
    """
    filing = _locked_filing(filing, "check")
    require(rules.can_check(actor, filing.unit, filing.campaign))
    allowed = {i.code for i in key_indicators(filing.unit.kind)}
    unknown = sorted(set(verdicts) - allowed)
    if unknown:
        raise ReviewError(_("Not a key indicator of this unit: %(codes)s.") % {"codes": ", ".join(unknown)})
    suggested = context.suggested_verdicts(context.filing_context(filing))
    existing = {c.code: c for c in filing.checks.all()}
    saved, changes = [], []
    for code, (verdict, note) in verdicts.items():
        if verdict not in CheckVerdict.values:
            raise ReviewError(_("Choose compliant or non-compliant for every indicator."))
        decision = rules.note_given(verdict, suggested.get(code, ""), note)
        if not decision:
            raise ReviewError(f"{BY_CODE[code].label}: {decision.reason}")
        check = existing.get(code) or IndicatorCheck(filing=filing, code=code)
        if check.pk and check.verdict == verdict and check.note == note.strip():
            saved.append(check)
            continue
        check.verdict, check.note, check.checked_by = verdict, note.strip(), actor
        check.save()
        saved.append(check)
        changes.append(f"{BY_CODE[code].label}：{CheckVerdict(verdict).label}")
    if changes:
        workflow.record(filing, "check", actor=actor, comment="; ".join(changes))
    return saved


@transaction.atomic
def record_flag_verdicts(filing: Filing, verdicts: dict[int, tuple[str, str]], *, actor) -> int:
    """Confirm or reject the statistical flags of a submitted filing: {flag id: (verdict, note)}."""
    filing = _locked_filing(filing, "flag_verdict")
    require(rules.can_check(actor, filing.unit, filing.campaign))
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
        workflow.record(filing, "flag_verdict", actor=actor, comment="; ".join(changed))
    return len(changed)


def accept_suggestions(filing: Filing, *, actor, overrides: dict[str, tuple[str, str]] | None = None,
                       rows=None) -> list[IndicatorCheck]:
    """Record every suggested verdict at once; `overrides` ({code: (verdict, note)}) replace single ones.

    Indicators without a suggestion and without an override stay unchecked (the acceptance says which).
    """
    rows = rows if rows is not None else context.filing_context(filing)
    verdicts = {code: (verdict, "") for code, verdict in context.suggested_verdicts(rows).items()}
    verdicts.update(overrides or {})
    return record_checks(filing, verdicts, actor=actor) if verdicts else []


def queue(user, campaign: Campaign) -> QuerySet[Filing]:
    """The city's review queue: the submitted filings it may review, in the review list's order."""
    return (reviewable_filings(user).filter(campaign=campaign, state=FilingState.SUBMITTED)
            .order_by("unit__city__seed_order", "unit__name", "pk"))


def next_in_queue(user, filing: Filing) -> Filing | None:
    """The submitted filing after `filing` in the queue's order, else the first one left (never `filing`)."""
    waiting = queue(user, filing.campaign).exclude(pk=filing.pk).select_related("unit__city")
    key = (filing.unit.city.seed_order, filing.unit.name, filing.pk)
    after = waiting.filter(
        Q(unit__city__seed_order__gt=key[0])
        | Q(unit__city__seed_order=key[0], unit__name__gt=key[1])
        | Q(unit__city__seed_order=key[0], unit__name=key[1], pk__gt=key[2])
    ).first()
    return after or waiting.first()


def accept_with_suggestions(filing: Filing, *, actor, overrides: dict[str, tuple[str, str]] | None = None,
                            comment: str = "") -> Filing:
    """The usual case in one action: the suggested verdicts (with any overrides), then acceptance.

    Two steps, each in its own transaction: when the acceptance is refused (an indicator without a verdict, a
    flag to judge, a finding to dispose of), the verdicts recorded stay, so the reviewer's work is not lost.
    """
    accept_suggestions(filing, actor=actor, overrides=overrides)
    return accept_filing(filing, actor=actor, comment=comment)


@transaction.atomic
def record_compliance(filing: Filing, verifications: dict[str, dict], *, actor) -> list[ComplianceCheck]:
    """The city's verification of compliance items: {item: {source, checked_on, result, note}}."""
    filing = _locked_filing(filing, "compliance_verified")
    require_city_reviewer(actor, filing.unit)
    existing = {c.item: c for c in filing.compliance_checks.all()}
    saved, changes = [], []
    for item, data in verifications.items():
        if item not in ComplianceItem.values:
            raise ReviewError(_("Not a compliance item: %(item)s.") % {"item": item})
        if data.get("source") not in ComplianceSource.values or data.get("result") not in ComplianceResult.values \
                or not data.get("checked_on"):
            raise ReviewError(_("%(item)s: give the source checked, the date and the result.")
                              % {"item": ComplianceItem(item).label})
        if data["checked_on"] > timezone.localdate():
            raise ReviewError(_("%(item)s: the date checked cannot be in the future.") % {"item": ComplianceItem(item).label})
        check = existing.get(item) or ComplianceCheck(filing=filing, item=item)
        values = (data["source"], data["checked_on"], data["result"], (data.get("note") or "").strip())
        if check.pk and (check.source, check.checked_on, check.result, check.note) == values:
            saved.append(check)
            continue
        check.source, check.checked_on, check.result, check.note = values
        check.checked_by = actor
        check.save()
        saved.append(check)
        changes.append(f"{ComplianceItem(item).label}：{ComplianceSource(check.source).label} "
                       f"{check.checked_on:%Y-%m-%d} {ComplianceResult(check.result).label}")
    if changes:
        workflow.record(filing, "compliance_verified", actor=actor, comment="; ".join(changes))
    return saved


@transaction.atomic
def record_disposition(filing: Filing, disposition: str, note: str = "", *, actor) -> Filing:
    """The city's explicit disposition of a declared accident, penalty or compliance finding."""
    filing = _locked_filing(filing, "disposition")
    require_city_reviewer(actor, filing.unit)
    if not queries.declared_findings(filing):
        raise ReviewError(_("Nothing was declared or found that needs a disposition."))
    decision = rules.disposition_valid(filing, disposition, note)
    if not decision:
        raise ReviewError(str(decision.reason))
    filing.disposition, filing.disposition_note = disposition, (note or "").strip()
    filing.disposition_by, filing.disposition_at = actor, timezone.now()
    filing.save(update_fields=["disposition", "disposition_note", "disposition_by", "disposition_at", "updated_at"])
    workflow.record(filing, "disposition", actor=actor,
                    comment=" ".join(filter(None, [str(Disposition(disposition).label), filing.disposition_note])))
    return filing


ASSESSMENT_FIELDS = ("planned_date", "team", "findings", "conclusion", "completed_on")


@transaction.atomic
def save_assessment(filing: Filing, data: dict, *, actor, assessment: OnSiteAssessment | None = None) -> OnSiteAssessment:
    """Plan, update or complete an on-site assessment of a submitted or accepted filing."""
    filing = _locked_filing(filing, "assessment_planned")
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
    workflow.record(filing, action, actor=actor,
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
    disposed = rules.disposition_given(filing)
    if not disposed:
        problems.append(str(disposed.reason))
    return problems


@transaction.atomic
def return_filing(filing: Filing, reason: str, *, actor) -> Filing:
    """submitted → returned: the enterprise corrects and submits again."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("Give the reason for returning the filing, so the enterprise knows what to correct."))
    filing = _locked_filing(filing, "return")
    require_city_reviewer(actor, filing.unit)
    filing.return_reason = reason
    filing.return_answer = ""
    filing.returned_fingerprint = filing.fingerprint()
    filing.version += 1
    workflow.transition(filing, "return", actor=actor, comment=reason,
                        fields=["return_reason", "return_answer", "returned_fingerprint", "version"])
    return filing


@transaction.atomic
def accept_filing(filing: Filing, *, actor, comment: str = "") -> Filing:
    """submitted → accepted, once every key indicator is checked and every flag judged; tells greencode."""
    filing = _locked_filing(filing, "accept")
    require_city_reviewer(actor, filing.unit)
    problems = acceptance_problems(filing)
    if problems:
        raise ReviewError(" ".join(problems))
    filing.accepted_at = timezone.now()
    filing.version += 1
    workflow.transition(filing, "accept", actor=actor, comment=comment, fields=["accepted_at", "version"])
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
    decision = rules.proposal_not_blocked(Filing.objects.filter(campaign=campaign, unit=unit).first())
    if not decision:
        problems.append(("", decision.reason))
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
    return write_proposal(campaign, unit, data, actor=actor, actions=("propose", "edit"),
                          editable=EDITABLE_PROPOSAL_STATES)


def write_proposal(campaign: Campaign, unit: Unit, data: dict, *, actor, actions: tuple[str, str],
                   editable) -> AdjustmentProposal:
    """Open (actions[0]) or change (actions[1]) a unit's proposal while it is in one of `editable`; the caller
    has checked who may."""
    open_action, edit_action = actions
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.status != UnitStatus.LISTED:
        raise ReviewError(_("This unit is no longer on the list; no proposal can be made for it."))
    problems = proposal_problems(campaign, unit, data)
    if problems:
        raise ReviewError(" ".join(m for _f, m in problems))
    values = _clean_proposal_data(data)
    proposal = AdjustmentProposal.objects.select_for_update().filter(campaign=campaign, unit=unit).first()
    if proposal is None:
        proposal = AdjustmentProposal(campaign=campaign, unit=unit, created_by=actor, **values)
        workflow.transition(proposal, open_action, actor=actor, comment=proposal.get_outcome_display())
        return proposal
    if proposal.state not in editable:
        raise ReviewError(_("This proposal is “%(state)s” and can no longer be changed.")
                          % {"state": proposal.get_state_display()})
    for name, value in values.items():
        setattr(proposal, name, value)
    proposal.is_default = False
    proposal.save(update_fields=[*values, "is_default", "updated_at"])
    workflow.record(proposal, edit_action, actor=actor, comment=proposal.get_outcome_display())
    return proposal


@dataclass
class PackageCheck:
    """What is still open in a city when it submits its package (reviews.queries terms), with a few names each."""

    unreviewed: int = 0
    not_filed: int = 0
    without_proposal: int = 0
    pending_flags: int = 0
    examples: dict = field(default_factory=dict)

    ITEMS = ("unreviewed", "not_filed", "without_proposal", "pending_flags")

    @property
    def ok(self) -> bool:
        return not any(getattr(self, name) for name in self.ITEMS)

    def lines(self) -> list[tuple[str, str, int, str, list[str]]]:
        """(key, label, count, count with its unit, first names) for each open item, in a fixed order."""
        labels = {
            "unreviewed": _("Filings not reviewed"), "not_filed": _("Units that have not filed"),
            "without_proposal": _("Units without a proposal"), "pending_flags": _("Filings with a data flag to judge"),
        }
        out = []
        for name in self.ITEMS:
            n = getattr(self, name)
            if n:
                counted = (_("%(n)d filing(s)") if name in ("unreviewed", "pending_flags") else _("%(n)d unit(s)")) % {"n": n}
                out.append((name, str(labels[name]), n, counted, self.examples.get(name, [])))
        return out

    def summary(self) -> str:
        return "；".join(f"{label} {counted}" for _key, label, _n, counted, _names in self.lines())


def package_check(campaign: Campaign, city: City, limit: int = 10) -> PackageCheck:
    """The city's open items before it submits its package: eight queries (a count and a few names each)."""
    cities = [city]
    querysets = {
        "unreviewed": queries.unreviewed_filings(campaign, cities).values_list("unit__name", flat=True),
        "not_filed": queries.not_filed_units(campaign, cities).values_list("name", flat=True),
        "without_proposal": queries.units_without_proposal(campaign, cities).values_list("name", flat=True),
        "pending_flags": queries.pending_flag_filings(campaign, cities).values_list("unit__name", flat=True),
    }
    check = PackageCheck()
    for name, queryset in querysets.items():
        setattr(check, name, queryset.count())
        check.examples[name] = list(queryset.order_by("pk" if name in ("not_filed", "without_proposal") else "unit__pk")[:limit])
    return check


def city_deadline_passed(campaign: Campaign, now: dt.datetime | None = None) -> bool:
    return Campaign.passed(campaign.city_review_due, now)


@transaction.atomic
def submit_package(campaign: Campaign, city: City, *, actor, note: str = "", now: dt.datetime | None = None,
                   reason: str = "") -> CityPackage:
    """Send the city's draft and returned proposals to the province. After the city deadline: marked late.

    The package check (package_check) must find nothing open, or the city gives `reason` to submit anyway; the
    open items and the reason are kept on the package and in its audit record, where the province reads them."""
    require(rules.can_submit_package(actor, city))
    now = now or timezone.now()
    proposals = list(queries.pending_package(campaign, city).select_for_update().select_related("unit"))
    if not proposals:
        raise ReviewError(_("There is no draft or returned proposal to submit."))
    problems = []
    for proposal in proposals:
        for _field, message in proposal_problems(campaign, proposal.unit, {n: getattr(proposal, n) for n in PROPOSAL_FIELDS}):
            problems.append(f"{proposal.unit.name}: {message}")
    if problems:
        raise ReviewError(" ".join(problems))
    check = package_check(campaign, city)
    reason = (reason or "").strip()
    if not check.ok and not reason:
        raise ReviewError(_("The package check found open items (%(summary)s): give a reason to submit anyway.")
                          % {"summary": check.summary()})
    open_items, open_reason = ("", "") if check.ok else (check.summary(), reason)
    late = city_deadline_passed(campaign, now)
    package = CityPackage.objects.select_for_update().filter(campaign=campaign, city=city).first()
    count = _("%(n)d proposal(s)") % {"n": len(proposals)}
    if open_items:
        still_open, why = _("Still open"), _("Reason to submit anyway")
        count = f"{count}；{still_open}：{open_items}；{why}：{open_reason}"
    if package is None:
        package = CityPackage(campaign=campaign, city=city, submitted_at=now, submitted_by=actor, note=note.strip(),
                              open_items=open_items, open_items_reason=open_reason)
        workflow.transition(package, "submit_late" if late else "submit", actor=actor, comment=count)
    else:
        package.note = note.strip() or package.note
        package.open_items, package.open_items_reason = open_items, open_reason
        workflow.transition(package, "resubmit", actor=actor, comment=count,
                            fields=["note", "open_items", "open_items_reason"])
    workflow.transition_many(proposals, "submit", actor=actor,
                             comment=_("Submitted late, after the city deadline.") if late else "",
                             values={"package_id": package.pk, "submitted_at": now, "is_late": late})
    return package


# --- the not-filed list -----------------------------------------------------------------------------------

not_filed_units = queries.not_filed_units


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
    created = workflow.create_many(
        [AdjustmentProposal(campaign=campaign, unit_id=pk, outcome=Outcome.REMOVE, remove_reason=RemoveReason.NOT_FILED,
                            reason=reason, is_default=True, created_by=actor) for pk in units],
        "open_default", actor=actor, comment=reason,
    )
    return len(created)


def pending_flags(filing: Filing) -> QuerySet[DataFlag]:
    return filing.flags.filter(verdict=FlagVerdict.PENDING)
