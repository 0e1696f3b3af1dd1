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
- reviews through districts: the city chose, for the campaign, to have its district reviewers do the first
  review (indicator check and first proposal) of its district units; its city-level units it reviews itself.
- with the district: a first proposal the district still works on (drafted, or returned by the city).
- awaiting the city's confirmation: a first proposal the district sent to the city.
- accepted without findings: an accepted filing with every key indicator compliant, no data flag rejected or
  pending, no major change declared (accident, penalty, relocation, stop, new name), no incident reported in
  the campaign, and no proposal yet: the units a city proposes to keep in one action.
- answered with files: evidence files attached to the answer to the filing's latest return.
- declared findings: an accident, a penalty or a compliance finding (declared or verified) needing a disposition.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from registry.enums import UnitStatus
from registry.models import Unit

from .enums import (
    DISTRICT_EDITABLE_STATES,
    EDITABLE_PROPOSAL_STATES,
    CheckVerdict,
    ComplianceItem,
    ComplianceResult,
    FilingState,
    FlagVerdict,
    ProposalState,
)
from .models import AdjustmentProposal, Campaign, DataFlag, Filing, IncidentReport, IndicatorCheck, OnSiteAssessment

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


def reviews_through_districts(campaign: Campaign, city) -> bool:
    return campaign.district_cities.filter(pk=city.pk).exists()


def district_review_q() -> Exists:
    """For Filing querysets: the filing's city reviews through districts in the filing's campaign."""
    return Exists(Campaign.district_cities.through.objects.filter(campaign_id=OuterRef("campaign_id"),
                                                                  city_id=OuterRef("unit__city_id")))


def with_the_district(campaign: Campaign) -> QuerySet[AdjustmentProposal]:
    return AdjustmentProposal.objects.filter(campaign=campaign, state__in=DISTRICT_EDITABLE_STATES)


def awaiting_city_confirmation(campaign: Campaign) -> QuerySet[AdjustmentProposal]:
    return AdjustmentProposal.objects.filter(campaign=campaign, state=ProposalState.DISTRICT_SUBMITTED)


# Declared major changes that are findings in themselves (each needs the reviewer's own look).
DECLARED_CHANGES = ("had_accident", "penalised", "relocated", "production_stopped", "name_changed")


def accepted_without_findings(campaign: Campaign) -> QuerySet[Filing]:
    """Accepted filings with nothing found: see the module's definition."""
    filing = OuterRef("pk")
    changes = Q()
    for name in DECLARED_CHANGES:
        changes |= Q(**{name: True})
    return (
        Filing.objects.filter(campaign=campaign, state=FilingState.ACCEPTED, unit__status=UnitStatus.LISTED)
        .exclude(changes)
        .exclude(_non_compliant(filing))
        .exclude(Exists(DataFlag.objects.filter(filing=filing).exclude(verdict=FlagVerdict.CONFIRMED)))
        .exclude(Exists(IncidentReport.objects.filter(unit=OuterRef("unit"), campaign=campaign)))
        .exclude(Exists(AdjustmentProposal.objects.filter(unit=OuterRef("unit"), campaign=campaign)))
    )


def declared_findings(filing: Filing, verifications=None) -> list[str]:
    """What the filing declares, or the city found, that needs the city's explicit disposition: an accident, a
    penalty, or a compliance item answered "yes" by the enterprise or found by the city's verification.

    `verifications` are the filing's ComplianceCheck rows when the caller has them (else one query).
    """
    findings = [str(Filing._meta.get_field(name).verbose_name) for name in Filing.SERIOUS_CHANGES
                if getattr(filing, name)]
    found = {c.item for c in (verifications if verifications is not None else filing.compliance_checks.all())
             if c.result == ComplianceResult.FOUND}
    for item, name in Filing.COMPLIANCE_ANSWERS.items():
        label = str(ComplianceItem(item).label)
        if name in Filing.SERIOUS_CHANGES and getattr(filing, name):
            continue  # already named above
        if getattr(filing, name) or item in found:
            findings.append(label)
    return findings


def return_round(filing: Filing) -> int:
    """How many times the filing has been returned: the answer to the latest return carries this number."""
    from . import audit

    return audit.history(filing).filter(action="return").count()


def answered_with_files(filing: Filing) -> bool:
    """Files were attached to the answer to the filing's latest return."""
    from .enums import EvidenceKind

    return filing.evidence_files.filter(kind=EvidenceKind.RETURN_ANSWER, target=str(return_round(filing))).exists()
