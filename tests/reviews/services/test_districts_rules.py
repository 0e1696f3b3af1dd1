"""reviews/services/districts.py rule by rule: what the city's choice records, which proposals are the district's
(this campaign's, in a city that reviews through districts), what a skipped proposal's reason says, the late
comment, and what the city's confirmation records (the filing's acceptance, the trimmed comment, a refusal)."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from reviews.enums import FilingState, FlagKind, Outcome, ProposalState
from reviews.indicators import key_indicators
from reviews.models import AdjustmentProposal, Campaign, DataFlag, Filing, Transition
from reviews.services import districts
from reviews.services import review as review_services
from reviews.workflow import ReviewError
from tests import factories
from tests.reviews.review_helpers import all_compliant, open_campaign, submitted_filing

pytestmark = pytest.mark.django_db
KEEP = {"outcome": Outcome.KEEP, "reason": "指标达标"}
BLOCKED = "有关键指标不达标：须先完成现场评估（填写评估结论和完成日期），才能提出调整意见。"


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def campaign(gz_reviewer):
    campaign = open_campaign()
    districts.set_district_review(campaign, factories.city("广州市"), True, actor=gz_reviewer)
    return campaign


@pytest.fixture
def tianhe(db):
    return factories.district_user("天河区", "th", "广州市")


def _unit(name: str = ""):
    kwargs = {"name": name} if name else {}
    return factories.UnitFactory(city=factories.city("广州市"), district=factories.district("天河区", "广州市"), **kwargs)


def _earlier(campaign) -> Campaign:
    def year_before(day):
        return day.replace(year=day.year - 1)
    return Campaign.objects.create(year=campaign.year - 1, filing_opens=year_before(campaign.filing_opens),
                                   filing_due=year_before(campaign.filing_due),
                                   city_review_due=year_before(campaign.city_review_due),
                                   province_report_due=year_before(campaign.province_report_due))


def _checked(campaign, unit, reviewer) -> Filing:
    filing = submitted_filing(campaign, unit)
    review_services.record_checks(filing, all_compliant(filing), actor=reviewer)
    return filing


def _ready(campaign, unit, reviewer, with_filing=True) -> AdjustmentProposal:
    if with_filing:
        _checked(campaign, unit, reviewer)
    return districts.save_district_proposal(campaign, unit, KEEP, actor=reviewer)


def _sent(campaign, unit, reviewer, with_filing=True) -> AdjustmentProposal:
    proposal = _ready(campaign, unit, reviewer, with_filing)
    assert districts.submit_to_city(campaign, [proposal.pk], actor=reviewer).done == [proposal]
    proposal.refresh_from_db()
    return proposal


def _audit(obj, action):
    return list(Transition.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk,
                                          action=action).values_list("from_state", "to_state", "actor", "comment"))


# --- the city's choice -------------------------------------------------------------------------------------

def test_set_district_review_off_records_that_the_city_bureau_reviews_alone(gz_reviewer):
    campaign = open_campaign()
    guangzhou = factories.city("广州市")
    districts.set_district_review(campaign, guangzhou, True, actor=gz_reviewer)
    assert districts.set_district_review(campaign, guangzhou, False, actor=gz_reviewer) is True
    assert list(Transition.objects.filter(action="district_review").order_by("pk").values_list("actor", "comment")) == [
        (gz_reviewer.pk, "广州市: 通过区县初审"), (gz_reviewer.pk, "广州市: 由市工信局直接审核")]
    assert not campaign.district_cities.exists()


# --- which proposals are the district's ------------------------------------------------------------------------

def test_district_proposals_are_this_campaigns_only(campaign, tianhe):
    unit = _unit()
    own = AdjustmentProposal.objects.create(campaign=campaign, unit=unit, outcome=Outcome.KEEP, reason="x",
                                            state=ProposalState.DISTRICT_DRAFT)
    earlier = _earlier(campaign)
    earlier.district_cities.add(factories.city("广州市"))
    old = AdjustmentProposal.objects.create(campaign=earlier, unit=unit, outcome=Outcome.KEEP, reason="x",
                                            state=ProposalState.DISTRICT_DRAFT)
    assert list(districts.district_proposals(tianhe, campaign)) == [own]
    report = districts.submit_to_city(campaign, [old.pk], actor=tianhe)
    assert (report.done, report.skipped) == ([], [f"意见 {old.pk} 不属于您所在区县。"])


def test_district_proposals_are_none_where_the_city_reviews_alone(tianhe):
    campaign = open_campaign()  # 广州 reviews alone
    AdjustmentProposal.objects.create(campaign=campaign, unit=_unit(), outcome=Outcome.KEEP, reason="x",
                                      state=ProposalState.DISTRICT_DRAFT)
    assert list(districts.district_proposals(tianhe, campaign)) == []


# --- sending to the city -----------------------------------------------------------------------------------------

def test_submit_to_city_sends_a_proposal_whose_unit_has_not_filed(campaign, tianhe):
    proposal = _ready(campaign, _unit(), tianhe, with_filing=False)
    report = districts.submit_to_city(campaign, [proposal.pk], actor=tianhe)
    assert (report.done, report.skipped) == ([proposal], [])


def test_submit_to_city_reads_this_campaigns_filing_not_last_years(campaign, tianhe):
    unit = _unit()
    proposal = _ready(campaign, unit, tianhe, with_filing=False)
    earlier = submitted_filing(_earlier(campaign), unit)  # last year's, submitted and never checked
    report = districts.submit_to_city(campaign, [proposal.pk], actor=tianhe)
    assert (report.done, report.skipped) == ([proposal], [])
    earlier.refresh_from_db()
    assert earlier.state == FilingState.SUBMITTED


def test_submit_to_city_holds_back_a_proposal_an_assessment_blocks(campaign, tianhe):
    unit = _unit()
    proposal = _ready(campaign, unit, tianhe)
    filing = Filing.objects.get(campaign=campaign, unit=unit)
    filing.checks.filter(pk=filing.checks.first().pk).update(verdict="non_compliant")
    report = districts.submit_to_city(campaign, [proposal.pk], actor=tianhe)
    assert (report.done, report.skipped) == ([], [f"{unit.name}: {BLOCKED}"])
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DISTRICT_DRAFT


def test_submit_to_city_names_a_proposal_already_sent_and_goes_on_with_the_next(campaign, tianhe):
    sent = _sent(campaign, _unit("A天河工厂"), tianhe)
    ready = _ready(campaign, _unit("B天河工厂"), tianhe)
    report = districts.submit_to_city(campaign, [sent.pk, ready.pk], actor=tianhe)
    assert report.done == [ready]
    assert report.skipped == ["A天河工厂：该意见状态为“区县已报地市”，现在不能报送。"]


def test_submit_to_city_joins_every_problem_and_goes_on_with_the_next(campaign, tianhe):
    unit = _unit("A天河工厂")
    proposal = _ready(campaign, unit, tianhe)
    filing = Filing.objects.get(campaign=campaign, unit=unit)
    first = key_indicators(unit.kind)[0]
    filing.checks.filter(code=first.code).delete()
    DataFlag.objects.create(filing=filing, code=first.code, kind=FlagKind.YEAR_ON_YEAR, value=1)
    ready = _ready(campaign, _unit("B天河工厂"), tianhe)
    report = districts.submit_to_city(campaign, [proposal.pk, ready.pk], actor=tianhe)
    assert report.done == [ready]
    assert report.skipped == [f"A天河工厂: 请先核查全部关键指标，尚未核查：{first.label}。 请先确认或不认可每一项数据异常标记。"]


@pytest.mark.parametrize(("day", "comment"), [
    (dt.date(2024, 3, 20), ""),
    (dt.date(2024, 3, 21), "在区县初审截止日期（2024-03-20）之后报送。"),
])
def test_submit_to_city_records_the_late_comment_only_after_the_district_deadline(gz_reviewer, tianhe, day, comment):
    campaign = Campaign.objects.create(year=2024, filing_opens=dt.date(2024, 1, 15), filing_due=dt.date(2024, 3, 10),
                                       district_review_due=dt.date(2024, 3, 20), city_review_due=dt.date(2024, 3, 31),
                                       province_report_due=dt.date(2024, 4, 15))
    districts.set_district_review(campaign, factories.city("广州市"), True, actor=gz_reviewer)
    proposal = _ready(campaign, _unit(), tianhe)
    now = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    districts.submit_to_city(campaign, [proposal.pk], actor=tianhe, now=now)
    assert _audit(proposal, "district_submit") == [
        (ProposalState.DISTRICT_DRAFT, ProposalState.DISTRICT_SUBMITTED, tianhe.pk, comment)]


# --- the city confirms or returns ----------------------------------------------------------------------------------

def test_confirm_district_work_records_the_filings_acceptance_and_no_comment_by_default(campaign, gz_reviewer, tianhe):
    unit = _unit()
    proposal = _sent(campaign, unit, tianhe)
    report = districts.confirm_district_work(campaign, [proposal.pk], actor=gz_reviewer)
    assert (report.done, report.skipped) == ([proposal], [])
    filing = Filing.objects.get(campaign=campaign, unit=unit)
    assert _audit(filing, "accept") == [(FilingState.SUBMITTED, FilingState.ACCEPTED, gz_reviewer.pk, "确认区县初审结果。")]
    assert _audit(proposal, "city_confirm") == [
        (ProposalState.DISTRICT_SUBMITTED, ProposalState.DRAFT, gz_reviewer.pk, "")]


def test_confirm_district_work_records_the_trimmed_comment(campaign, gz_reviewer, tianhe):
    proposal = _sent(campaign, _unit(), tianhe)
    districts.confirm_district_work(campaign, [proposal.pk], actor=gz_reviewer, comment="  同意区县意见 ")
    assert _audit(proposal, "city_confirm") == [
        (ProposalState.DISTRICT_SUBMITTED, ProposalState.DRAFT, gz_reviewer.pk, "同意区县意见")]


def test_confirm_district_work_for_a_unit_that_has_not_filed(campaign, gz_reviewer, tianhe):
    unit = _unit()
    proposal = _sent(campaign, unit, tianhe, with_filing=False)
    earlier = submitted_filing(_earlier(campaign), unit)  # last year's, submitted and never checked
    report = districts.confirm_district_work(campaign, [proposal.pk], actor=gz_reviewer)
    assert (report.done, report.skipped) == ([proposal], [])
    earlier.refresh_from_db()
    assert earlier.state == FilingState.SUBMITTED
    assert not Transition.objects.filter(action="accept").exists()


def test_confirm_district_work_reports_a_filing_that_cannot_be_accepted(campaign, gz_reviewer, tianhe):
    unit = _unit()
    proposal = _sent(campaign, unit, tianhe)
    filing = Filing.objects.get(campaign=campaign, unit=unit)
    DataFlag.objects.create(filing=filing, code=key_indicators(unit.kind)[0].code, kind=FlagKind.YEAR_ON_YEAR, value=1)
    report = districts.confirm_district_work(campaign, [proposal.pk], actor=gz_reviewer)
    assert (report.done, report.skipped) == ([], [f"{unit.name}: 请先确认或不认可每一项数据异常标记。"])
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DISTRICT_SUBMITTED


def test_confirm_district_work_is_this_campaigns_only(campaign, gz_reviewer):
    earlier = _earlier(campaign)
    old = AdjustmentProposal.objects.create(campaign=earlier, unit=_unit(), outcome=Outcome.KEEP, reason="x",
                                            state=ProposalState.DISTRICT_SUBMITTED)
    report = districts.confirm_district_work(campaign, [old.pk], actor=gz_reviewer)
    assert (report.done, report.skipped) == ([], [f"意见 {old.pk} 不属于本市。"])
    old.refresh_from_db()
    assert old.state == ProposalState.DISTRICT_SUBMITTED


@pytest.mark.parametrize("reason", [None, "", " \n "])
def test_return_district_work_without_a_reason_says_why(campaign, gz_reviewer, tianhe, reason):
    proposal = _sent(campaign, _unit(), tianhe)
    with pytest.raises(ReviewError) as exc:
        districts.return_district_work(campaign, [proposal.pk], reason, actor=gz_reviewer)
    assert str(exc.value) == "请填写退回区县的理由。"
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DISTRICT_SUBMITTED


# --- what a batch costs ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 3])
def test_submit_to_city_costs_six_queries_and_six_per_proposal(campaign, tianhe, django_assert_num_queries, n):
    proposals = [_ready(campaign, _unit(), tianhe) for _i in range(n)]
    # 6 for the step (lock, filings, the update and the audit), then 6 for each proposal's readiness (its filing's
    # checks and flags, the assessment rule); none for a proposal's unit or campaign
    with django_assert_num_queries(6 + 6 * n):
        report = districts.submit_to_city(campaign, [p.pk for p in proposals], actor=tianhe)
    assert report.done == proposals


@pytest.mark.parametrize("n", [1, 3])
def test_confirm_district_work_costs_four_queries_and_twelve_per_proposal(campaign, gz_reviewer, tianhe,
                                                                             django_assert_num_queries, n):
    proposals = [_sent(campaign, _unit(), tianhe) for _i in range(n)]
    # 4 for the step, then 12 for each proposal (accepting its filing, the move); none for its unit or campaign
    with django_assert_num_queries(4 + 12 * n):
        report = districts.confirm_district_work(campaign, [p.pk for p in proposals], actor=gz_reviewer)
    assert report.done == proposals
