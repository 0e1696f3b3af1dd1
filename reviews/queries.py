"""One definition of each domain term of the yearly review (pretalx's domain/queries).

The dashboards, the not-filed list, the package check, the proposal rule and the green code's no-code
reasons all use these, so they always agree:
- filed: the unit has a filing in the campaign that was submitted at least once (submitted, returned or
  accepted). A draft that was never submitted is NOT filed: 未填报 everywhere.
- not filed: a listed unit that has not filed.
- needs assessment: a key indicator of the filing was found non-compliant by the city.
- assessment completed: an on-site assessment of the filing has both its conclusion and its completion date.
- blocked by assessment: needs an assessment and has no completed one (no proposal can be made).
- pending package: the city's proposals still in draft or returned, not yet sent to the province.
- proposed: a proposal sent to the province at least once (submitted, approved or returned); a draft is not.
- unreviewed: a filing submitted to the city and neither accepted nor returned yet.
- without a proposal: a listed unit for which the city has opened no proposal in the campaign (a draft counts as
  opened; it is "proposed" only once submitted with the package).
- pending flag: a filed filing with a data flag the city has not judged yet.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from registry.enums import UnitStatus
from registry.models import Unit

from .enums import EDITABLE_PROPOSAL_STATES, CheckVerdict, FilingState, FlagVerdict, ProposalState
from .models import AdjustmentProposal, Campaign, DataFlag, Filing, IndicatorCheck, OnSiteAssessment

FILED_STATES = (FilingState.SUBMITTED, FilingState.RETURNED, FilingState.ACCEPTED)
# proposed (an opinion put forward, 已提出意见): a proposal sent to the province at least once — submitted, approved,
# or returned by the province. A draft is not proposed yet; the city home shows drafts beside it. PROPOSED is the
# proposal list's filter value for it.
PROPOSED_STATES = (ProposalState.SUBMITTED, ProposalState.APPROVED, ProposalState.RETURNED)
PROPOSED = "proposed"


def is_filed(filing: Filing | None) -> bool:
    return filing is not None and filing.state in FILED_STATES


def filed_filings(campaign: Campaign) -> QuerySet[Filing]:
    return Filing.objects.filter(campaign=campaign, state__in=FILED_STATES)


def not_filed_units(campaign: Campaign, cities=None) -> QuerySet[Unit]:
    """Listed units without a filed filing in this campaign (optionally of some cities)."""
    filed = Filing.objects.filter(campaign=campaign, unit=OuterRef("pk"), state__in=FILED_STATES)
    units = Unit.objects.filter(status=UnitStatus.LISTED).exclude(Exists(filed))
    if cities is not None:
        units = units.filter(city__in=cities)
    return units


def _non_compliant(filing_ref) -> Exists:
    return Exists(IndicatorCheck.objects.filter(filing=filing_ref, verdict=CheckVerdict.NON_COMPLIANT))


def completed_assessments() -> QuerySet[OnSiteAssessment]:
    """Assessments with both a conclusion and the date they were completed."""
    return OnSiteAssessment.objects.exclude(conclusion="").filter(completed_on__isnull=False)


def _completed(filing_ref) -> Exists:
    return Exists(completed_assessments().filter(filing=filing_ref))


def needs_assessment_q(filing_ref=None) -> Exists:
    """For Filing querysets (or, with `filing_ref`, any queryset pointing at a filing)."""
    return _non_compliant(filing_ref if filing_ref is not None else OuterRef("pk"))


def assessment_completed_q(filing_ref=None) -> Exists:
    return _completed(filing_ref if filing_ref is not None else OuterRef("pk"))


def blocked_by_assessment_q(filing_ref=None) -> Q:
    """Needs an assessment and has no completed one."""
    return Q(needs_assessment_q(filing_ref)) & ~Q(assessment_completed_q(filing_ref))


def needs_assessment(filing: Filing) -> bool:
    return filing.checks.filter(verdict=CheckVerdict.NON_COMPLIANT).exists()


def assessment_completed(filing: Filing) -> bool:
    return completed_assessments().filter(filing=filing).exists()


def blocked_by_assessment(filing: Filing | None) -> bool:
    return filing is not None and needs_assessment(filing) and not assessment_completed(filing)


def pending_package(campaign: Campaign, city) -> QuerySet[AdjustmentProposal]:
    """The city's proposals not yet sent to the province."""
    return AdjustmentProposal.objects.filter(campaign=campaign, unit__city=city, state__in=EDITABLE_PROPOSAL_STATES)


def unreviewed_filings(campaign: Campaign, cities=None) -> QuerySet[Filing]:
    """Submitted filings the city has neither accepted nor returned."""
    filings = Filing.objects.filter(campaign=campaign, state=FilingState.SUBMITTED)
    return filings.filter(unit__city__in=cities) if cities is not None else filings


def units_without_proposal(campaign: Campaign, cities=None) -> QuerySet[Unit]:
    """Listed units for which no proposal (of any state) exists in the campaign."""
    proposed = AdjustmentProposal.objects.filter(campaign=campaign, unit=OuterRef("pk"))
    units = Unit.objects.filter(status=UnitStatus.LISTED).exclude(Exists(proposed))
    return units.filter(city__in=cities) if cities is not None else units


def pending_flag_filings(campaign: Campaign, cities=None) -> QuerySet[Filing]:
    """Filed filings with a data flag still awaiting the city's verdict."""
    pending = DataFlag.objects.filter(filing=OuterRef("pk"), verdict=FlagVerdict.PENDING)
    filings = filed_filings(campaign).filter(Exists(pending))
    return filings.filter(unit__city__in=cities) if cities is not None else filings
