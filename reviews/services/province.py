"""The province's side: approve or return proposals, record MIIT's decision, apply it to the registry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from greenmfg.rules import require
from registry import services as registry_services
from registry.enums import HistorySource, UnitStatus

from .. import rules, workflow
from ..enums import MiitOutcome, Outcome
from ..models import AdjustmentProposal, MiitDecision
from ..workflow import ReviewError

APPROVE = "approve"
RETURN = "return"


def require_province(user) -> None:
    require(rules.can_decide(user))


@transaction.atomic
def decide_proposal(proposal_pk: int, action: str, *, actor, comment: str = "") -> AdjustmentProposal:
    """submitted → approved | returned. The row is locked first, so two officers can never both decide it."""
    require_province(actor)
    comment = (comment or "").strip()
    if action not in (APPROVE, RETURN):
        raise ReviewError(_("Choose approve or return."))
    if action == RETURN and not comment:
        raise ReviewError(_("Give the reason for returning the proposal to the city."))
    proposal = AdjustmentProposal.objects.select_for_update().select_related("unit").get(pk=proposal_pk)
    if not workflow.MACHINES[AdjustmentProposal].allows(action, proposal.state):
        raise ReviewError(_("%(unit)s: the proposal is “%(state)s”, so it cannot be decided now.")
                          % {"unit": proposal.unit.name, "state": proposal.get_state_display()})
    proposal.decided_by, proposal.decided_at, proposal.decision_comment = actor, timezone.now(), comment
    workflow.transition(proposal, action, actor=actor, comment=comment,
                        fields=["decided_by", "decided_at", "decision_comment"])
    return proposal


@dataclass
class BulkResult:
    done: list[AdjustmentProposal] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def decide_many(proposal_pks, action: str, *, actor, comment: str = "") -> BulkResult:
    """Decide several proposals with one comment; each is its own transaction, a refusal does not stop the rest."""
    require_province(actor)
    result = BulkResult()
    for pk in proposal_pks:
        try:
            result.done.append(decide_proposal(pk, action, actor=actor, comment=comment))
        except AdjustmentProposal.DoesNotExist:
            result.refused.append(_("Proposal %(pk)s does not exist.") % {"pk": pk})
        except ReviewError as exc:
            result.refused.append(str(exc))
    return result


@transaction.atomic
def record_miit_decision(proposal: AdjustmentProposal, *, outcome: str, decided_on: dt.date, actor,
                         document: str = "", note: str = "") -> MiitDecision:
    """Record MIIT's final word on an approved proposal; a confirmed removal or rename changes the registry."""
    require_province(actor)
    proposal = AdjustmentProposal.objects.select_for_update().select_related("unit", "campaign").get(pk=proposal.pk)
    if not workflow.MACHINES[AdjustmentProposal].allows("miit_decision", proposal.state):
        raise ReviewError(_("MIIT's decision is recorded only for a proposal the province has approved."))
    if MiitDecision.objects.filter(proposal=proposal).exists():
        raise ReviewError(_("MIIT's decision on this proposal has already been recorded."))
    if outcome not in MiitOutcome.values:
        raise ReviewError(_("Choose MIIT's outcome."))
    decision = MiitDecision.objects.create(proposal=proposal, outcome=outcome, decided_on=decided_on,
                                           document=document.strip(), note=note.strip(), recorded_by=actor)
    workflow.record(proposal, "miit_decision", actor=actor,
                    comment=f"{decision.get_outcome_display()} {decision.document}".strip())
    if outcome == MiitOutcome.CONFIRMED:
        apply_to_registry(proposal, decision, actor=actor)
    return decision


def apply_to_registry(proposal: AdjustmentProposal, decision: MiitDecision, *, actor) -> None:
    unit = proposal.unit
    basis = decision.document or _("MIIT decision of %(date)s") % {"date": decision.decided_on}
    if proposal.outcome == Outcome.REMOVE and unit.status == UnitStatus.LISTED:
        reason = f"{proposal.campaign.year} {proposal.get_remove_reason_display()}（{basis}）"
        registry_services.remove_unit(unit, actor=actor, reason=reason, source=HistorySource.MIIT_DECISION,
                                      date=decision.decided_on)
    elif proposal.outcome == Outcome.RENAME and proposal.new_name and unit.name != proposal.new_name:
        reason = f"{proposal.campaign.year} {_('Change the name')}（{basis}）"
        registry_services.rename_unit(unit, proposal.new_name, actor=actor, reason=reason,
                                      source=HistorySource.MIIT_DECISION)
