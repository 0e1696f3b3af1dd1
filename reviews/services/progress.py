"""Progress of a campaign, per city and for the province: a fixed number of grouped queries, whatever the size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from registry.enums import UnitStatus
from registry.models import District, Unit

from ..enums import DISTRICT_EDITABLE_STATES, DISTRICT_STATES, CheckVerdict, FilingState, ProposalState
from ..models import AdjustmentProposal, Campaign, CityPackage, Filing, IndicatorCheck
from ..queries import FILED_STATES, PROPOSED_STATES, blocked_by_assessment_q, completed_assessments

SENT_TO_PROVINCE = PROPOSED_STATES


def pct(part: int, whole: int) -> int | None:
    """The share in whole percent; None when there is nothing to count (0 of 0 is not 0 %: pages show "—")."""
    return round(100 * part / whole) if whole else None


@dataclass
class CityProgress:
    city: object
    listed: int = 0
    filed: int = 0
    awaiting_review: int = 0
    returned: int = 0
    accepted: int = 0
    need_assessment: int = 0
    assessed: int = 0
    proposals: int = 0
    drafts: int = 0  # opened by the city, not yet sent: not "proposed" (reviews.queries)
    proposed: int = 0
    awaiting_province: int = 0
    approved: int = 0
    sent_back: int = 0
    awaiting_miit: int = 0
    late: int = 0
    package: CityPackage | None = None
    overdue: list = field(default_factory=list)
    districts: list = field(default_factory=list)  # DistrictProgress, where the city reviews through districts

    @property
    def bars(self):
        """(label key, count, of, percent) for the progress bars."""
        return [
            ("filed", self.filed, self.listed, pct(self.filed, self.listed)),
            ("accepted", self.accepted, self.listed, pct(self.accepted, self.listed)),
            ("assessed", self.assessed, self.need_assessment, pct(self.assessed, self.need_assessment)),
            ("proposed", self.proposed, self.listed, pct(self.proposed, self.listed)),
            ("approved", self.approved, self.proposed, pct(self.approved, self.proposed)),
        ]

    @property
    def not_filed(self) -> int:
        return max(self.listed - self.filed, 0)


def campaign_progress(campaign: Campaign, cities, today: dt.date | None = None) -> tuple[list[CityProgress], CityProgress]:
    """Each city's progress against each deadline, and the total. Seven queries."""
    today = today or timezone.localdate()
    cities = list(cities)
    ids = [c.pk for c in cities]
    rows = {c.pk: CityProgress(city=c) for c in cities}
    for city_id, n in (Unit.objects.filter(city_id__in=ids, status=UnitStatus.LISTED)
                       .values_list("city_id").annotate(n=Count("id")).order_by()):
        rows[city_id].listed = n
    for city_id, state, n in (Filing.objects.filter(campaign=campaign, unit__city_id__in=ids)
                              .values_list("unit__city_id", "state").annotate(n=Count("id")).order_by()):
        row = rows[city_id]
        if state in FILED_STATES:
            row.filed += n
        if state == FilingState.SUBMITTED:
            row.awaiting_review += n
        elif state == FilingState.RETURNED:
            row.returned += n
        elif state == FilingState.ACCEPTED:
            row.accepted += n
    for city_id, n in (IndicatorCheck.objects.filter(filing__campaign=campaign, filing__unit__city_id__in=ids,
                                                     verdict=CheckVerdict.NON_COMPLIANT)
                       .values_list("filing__unit__city_id").annotate(n=Count("filing", distinct=True)).order_by()):
        rows[city_id].need_assessment = n
    for city_id, n in (completed_assessments().filter(filing__campaign=campaign, filing__unit__city_id__in=ids)
                       .values_list("filing__unit__city_id").annotate(n=Count("filing", distinct=True)).order_by()):
        rows[city_id].assessed = n
    for city_id, state, n, late, undecided in (
        AdjustmentProposal.objects.filter(campaign=campaign, unit__city_id__in=ids)
        .values_list("unit__city_id", "state")
        .annotate(n=Count("id"), late=Count("id", filter=Q(is_late=True)),
                  undecided=Count("id", filter=Q(miit_decision__isnull=True)))
        .order_by()
    ):
        row = rows[city_id]
        row.proposals += n
        row.late += late
        if state in SENT_TO_PROVINCE:
            row.proposed += n
        elif state == ProposalState.DRAFT:
            row.drafts += n
        if state == ProposalState.SUBMITTED:
            row.awaiting_province += n
        elif state == ProposalState.APPROVED:
            row.approved += n
            row.awaiting_miit += undecided
        elif state == ProposalState.RETURNED:
            row.sent_back += n
    for package in CityPackage.objects.filter(campaign=campaign, city_id__in=ids):
        rows[package.city_id].package = package
    total = CityProgress(city=None)
    for row in rows.values():
        for name in ("listed", "filed", "awaiting_review", "returned", "accepted", "need_assessment", "assessed",
                     "proposals", "drafts", "proposed", "awaiting_province", "approved", "sent_back", "awaiting_miit", "late"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        row.overdue = overdue_items(campaign, row, today)
    total.overdue = overdue_items(campaign, total, today)
    return [rows[c.pk] for c in cities], total


@dataclass
class DistrictProgress:
    """One district's first review: its units, filed, checked, the proposals with it, sent and confirmed."""

    district: District
    listed: int = 0
    filed: int = 0
    checked: int = 0
    with_district: int = 0
    awaiting_city: int = 0
    with_city: int = 0  # confirmed by the city, or proposed by the city itself
    late: int = 0
    overdue: int = 0  # units not yet sent once the district deadline has passed

    @property
    def sent(self) -> int:
        return self.awaiting_city + self.with_city

    @property
    def bars(self):
        return [
            ("filed", self.filed, self.listed, pct(self.filed, self.listed)),
            ("checked", self.checked, self.filed, pct(self.checked, self.filed)),
            ("sent", self.sent, self.listed, pct(self.sent, self.listed)),
            ("confirmed", self.with_city, self.listed, pct(self.with_city, self.listed)),
        ]


def district_progress(campaign: Campaign, rows: list[CityProgress], today: dt.date | None = None) -> None:
    """Fill `districts` of each row whose city reviews through districts in the campaign. Five queries at most,
    whatever the number of cities, districts and units."""
    today = today or timezone.localdate()
    ids = set(campaign.district_cities.filter(pk__in=[r.city.pk for r in rows if r.city is not None])
              .values_list("pk", flat=True))
    if not ids:
        return
    found: dict[int, DistrictProgress] = {}
    for district_id, district_name, city_id, n in (
        Unit.objects.filter(city_id__in=ids, status=UnitStatus.LISTED, district__isnull=False)
        .values_list("district_id", "district__name", "district__city_id").annotate(n=Count("id"))
        .order_by("district__name")
    ):
        found[district_id] = DistrictProgress(district=District(pk=district_id, name=district_name, city_id=city_id),
                                              listed=n)
    for district_id, n in (Filing.objects.filter(campaign=campaign, unit__district_id__in=found, state__in=FILED_STATES)
                           .values_list("unit__district_id").annotate(n=Count("id")).order_by()):
        found[district_id].filed = n
    for district_id, n in (IndicatorCheck.objects.filter(filing__campaign=campaign, filing__unit__district_id__in=found)
                           .values_list("filing__unit__district_id").annotate(n=Count("filing", distinct=True))
                           .order_by()):
        found[district_id].checked = n
    for district_id, state, n, late in (
        AdjustmentProposal.objects.filter(campaign=campaign, unit__district_id__in=found)
        .values_list("unit__district_id", "state").annotate(n=Count("id"), late=Count("id", filter=Q(district_late=True)))
        .order_by()
    ):
        row = found[district_id]
        row.late += late
        if state in DISTRICT_EDITABLE_STATES:
            row.with_district += n
        elif state == ProposalState.DISTRICT_SUBMITTED:
            row.awaiting_city += n
        elif state not in DISTRICT_STATES:
            row.with_city += n
    passed = today > campaign.district_due
    by_city = {}
    for row in found.values():
        row.overdue = max(row.listed - row.sent, 0) if passed else 0
        by_city.setdefault(row.district.city_id, []).append(row)
    for row in rows:
        if row.city is not None:
            row.districts = by_city.get(row.city.pk, [])


def overdue_items(campaign: Campaign, row: CityProgress, today: dt.date) -> list[tuple[str, int]]:
    """(what, how many) that missed a deadline that has passed."""
    items = []
    if today > campaign.filing_due and row.not_filed:
        items.append(("not_filed", row.not_filed))
    if today > campaign.city_review_due:
        if row.awaiting_review:
            items.append(("not_reviewed", row.awaiting_review))
        if row.city is not None and row.package is None and row.listed:
            items.append(("no_package", 1))
    if today > campaign.province_report_due and row.awaiting_province:
        items.append(("not_decided", row.awaiting_province))
    return items


@dataclass
class CityTodo:
    awaiting_review: list
    need_assessment: list
    ready_to_propose: list
    returned_proposals: list
    draft_proposals: int


def city_todo(campaign: Campaign, units, limit: int = 10) -> CityTodo:
    """A city bureau's next steps: filings to review, assessments to make, proposals to make or fix. Five queries."""
    filings = Filing.objects.filter(campaign=campaign, unit__in=units).select_related("unit")
    has_proposal = AdjustmentProposal.objects.filter(campaign=campaign, unit=OuterRef("unit"))
    return CityTodo(
        awaiting_review=list(filings.filter(state=FilingState.SUBMITTED).order_by("submitted_at", "pk")[:limit]),
        need_assessment=list(filings.filter(blocked_by_assessment_q()).order_by("pk")[:limit]),
        ready_to_propose=list(filings.filter(state=FilingState.ACCEPTED).exclude(Exists(has_proposal))
                              .exclude(blocked_by_assessment_q()).order_by("pk")[:limit]),
        returned_proposals=list(AdjustmentProposal.objects.filter(campaign=campaign, unit__in=units,
                                                                  state=ProposalState.RETURNED)
                                .select_related("unit").order_by("pk")[:limit]),
        draft_proposals=AdjustmentProposal.objects.filter(campaign=campaign, unit__in=units,
                                                          state=ProposalState.DRAFT).count(),
    )


def next_step(unit: Unit, filing: Filing | None, campaign: Campaign, today: dt.date | None = None) -> str:
    """A key for what the enterprise should do next (the template words it)."""
    today = today or timezone.localdate()
    if not unit.is_listed:
        return "removed"
    if today < campaign.filing_opens:
        return "not_open"
    if filing is None or filing.state == FilingState.DRAFT:
        return "overdue" if today > campaign.filing_due else "file"
    if filing.state == FilingState.RETURNED:
        return "correct"
    if filing.state == FilingState.SUBMITTED:
        return "wait"
    return "done"


