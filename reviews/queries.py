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
- declared findings: an accident, a penalty or a compliance finding (declared or verified) needing a disposition.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from registry.enums import UnitStatus
from registry.models import Unit

from .enums import EDITABLE_PROPOSAL_STATES, CheckVerdict, ComplianceItem, ComplianceResult, FilingState
from .models import AdjustmentProposal, Campaign, Filing, IndicatorCheck, OnSiteAssessment

FILED_STATES = (FilingState.SUBMITTED, FilingState.RETURNED, FilingState.ACCEPTED)


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
