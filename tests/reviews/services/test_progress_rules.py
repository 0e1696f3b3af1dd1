"""The dashboards' counts, rule by rule (reviews.services.progress): what each city's row counts and leaves out,
the total, every deadline at its edge, the districts' first review, the city's to-do list and the enterprise's
next step."""

import datetime as dt

import pytest
from django.utils import timezone

from registry.enums import UnitStatus
from registry.models import District
from reviews.enums import AssessmentConclusion, CheckVerdict, FilingState, MiitOutcome, Outcome, ProposalState
from reviews.models import (
    AdjustmentProposal,
    Campaign,
    CityPackage,
    Filing,
    IndicatorCheck,
    MiitDecision,
    OnSiteAssessment,
)
from reviews.services import progress
from reviews.services.progress import CityProgress, DistrictProgress
from tests import factories

pytestmark = pytest.mark.django_db

# The 2024 campaign's deadlines, each on its own day so that every deadline can be crossed alone.
OPENS, FILING_DUE, CITY_DUE, PROVINCE_DUE = dt.date(2024, 1, 15), dt.date(2024, 3, 10), dt.date(2024, 3, 31), dt.date(2024, 4, 15)
DAY = dt.timedelta(days=1)
COUNTS = ("listed", "filed", "awaiting_review", "returned", "accepted", "need_assessment", "assessed", "proposals",
          "drafts", "proposed", "awaiting_province", "approved", "sent_back", "awaiting_miit", "late")


def make_campaign(year=2024, **dates) -> Campaign:
    return Campaign.objects.create(year=year, filing_opens=dates.get("filing_opens", OPENS.replace(year=year)),
                                   filing_due=dates.get("filing_due", FILING_DUE.replace(year=year)),
                                   city_review_due=dates.get("city_review_due", CITY_DUE.replace(year=year)),
                                   province_report_due=dates.get("province_report_due", PROVINCE_DUE.replace(year=year)),
                                   district_review_due=dates.get("district_review_due"))


def counts(row: CityProgress) -> dict:
    return {name: getattr(row, name) for name in COUNTS}


def filing(campaign, unit, state, **fields) -> Filing:
    return Filing.objects.create(campaign=campaign, unit=unit, state=state, **fields)


def proposal(campaign, unit, state, **fields) -> AdjustmentProposal:
    return AdjustmentProposal.objects.create(campaign=campaign, unit=unit, state=state, outcome=Outcome.KEEP, **fields)


def check(filing_, code, verdict, reviewer):
    IndicatorCheck.objects.create(filing=filing_, code=code, verdict=verdict, checked_by=reviewer)


def assessment(filing_, reviewer, *, conclusion=AssessmentConclusion.MEETS, completed_on=dt.date(2024, 3, 20)):
    return OnSiteAssessment.objects.create(filing=filing_, planned_date=dt.date(2024, 3, 15), team="评估组",
                                           conclusion=conclusion, completed_on=completed_on, created_by=reviewer)


def units(n, city="广州市", **fields):
    return [factories.UnitFactory(city=factories.city(city), **fields) for _ in range(n)]


# --- shares and bars -------------------------------------------------------------------------------------------

def test_city_progress_bars_are_each_count_of_its_own_denominator():
    row = CityProgress(city=None, listed=8, filed=6, accepted=4, need_assessment=3, assessed=1, proposed=2, approved=1)
    assert row.bars == [("filed", 6, 8, 75), ("accepted", 4, 8, 50), ("assessed", 1, 3, 33), ("proposed", 2, 8, 25),
                        ("approved", 1, 2, 50)]


def test_city_progress_not_filed_is_listed_minus_filed_and_never_negative():
    assert CityProgress(city=None, listed=5, filed=3).not_filed == 2
    assert CityProgress(city=None, listed=3, filed=3).not_filed == 0
    assert CityProgress(city=None, listed=2, filed=3).not_filed == 0  # a unit removed after it filed


def test_city_progress_starts_at_zero_with_nothing_overdue():
    row = CityProgress(city=None)
    assert counts(row) == dict.fromkeys(COUNTS, 0)
    assert (row.package, row.overdue, row.districts) == (None, [], [])


def test_district_progress_sent_is_awaiting_plus_confirmed_and_bars_use_it():
    row = DistrictProgress(district=None, listed=10, filed=8, checked=6, with_district=1, awaiting_city=3, with_city=2)
    assert row.sent == 5
    assert row.bars == [("filed", 8, 10, 80), ("checked", 6, 8, 75), ("sent", 5, 10, 50), ("confirmed", 2, 10, 20)]


def test_district_progress_starts_at_zero():
    row = DistrictProgress(district=None)
    assert (row.listed, row.filed, row.checked, row.with_district, row.awaiting_city, row.with_city, row.late,
            row.overdue, row.sent) == (0, 0, 0, 0, 0, 0, 0, 0, 0)


# --- campaign_progress: what each row counts and what it leaves out -----------------------------------------------

@pytest.fixture
def reviewer(db):
    return factories.city_user("广州市", "gz")


@pytest.fixture
def campaign(db):
    return make_campaign()


def test_campaign_progress_counts_listed_units_of_the_city_only(campaign):
    units(3)
    units(1, status=UnitStatus.REMOVED)
    units(2, city="深圳市")
    gz, sz, zh = factories.city("广州市"), factories.city("深圳市"), factories.city("珠海市")
    rows, total = progress.campaign_progress(campaign, [gz, sz, zh], today=OPENS)
    assert [(r.city, r.listed) for r in rows] == [(gz, 3), (sz, 2), (zh, 0)]
    assert total.listed == 5
    assert total.city is None


def test_campaign_progress_rows_follow_the_order_of_the_cities_given(campaign):
    cities = [factories.city("珠海市"), factories.city("广州市"), factories.city("深圳市")]
    rows, _total = progress.campaign_progress(campaign, iter(cities), today=OPENS)
    assert [r.city for r in rows] == cities


def test_campaign_progress_counts_each_filing_state_apart(campaign):
    gz = units(11)
    for unit in gz[:1]:
        filing(campaign, unit, FilingState.DRAFT)
    for unit in gz[1:3]:
        filing(campaign, unit, FilingState.SUBMITTED)
    for unit in gz[3:6]:
        filing(campaign, unit, FilingState.RETURNED)
    for unit in gz[6:10]:
        filing(campaign, unit, FilingState.ACCEPTED)
    filing(make_campaign(2023), gz[10], FilingState.ACCEPTED)  # last year's: not this campaign's
    [row], total = progress.campaign_progress(campaign, [factories.city("广州市")], today=OPENS)
    assert (row.listed, row.filed, row.awaiting_review, row.returned, row.accepted) == (11, 9, 2, 3, 4)
    assert row.not_filed == 2
    assert (total.filed, total.awaiting_review, total.returned, total.accepted) == (9, 2, 3, 4)


def test_campaign_progress_counts_filings_needing_and_having_an_assessment_once_each(campaign, reviewer):
    a, b, c, d = units(4)
    sz = units(1, city="深圳市")[0]
    two_bad = filing(campaign, a, FilingState.ACCEPTED)
    check(two_bad, "energy_per_output", CheckVerdict.NON_COMPLIANT, reviewer)
    check(two_bad, "co2_per_output", CheckVerdict.NON_COMPLIANT, reviewer)
    check(two_bad, "water_per_output", CheckVerdict.COMPLIANT, reviewer)
    one_bad = filing(campaign, b, FilingState.RETURNED)
    check(one_bad, "energy_per_output", CheckVerdict.NON_COMPLIANT, reviewer)
    check(filing(campaign, c, FilingState.ACCEPTED), "energy_per_output", CheckVerdict.COMPLIANT, reviewer)
    last_year = filing(make_campaign(2023), d, FilingState.ACCEPTED)
    check(last_year, "energy_per_output", CheckVerdict.NON_COMPLIANT, reviewer)
    assessment(last_year, reviewer)
    assessment(two_bad, reviewer)
    assessment(two_bad, reviewer, conclusion=AssessmentConclusion.RECTIFY)  # a second completed one: still one filing
    assessment(one_bad, reviewer, conclusion=AssessmentConclusion.PENDING, completed_on=None)  # planned only
    sz_filing = filing(campaign, sz, FilingState.ACCEPTED)
    check(sz_filing, "energy_per_output", CheckVerdict.NON_COMPLIANT, reviewer)
    assessment(sz_filing, reviewer)
    rows, total = progress.campaign_progress(campaign, [factories.city("广州市"), factories.city("深圳市")], today=OPENS)
    assert [(r.need_assessment, r.assessed) for r in rows] == [(2, 1), (1, 1)]
    assert (total.need_assessment, total.assessed) == (3, 2)
    assert rows[0].bars[2] == ("assessed", 1, 2, 50)


def test_campaign_progress_counts_each_proposal_state_apart(campaign, province):
    gz = units(19)
    states = ([ProposalState.DRAFT] * 1 + [ProposalState.SUBMITTED] * 2 + [ProposalState.APPROVED] * 5
              + [ProposalState.RETURNED] * 3 + [ProposalState.DISTRICT_DRAFT] * 1
              + [ProposalState.DISTRICT_SUBMITTED] * 1 + [ProposalState.DISTRICT_RETURNED] * 1)
    made = [proposal(campaign, unit, state) for unit, state in zip(gz, states, strict=False)]
    approved = [p for p in made if p.state == ProposalState.APPROVED]
    for p in approved[:2]:  # MIIT decided two of the five approved ones
        MiitDecision.objects.create(proposal=p, outcome=MiitOutcome.CONFIRMED, decided_on=dt.date(2024, 6, 1),
                                    recorded_by=province)
    late = [made[1], approved[0], approved[1], made[-1]]  # a submitted, two approved, a district one
    AdjustmentProposal.objects.filter(pk__in=[p.pk for p in late]).update(is_late=True)
    proposal(make_campaign(2023), gz[18], ProposalState.SUBMITTED, is_late=True)  # last year's
    proposal(campaign, units(1, city="深圳市")[0], ProposalState.APPROVED)
    rows, total = progress.campaign_progress(campaign, [factories.city("广州市"), factories.city("深圳市")], today=OPENS)
    assert counts(rows[0]) == {**dict.fromkeys(COUNTS, 0), "listed": 19, "proposals": 14, "drafts": 1, "proposed": 10,
                               "awaiting_province": 2, "approved": 5, "sent_back": 3, "awaiting_miit": 3, "late": 4}
    assert counts(rows[1]) == {**dict.fromkeys(COUNTS, 0), "listed": 1, "proposals": 1, "proposed": 1, "approved": 1,
                               "awaiting_miit": 1}
    assert counts(total) == {name: counts(rows[0])[name] + counts(rows[1])[name] for name in COUNTS}
    assert rows[0].bars[3:] == [("proposed", 10, 19, 53), ("approved", 5, 10, 50)]


def test_campaign_progress_total_sums_every_count_of_every_city(campaign, reviewer):
    gz, sz = units(3), units(2, city="深圳市")
    filing(campaign, gz[0], FilingState.SUBMITTED)
    filing(campaign, sz[0], FilingState.RETURNED)
    filing(campaign, sz[1], FilingState.ACCEPTED)
    proposal(campaign, gz[1], ProposalState.DRAFT, is_late=True)
    proposal(campaign, sz[1], ProposalState.RETURNED)
    rows, total = progress.campaign_progress(campaign, [factories.city("广州市"), factories.city("深圳市")], today=OPENS)
    assert counts(rows[0]) == {**dict.fromkeys(COUNTS, 0), "listed": 3, "filed": 1, "awaiting_review": 1,
                               "proposals": 1, "drafts": 1, "late": 1}
    assert counts(rows[1]) == {**dict.fromkeys(COUNTS, 0), "listed": 2, "filed": 2, "returned": 1, "accepted": 1,
                               "proposals": 1, "proposed": 1, "sent_back": 1}
    assert counts(total) == {**dict.fromkeys(COUNTS, 0), "listed": 5, "filed": 3, "awaiting_review": 1, "returned": 1,
                             "accepted": 1, "proposals": 2, "drafts": 1, "proposed": 1, "sent_back": 1, "late": 1}
    assert total.package is None


def test_campaign_progress_attaches_each_citys_own_package_of_this_campaign(campaign, reviewer):
    units(1)
    units(1, city="深圳市")
    package = CityPackage.objects.create(campaign=campaign, city=factories.city("广州市"), submitted_at=timezone.now(),
                                         submitted_by=reviewer)
    CityPackage.objects.create(campaign=make_campaign(2023), city=factories.city("深圳市"), submitted_at=timezone.now(),
                               submitted_by=reviewer)
    rows, _total = progress.campaign_progress(campaign, [factories.city("广州市"), factories.city("深圳市")],
                                              today=CITY_DUE + DAY)
    assert [r.package for r in rows] == [package, None]
    assert [r.overdue for r in rows] == [[("not_filed", 1)], [("not_filed", 1), ("no_package", 1)]]


def test_campaign_progress_leaves_out_every_record_of_a_city_not_asked_for(campaign, reviewer):
    [gz] = units(1)
    [foshan] = units(1, city="佛山市")
    for unit in (gz, foshan):
        filed = filing(campaign, unit, FilingState.ACCEPTED)
        check(filed, "energy_per_output", CheckVerdict.NON_COMPLIANT, reviewer)
        assessment(filed, reviewer)
        proposal(campaign, unit, ProposalState.APPROVED, is_late=True)
        CityPackage.objects.create(campaign=campaign, city=unit.city, submitted_at=timezone.now(), submitted_by=reviewer)
    [row], total = progress.campaign_progress(campaign, [factories.city("广州市")], today=OPENS)
    one = {**dict.fromkeys(COUNTS, 1), "awaiting_review": 0, "returned": 0, "drafts": 0, "awaiting_province": 0,
           "sent_back": 0}
    assert counts(row) == one
    assert counts(total) == one
    assert row.package.city == factories.city("广州市")


# --- deadlines: each one at its edge -------------------------------------------------------------------------------

def overdue_row(**fields) -> CityProgress:
    return CityProgress(city=factories.city("广州市"), **{"listed": 4, "filed": 3, "awaiting_review": 2,
                                                          "awaiting_province": 1, **fields})


def test_overdue_not_filed_from_the_day_after_the_filing_deadline(campaign):
    assert progress.overdue_items(campaign, overdue_row(), FILING_DUE) == []
    assert progress.overdue_items(campaign, overdue_row(), FILING_DUE + DAY) == [("not_filed", 1)]
    assert progress.overdue_items(campaign, overdue_row(filed=4), FILING_DUE + DAY) == []


def test_overdue_review_and_package_from_the_day_after_the_city_deadline(campaign, reviewer):
    assert progress.overdue_items(campaign, overdue_row(filed=4), CITY_DUE) == []
    assert progress.overdue_items(campaign, overdue_row(filed=4), CITY_DUE + DAY) == [("not_reviewed", 2),
                                                                                      ("no_package", 1)]
    assert progress.overdue_items(campaign, overdue_row(filed=4, awaiting_review=0), CITY_DUE + DAY) == [
        ("no_package", 1)]
    package = CityPackage(campaign=campaign, city=factories.city("广州市"), submitted_by=reviewer)
    assert progress.overdue_items(campaign, overdue_row(filed=4, package=package), CITY_DUE + DAY) == [
        ("not_reviewed", 2)]


def test_overdue_no_package_only_for_a_city_with_listed_units(campaign):
    empty = CityProgress(city=factories.city("广州市"))
    assert progress.overdue_items(campaign, empty, PROVINCE_DUE + DAY) == []
    total = CityProgress(city=None, listed=4, filed=4)  # the province's total has no package of its own
    assert progress.overdue_items(campaign, total, CITY_DUE + DAY) == []


def test_overdue_undecided_proposals_from_the_day_after_the_province_deadline(campaign):
    row = overdue_row(filed=4, awaiting_review=0, package=CityPackage())
    assert progress.overdue_items(campaign, row, PROVINCE_DUE) == []
    assert progress.overdue_items(campaign, row, PROVINCE_DUE + DAY) == [("not_decided", 1)]
    assert progress.overdue_items(campaign, overdue_row(filed=4, awaiting_review=0, awaiting_province=0,
                                                        package=CityPackage()), PROVINCE_DUE + DAY) == []


def test_campaign_progress_overdue_of_each_row_and_of_the_total(campaign):
    gz, sz = units(2), units(1, city="深圳市")
    filing(campaign, gz[0], FilingState.SUBMITTED)
    proposal(campaign, sz[0], ProposalState.SUBMITTED)
    cities = [factories.city("广州市"), factories.city("深圳市")]
    rows, total = progress.campaign_progress(campaign, cities, today=PROVINCE_DUE)
    assert [r.overdue for r in rows] == [[("not_filed", 1), ("not_reviewed", 1), ("no_package", 1)],
                                         [("not_filed", 1), ("no_package", 1)]]
    assert total.overdue == [("not_filed", 2), ("not_reviewed", 1)]
    rows, total = progress.campaign_progress(campaign, cities, today=PROVINCE_DUE + DAY)
    assert rows[1].overdue == [("not_filed", 1), ("no_package", 1), ("not_decided", 1)]
    assert total.overdue == [("not_filed", 2), ("not_reviewed", 1), ("not_decided", 1)]


def test_campaign_progress_reads_today_in_beijing_when_not_given():
    today = timezone.localdate()
    campaign = make_campaign(today.year, filing_opens=today - 3 * DAY, filing_due=today - DAY,
                             city_review_due=today, province_report_due=today + DAY)
    units(1)
    [row], total = progress.campaign_progress(campaign, [factories.city("广州市")])
    assert row.overdue == [("not_filed", 1)]
    assert total.overdue == [("not_filed", 1)]


# --- the districts' first review -----------------------------------------------------------------------------------

@pytest.fixture
def district_campaign(campaign):
    campaign.district_review_due = dt.date(2024, 3, 20)
    campaign.save()
    campaign.district_cities.add(factories.city("广州市"))
    return campaign


def district_units(n, name):
    return units(n, district=factories.district(name, "广州市"))


def test_district_progress_counts_each_districts_units_filings_checks_and_proposals(district_campaign, reviewer):
    campaign = district_campaign
    tianhe, haizhu = district_units(8, "天河区"), district_units(3, "海珠区")
    city_level = units(2)  # at the city level: in no district
    units(1, status=UnitStatus.REMOVED, district=factories.district("天河区", "广州市"))
    check(filing(campaign, city_level[0], FilingState.SUBMITTED), "energy_per_output", CheckVerdict.COMPLIANT, reviewer)
    proposal(campaign, city_level[0], ProposalState.DISTRICT_SUBMITTED, district_late=True)
    filing(campaign, tianhe[0], FilingState.DRAFT)
    checked = filing(campaign, tianhe[1], FilingState.SUBMITTED)
    check(checked, "energy_per_output", CheckVerdict.COMPLIANT, reviewer)
    check(checked, "co2_per_output", CheckVerdict.NON_COMPLIANT, reviewer)
    filing(campaign, tianhe[2], FilingState.RETURNED)
    check(filing(campaign, tianhe[3], FilingState.ACCEPTED), "energy_per_output", CheckVerdict.COMPLIANT, reviewer)
    check(filing(make_campaign(2023), tianhe[4], FilingState.ACCEPTED), "energy_per_output", CheckVerdict.COMPLIANT,
          reviewer)
    for unit, state in zip(tianhe, [ProposalState.DISTRICT_DRAFT, ProposalState.DISTRICT_RETURNED,
                                    ProposalState.DISTRICT_SUBMITTED, ProposalState.DISTRICT_SUBMITTED,
                                    ProposalState.DRAFT, ProposalState.SUBMITTED, ProposalState.APPROVED], strict=False):
        proposal(campaign, unit, state, district_late=unit in tianhe[2:4] or unit == tianhe[6])
    proposal(make_campaign(2025), tianhe[7], ProposalState.DISTRICT_SUBMITTED, district_late=True)
    filing(campaign, haizhu[0], FilingState.SUBMITTED)
    rows, _total = progress.campaign_progress(campaign, [factories.city("广州市")], today=OPENS)
    progress.district_progress(campaign, rows, today=OPENS)
    [row] = rows
    gz = factories.city("广州市")
    # In the order of their names, as the database sorts them (the collation decides between two Chinese names).
    in_order = list(District.objects.filter(city=gz, name__in=["天河区", "海珠区"]).order_by("name"))
    assert [(d.district.name, d.district.pk, d.district.city_id) for d in row.districts] == [
        (d.name, d.pk, gz.pk) for d in in_order]
    th, hz = sorted(row.districts, key=lambda d: d.district.name != "天河区")
    assert (th.listed, th.filed, th.checked, th.with_district, th.awaiting_city, th.with_city, th.late,
            th.overdue) == (8, 3, 2, 2, 2, 3, 3, 0)
    assert (hz.listed, hz.filed, hz.checked, hz.with_district, hz.awaiting_city, hz.with_city, hz.late,
            hz.overdue) == (3, 1, 0, 0, 0, 0, 0, 0)


def test_district_progress_overdue_units_from_the_day_after_the_district_deadline(district_campaign):
    campaign = district_campaign
    tianhe = district_units(5, "天河区")
    proposal(campaign, tianhe[0], ProposalState.DISTRICT_SUBMITTED)
    proposal(campaign, tianhe[1], ProposalState.SUBMITTED)
    proposal(campaign, tianhe[2], ProposalState.DISTRICT_DRAFT)
    for today, overdue in ((dt.date(2024, 3, 20), 0), (dt.date(2024, 3, 21), 3)):
        rows = [CityProgress(city=factories.city("广州市"))]
        progress.district_progress(campaign, rows, today=today)
        assert [(d.sent, d.overdue) for d in rows[0].districts] == [(2, overdue)]


def test_district_progress_overdue_is_never_negative(district_campaign):
    campaign = district_campaign
    [unit] = district_units(1, "天河区")
    proposal(campaign, unit, ProposalState.DISTRICT_SUBMITTED)
    rows = [CityProgress(city=factories.city("广州市"))]
    progress.district_progress(campaign, rows, today=dt.date(2024, 3, 21))
    assert [(d.listed, d.sent, d.overdue) for d in rows[0].districts] == [(1, 1, 0)]


def test_district_progress_deadline_is_the_city_deadline_when_the_campaign_sets_none(campaign):
    campaign.district_cities.add(factories.city("广州市"))
    district_units(2, "天河区")
    for today, overdue in ((CITY_DUE, 0), (CITY_DUE + DAY, 2)):
        rows = [CityProgress(city=factories.city("广州市"))]
        progress.district_progress(campaign, rows, today=today)
        assert [d.overdue for d in rows[0].districts] == [overdue]


def test_district_progress_only_for_cities_that_review_through_districts(district_campaign):
    district_units(1, "天河区")
    units(1, city="深圳市", district=factories.district("南山区", "深圳市"))
    rows = [CityProgress(city=factories.city("深圳市")), CityProgress(city=factories.city("广州市")),
            CityProgress(city=None)]
    progress.district_progress(district_campaign, rows, today=OPENS)
    assert [[d.district.name for d in r.districts] for r in rows] == [[], ["天河区"], []]


def test_district_progress_leaves_rows_alone_where_no_city_reviews_through_districts(campaign):
    district_units(1, "天河区")
    rows = [CityProgress(city=factories.city("广州市")), CityProgress(city=None)]
    marker = ["untouched"]
    rows[0].districts = marker
    progress.district_progress(campaign, rows, today=OPENS)
    assert rows[0].districts is marker


def test_district_progress_a_district_city_without_district_units_has_no_districts(district_campaign):
    units(2)
    rows = [CityProgress(city=factories.city("广州市"))]
    rows[0].districts = ["stale"]
    progress.district_progress(district_campaign, rows, today=OPENS)
    assert rows[0].districts == []


def test_district_progress_reads_today_in_beijing_when_not_given():
    today = timezone.localdate()
    current = make_campaign(today.year, filing_opens=today - 3 * DAY, filing_due=today - 2 * DAY,
                            city_review_due=today, province_report_due=today + DAY, district_review_due=today - DAY)
    current.district_cities.add(factories.city("广州市"))
    district_units(1, "天河区")
    rows = [CityProgress(city=factories.city("广州市"))]
    progress.district_progress(current, rows)
    assert [d.overdue for d in rows[0].districts] == [1]


# --- the city's to-do list -----------------------------------------------------------------------------------------

def test_city_todo_lists_filings_to_review_oldest_submission_first(campaign):
    gz = units(4)
    now = timezone.now()
    newest = filing(campaign, gz[0], FilingState.SUBMITTED, submitted_at=now)
    oldest = filing(campaign, gz[1], FilingState.SUBMITTED, submitted_at=now - dt.timedelta(hours=2))
    middle = filing(campaign, gz[2], FilingState.SUBMITTED, submitted_at=now - dt.timedelta(hours=1))
    filing(campaign, gz[3], FilingState.RETURNED, submitted_at=now - dt.timedelta(hours=3))
    todo = progress.city_todo(campaign, gz)
    assert todo.awaiting_review == [oldest, middle, newest]
    assert progress.city_todo(campaign, gz, limit=2).awaiting_review == [oldest, middle]


def test_city_todo_ties_of_submission_time_run_in_filing_order(campaign):
    gz = units(3)
    at = timezone.now()
    made = [filing(campaign, unit, FilingState.SUBMITTED, submitted_at=at) for unit in reversed(gz)]
    assert progress.city_todo(campaign, gz).awaiting_review == sorted(made, key=lambda f: f.pk)


def test_city_todo_assessments_to_make_and_filings_ready_to_propose(campaign, reviewer):
    gz = units(6)
    blocked = filing(campaign, gz[0], FilingState.ACCEPTED)
    check(blocked, "energy_per_output", CheckVerdict.NON_COMPLIANT, reviewer)
    assessed = filing(campaign, gz[1], FilingState.ACCEPTED)
    check(assessed, "energy_per_output", CheckVerdict.NON_COMPLIANT, reviewer)
    assessment(assessed, reviewer)
    ready = filing(campaign, gz[2], FilingState.ACCEPTED)
    check(ready, "energy_per_output", CheckVerdict.COMPLIANT, reviewer)
    proposed = filing(campaign, gz[3], FilingState.ACCEPTED)
    proposal(campaign, gz[3], ProposalState.DRAFT)
    filing(campaign, gz[4], FilingState.SUBMITTED)
    blocked_submitted = filing(campaign, gz[5], FilingState.SUBMITTED)
    check(blocked_submitted, "energy_per_output", CheckVerdict.NON_COMPLIANT, reviewer)
    proposal(make_campaign(2023), gz[2], ProposalState.APPROVED)  # last year's proposal: ready still
    todo = progress.city_todo(campaign, gz)
    assert todo.need_assessment == [blocked, blocked_submitted]
    assert todo.ready_to_propose == [assessed, ready]
    assert proposed not in todo.ready_to_propose
    limited = progress.city_todo(campaign, gz, limit=1)
    assert (limited.need_assessment, limited.ready_to_propose) == ([blocked], [assessed])


def test_city_todo_returned_proposals_and_drafts_of_these_units_and_this_campaign(campaign):
    gz, other = units(7), units(2)
    returned = [proposal(campaign, unit, ProposalState.RETURNED) for unit in gz[:3]]
    proposal(campaign, gz[3], ProposalState.DRAFT)
    proposal(campaign, gz[4], ProposalState.DRAFT)
    proposal(campaign, gz[5], ProposalState.DISTRICT_DRAFT)
    proposal(campaign, gz[6], ProposalState.SUBMITTED)
    proposal(campaign, other[0], ProposalState.RETURNED)
    proposal(campaign, other[1], ProposalState.DRAFT)
    last_year = make_campaign(2023)
    proposal(last_year, gz[0], ProposalState.DRAFT)
    proposal(last_year, gz[3], ProposalState.RETURNED)
    filing(last_year, gz[0], FilingState.SUBMITTED)
    filing(campaign, other[0], FilingState.SUBMITTED)
    todo = progress.city_todo(campaign, gz)
    assert todo.returned_proposals == returned
    assert todo.draft_proposals == 2
    assert todo.awaiting_review == []
    assert progress.city_todo(campaign, gz, limit=2).returned_proposals == returned[:2]


def test_city_todo_shows_at_most_ten_of_each_by_default(campaign):
    gz = units(11)
    for unit in gz:
        filing(campaign, unit, FilingState.SUBMITTED, submitted_at=timezone.now())
        proposal(campaign, unit, ProposalState.RETURNED)
    todo = progress.city_todo(campaign, gz)
    assert (len(todo.awaiting_review), len(todo.returned_proposals)) == (10, 10)


# --- the enterprise's next step -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("state", "today", "expected"), [
    (None, OPENS - DAY, "not_open"),
    (None, OPENS, "file"),
    (None, FILING_DUE, "file"),
    (None, FILING_DUE + DAY, "overdue"),
    (FilingState.DRAFT, OPENS, "file"),
    (FilingState.DRAFT, FILING_DUE, "file"),
    (FilingState.DRAFT, FILING_DUE + DAY, "overdue"),
    (FilingState.RETURNED, FILING_DUE + DAY, "correct"),
    (FilingState.SUBMITTED, FILING_DUE + DAY, "wait"),
    (FilingState.ACCEPTED, FILING_DUE + DAY, "done"),
])
def test_next_step_at_each_deadline_and_state(campaign, state, today, expected):
    [unit] = units(1)
    current = None if state is None else filing(campaign, unit, state)
    assert progress.next_step(unit, current, campaign, today=today) == expected


def test_next_step_a_removed_unit_has_nothing_to_do(campaign):
    [unit] = units(1, status=UnitStatus.REMOVED)
    assert progress.next_step(unit, None, campaign, today=OPENS) == "removed"


def test_next_step_reads_today_in_beijing_when_not_given():
    today = timezone.localdate()
    [unit] = units(1)
    due_today = make_campaign(today.year, filing_opens=today, filing_due=today, city_review_due=today,
                              province_report_due=today)
    assert progress.next_step(unit, None, due_today) == "file"
    past = make_campaign(today.year - 1, filing_opens=today - 2 * DAY, filing_due=today - DAY,
                         city_review_due=today - DAY, province_report_due=today - DAY)
    assert progress.next_step(unit, None, past) == "overdue"


