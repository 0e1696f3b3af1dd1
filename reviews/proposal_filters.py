"""The filters of the proposal list, in one place: the list, its export and the bulk steps on "all matching the
filter" read the same query parameters the same way, so a bulk step acts on exactly what the list showed."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from registry.params import int_or_none

from .enums import Outcome, ProposalState
from .models import AdjustmentProposal, MiitDecision
from .queries import PROPOSED, PROPOSED_STATES

MIIT_PENDING, MIIT_RECORDED = "pending", "recorded"


@dataclass(frozen=True)
class ProposalFilter:
    city: str = ""
    outcome: str = ""
    state: str = ""
    late: str = ""
    miit: str = ""
    q: str = ""

    @classmethod
    def from_params(cls, params) -> ProposalFilter:
        """Only known values are kept; anything else is no filter (never an error page)."""
        city = params.get("city", "")
        outcome, state = params.get("outcome", ""), params.get("state", "")
        late, miit = params.get("late", ""), params.get("miit", "")
        return cls(
            city=city if int_or_none(city) is not None else "",
            outcome=outcome if outcome in Outcome.values else "",
            state=state if state in ProposalState.values or state == PROPOSED else "",
            late=late if late in ("1", "0") else "",
            miit=miit if miit in (MIIT_PENDING, MIIT_RECORDED) else "",
            q=params.get("q", "").strip()[:200],
        )

    def apply(self, proposals: QuerySet[AdjustmentProposal]) -> QuerySet[AdjustmentProposal]:
        if self.city:
            proposals = proposals.filter(unit__city_id=int_or_none(self.city))
        if self.outcome:
            proposals = proposals.filter(outcome=self.outcome)
        if self.state == PROPOSED:
            proposals = proposals.filter(state__in=PROPOSED_STATES)
        elif self.state:
            proposals = proposals.filter(state=self.state)
        if self.late:
            proposals = proposals.filter(is_late=self.late == "1")
        if self.miit:
            decided = Exists(MiitDecision.objects.filter(proposal=OuterRef("pk")))
            proposals = (proposals.filter(decided) if self.miit == MIIT_RECORDED
                         else proposals.filter(state=ProposalState.APPROVED).exclude(decided))
        if self.q:
            proposals = proposals.filter(Q(unit__name__icontains=self.q) | Q(unit__credit_code__startswith=self.q.upper()))
        return proposals
