"""The province's side: approve or return proposals, record MIIT's decision, apply it to the registry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import access
from registry import services as registry_services
from registry.enums import HistorySource, UnitStatus

from .. import audit
from ..enums import MiitOutcome, Outcome, ProposalState
from ..models import AdjustmentProposal, MiitDecision
from .review import ReviewError

APPROVE = "approve"
RETURN = "return"


def require_province(user) -> None:
    if not access.roles_of(user).province:
        raise PermissionDenied(_("Only the provincial department can do this."))


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
    if proposal.state != ProposalState.SUBMITTED:
        raise ReviewError(_("%(unit)s: the proposal is “%(state)s”, so it cannot be decided now.")
                          % {"unit": proposal.unit.name, "state": proposal.get_state_display()})
    before = proposal.state
    proposal.state = ProposalState.APPROVED if action == APPROVE else ProposalState.RETURNED
    proposal.decided_by, proposal.decided_at, proposal.decision_comment = actor, timezone.now(), comment
    proposal.save(update_fields=["state", "decided_by", "decided_at", "decision_comment", "updated_at"])
    audit.record(proposal, action, actor=actor, from_state=before, to_state=proposal.state, comment=comment)
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
    if proposal.state != ProposalState.APPROVED:
        raise ReviewError(_("MIIT's decision is recorded only for a proposal the province has approved."))
    if MiitDecision.objects.filter(proposal=proposal).exists():
        raise ReviewError(_("MIIT's decision on this proposal has already been recorded."))
    if outcome not in MiitOutcome.values:
        raise ReviewError(_("Choose MIIT's outcome."))
    decision = MiitDecision.objects.create(proposal=proposal, outcome=outcome, decided_on=decided_on,
                                           document=document.strip(), note=note.strip(), recorded_by=actor)
    audit.record(proposal, "miit_decision", actor=actor, from_state=proposal.state, to_state=proposal.state,
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
