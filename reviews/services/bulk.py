"""Bulk steps where the volume is: the province decides many proposals at once and records one MIIT decision
document against many; a city proposes "keep" for every unit accepted without findings.

A mixed selection is never refused whole: what can be done is done in one move (one UPDATE and one audit row
per item, through reviews.workflow), and every item left alone is reported with its reason. The confirmation
page shows the same plan before anything happens (`plan_*`), so nobody is surprised.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from greenmfg.rules import require
from registry import access

from .. import queries, rules, workflow
from ..enums import MiitOutcome, Outcome
from ..models import AdjustmentProposal, Campaign, Filing, MiitDecision, MiitDocument
from ..workflow import ReviewError
from . import province as province_services
from .districts import Report

APPROVE, RETURN = province_services.APPROVE, province_services.RETURN


def _with_decision(proposals: QuerySet[AdjustmentProposal]) -> QuerySet[AdjustmentProposal]:
    return proposals.select_related("unit", "unit__city").annotate(
        has_decision=Exists(MiitDecision.objects.filter(proposal=OuterRef("pk"))))


def plan_decisions(proposals: QuerySet[AdjustmentProposal]) -> Report:
    """Which of `proposals` the province can approve or return now, and why the others cannot (two queries
    at most, whatever the number)."""
    report = Report()
    for proposal in proposals.select_related("unit"):
        decision = rules.decidable(proposal)
        if decision:
            report.done.append(proposal)
        else:
            report.skipped.append(decision.reason)
    return report


def plan_miit(proposals: QuerySet[AdjustmentProposal]) -> Report:
    report = Report()
    for proposal in _with_decision(proposals):
        decision = rules.miit_recordable(proposal, proposal.has_decision)
        if decision:
            report.done.append(proposal)
        else:
            report.skipped.append(decision.reason)
    return report


@transaction.atomic
def decide_bulk(proposals: QuerySet[AdjustmentProposal], action: str, *, actor, comment: str = "") -> Report:
    """Approve or return every decidable proposal of `proposals` in one move, with an audit row for each;
    the others are skipped and reported. The rows are locked first, so two officers never both decide one."""
    require(rules.can_decide(actor))
    comment = (comment or "").strip()
    if action not in (APPROVE, RETURN):
        raise ReviewError(_("Choose approve or return."))
    if action == RETURN and not comment:
        raise ReviewError(_("Give the reason for returning the proposal to the city."))
    report = plan_decisions(proposals.select_for_update(of=("self",)))
    workflow.transition_many(report.done, action, actor=actor, comment=comment,
                             values={"decided_by": actor, "decided_at": timezone.now(), "decision_comment": comment})
    return report


@transaction.atomic
def record_miit_document(proposals: QuerySet[AdjustmentProposal], *, outcome: str, number: str, decided_on: dt.date,
                         title: str, actor, note: str = "") -> tuple[MiitDocument | None, Report]:
    """Record one MIIT decision document against every approved proposal of `proposals` that has no decision
    yet; a confirmed removal or rename changes the registry. The others are skipped and reported."""
    require(rules.can_decide(actor))
    number, title = (number or "").strip(), (title or "").strip()
    if outcome not in MiitOutcome.values:
        raise ReviewError(_("Choose MIIT's outcome."))
    if not number or not title or decided_on is None:
        raise ReviewError(_("Give the document's number, date and title."))
    if decided_on > timezone.localdate():
        raise ReviewError(_("The date of MIIT's decision cannot be in the future."))
    report = plan_miit(proposals.select_for_update(of=("self",)).select_related("campaign"))
    if not report.done:
        return None, report
    document = MiitDocument.objects.create(number=number, decided_on=decided_on, title=title, recorded_by=actor)
    MiitDecision.objects.bulk_create([
        MiitDecision(proposal=p, outcome=outcome, decided_on=decided_on, document=number, source=document,
                     note=note.strip(), recorded_by=actor) for p in report.done
    ], batch_size=1000)
    label = MiitOutcome(outcome).label
    workflow.transition_many(report.done, "miit_decision", actor=actor, comment=f"{label} {number}")
    if outcome == MiitOutcome.CONFIRMED:
        decisions = {d.proposal_id: d for d in document.decisions.all()}
        for proposal in report.done:
            if proposal.outcome in (Outcome.REMOVE, Outcome.RENAME):
                province_services.apply_to_registry(proposal, decisions[proposal.pk], actor=actor)
    return document, report


# --- the city: keep every unit accepted without findings ---------------------------------------------------------

def keep_candidates(campaign: Campaign, user) -> QuerySet[Filing]:
    """The filings of the city's units accepted without findings and with no proposal yet."""
    return (queries.accepted_without_findings(campaign).filter(unit__in=access.reviewable_units(user))
            .select_related("unit", "unit__city").order_by("unit__city__seed_order", "unit__name"))


KEEP_REASON = _("Accepted without findings: every key indicator compliant.")


@transaction.atomic
def propose_keep_many(campaign: Campaign, unit_pks, *, actor) -> Report:
    """Open a "keep" proposal (a draft for the city's package) for each of the units still accepted without
    findings; any other unit is skipped and reported. One INSERT for the proposals and one for their audit."""
    if not access.roles_of(actor).is_city_reviewer:
        raise ReviewError(_("Only a city bureau proposes outcomes for its units."))
    unit_pks = list(dict.fromkeys(unit_pks))
    candidates = {f.unit_id: f.unit for f in keep_candidates(campaign, actor).filter(unit_id__in=unit_pks)
                  .select_for_update(of=("self",))}
    report = Report()
    missing = [pk for pk in unit_pks if pk not in candidates]
    names = dict(access.reviewable_units(actor).filter(pk__in=missing).values_list("pk", "name"))
    report.skipped.extend(_("%(unit)s: no longer accepted without findings, or it already has a proposal.")
                          % {"unit": names.get(pk, pk)} for pk in missing)
    reason = str(KEEP_REASON)
    report.done = workflow.create_many(
        [AdjustmentProposal(campaign=campaign, unit=candidates[pk], outcome=Outcome.KEEP, reason=reason,
                            created_by=actor) for pk in unit_pks if pk in candidates],
        "propose", actor=actor, comment=str(Outcome.KEEP.label))
    return report
