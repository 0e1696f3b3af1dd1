"""The city's adjustment proposals, its package and the not-filed defaults, rule by rule
(reviews.services.review): what a proposal needs for each outcome, what is kept of it, when it can still be
changed, the package check's counts and names, the package's lateness, open items and audit records, and the
default removals after the city deadline (its Beijing-time boundary)."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from registry.enums import UnitStatus
from reviews import audit
from reviews.enums import CheckVerdict, FlagKind, Outcome, ProposalState, RemoveReason
from reviews.models import AdjustmentProposal, Campaign, CityPackage, DataFlag, Filing, Transition
from reviews.services import review as review_services
from reviews.services.review import ReviewError
from tests import factories
from tests.reviews.review_helpers import accepted_filing, all_compliant, open_campaign, submitted_filing

pytestmark = pytest.mark.django_db
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
ENERGY = "energy_per_output"


@pytest.fixture
def campaign(db):
    return open_campaign(2030)


def _log(obj) -> list[tuple]:
    """The audit records of `obj`, oldest first: (action, from, to, actor, comment)."""
    return [(t.action, t.from_state, t.to_state, t.actor, t.comment) for t in audit.history(obj).order_by("at", "id")]


def _blocked(campaign, unit, reviewer) -> Filing:
    """A filing with a non-compliant key indicator and no completed on-site assessment."""
    filing = submitted_filing(campaign, unit)
    review_services.record_checks(filing, all_compliant(filing, ENERGY), actor=reviewer)
    return filing


BLOCKED = "有关键指标不达标：须先完成现场评估（填写评估结论和完成日期），才能提出调整意见。"


# --- what a proposal needs ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "problems"), [
    ({"outcome": Outcome.KEEP}, []),
    ({"outcome": "demote"}, [("outcome", "请选择调整类型。")]),
    ({}, [("outcome", "请选择调整类型。")]),
    ({"outcome": Outcome.REMOVE}, [("remove_reason", "移出名单须说明原因。")]),
    ({"outcome": Outcome.REMOVE, "remove_reason": RemoveReason.OTHER}, []),
    ({"outcome": Outcome.RENAME}, [("new_name", "变更名称须填写新名称。")]),
    ({"outcome": Outcome.RENAME, "new_name": "   "}, [("new_name", "变更名称须填写新名称。")]),
    ({"outcome": Outcome.RENAME, "new_name": " 广州测试绿色工厂有限公司 "}, [("new_name", "新名称与现名称相同。")]),
    ({"outcome": Outcome.RENAME, "new_name": "广州新名称有限公司"}, []),
    ({"outcome": Outcome.RECTIFY}, [("rectify_due", "限期整改须填写整改期限。")]),
    ({"outcome": Outcome.RECTIFY, "rectify_due": dt.date(2030, 12, 31)}, []),
    # the details of other outcomes are not asked for
    ({"outcome": Outcome.KEEP, "new_name": "广州测试绿色工厂有限公司"}, []),
])
def test_proposal_problems_per_outcome(campaign, gz_unit, data, problems):
    assert review_services.proposal_problems(campaign, gz_unit, data) == problems


def test_proposal_problems_a_non_compliant_indicator_blocks_until_the_assessment_is_completed(
        campaign, gz_unit, gz_reviewer):
    filing = _blocked(campaign, gz_unit, gz_reviewer)
    assert review_services.proposal_problems(campaign, gz_unit, {"outcome": Outcome.REMOVE}) == [
        ("remove_reason", "移出名单须说明原因。"), ("", BLOCKED)]
    today = timezone.localdate()
    review_services.save_assessment(filing, {"planned_date": today, "team": "组", "conclusion": "fails",
                                             "completed_on": today}, actor=gz_reviewer)
    assert review_services.proposal_problems(campaign, gz_unit, {"outcome": Outcome.KEEP}) == []


def test_proposal_problems_look_at_this_campaigns_filing_of_this_unit_only(campaign, gz_unit, gz_reviewer):
    _blocked(open_campaign(2029), gz_unit, gz_reviewer)
    _blocked(campaign, factories.UnitFactory(name="另一家工厂"), gz_reviewer)
    assert review_services.proposal_problems(campaign, gz_unit, {"outcome": Outcome.KEEP}) == []


# --- opening and changing a proposal ------------------------------------------------------------------------------

def test_save_proposal_opens_a_draft_with_only_the_outcomes_details(campaign, gz_unit, gz_reviewer):
    proposal = review_services.save_proposal(campaign, gz_unit, {
        "outcome": Outcome.KEEP, "remove_reason": RemoveReason.OTHER, "rectify_due": dt.date(2030, 12, 31),
        "new_name": "新名称", "reason": "  指标达标  "}, actor=gz_reviewer)
    stored = AdjustmentProposal.objects.get()
    assert stored == proposal
    assert (stored.campaign, stored.unit, stored.outcome, stored.remove_reason, stored.rectify_due, stored.new_name,
            stored.reason, stored.state, stored.is_default, stored.created_by) == (
        campaign, gz_unit, Outcome.KEEP, "", None, "", "指标达标", ProposalState.DRAFT, False, gz_reviewer)
    assert _log(stored) == [("propose", "", "draft", gz_reviewer, "保留")]


@pytest.mark.parametrize(("data", "kept"), [
    ({"outcome": Outcome.REMOVE, "remove_reason": RemoveReason.ACCIDENT, "new_name": "x",
      "rectify_due": dt.date(2030, 12, 31)}, (RemoveReason.ACCIDENT, None, "")),
    ({"outcome": Outcome.RECTIFY, "remove_reason": RemoveReason.ACCIDENT, "rectify_due": dt.date(2030, 12, 31)},
     ("", dt.date(2030, 12, 31), "")),
    ({"outcome": Outcome.RENAME, "new_name": "  广州新名称有限公司 ", "remove_reason": RemoveReason.ACCIDENT},
     ("", None, "广州新名称有限公司")),
])
def test_save_proposal_keeps_the_details_of_its_outcome(campaign, gz_unit, gz_reviewer, data, kept):
    review_services.save_proposal(campaign, gz_unit, data, actor=gz_reviewer)
    stored = AdjustmentProposal.objects.get()
    assert (stored.outcome, stored.reason) == (data["outcome"], "")
    assert (stored.remove_reason, stored.rectify_due, stored.new_name) == kept


def test_save_proposal_changes_the_same_proposal_and_audits_the_edit(campaign, gz_unit, gz_reviewer):
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.RENAME, "new_name": "新名称"}, actor=gz_reviewer)
    other = factories.city_user("广州市", "gz2")
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.REMOVE, "remove_reason": RemoveReason.OTHER,
                                                      "reason": " 停产 "}, actor=other)
    stored = AdjustmentProposal.objects.get()
    assert (stored.outcome, stored.remove_reason, stored.new_name, stored.reason, stored.created_by) == (
        Outcome.REMOVE, RemoveReason.OTHER, "", "停产", gz_reviewer)
    assert _log(stored) == [("propose", "", "draft", gz_reviewer, "变更名称"), ("edit", "draft", "draft", other, "移出名单")]


def test_save_proposal_opens_this_campaigns_proposal_beside_last_years(campaign, gz_unit, gz_reviewer):
    last_year = open_campaign(2029)
    old = review_services.save_proposal(last_year, gz_unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    new = review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.RECTIFY,
                                                            "rectify_due": dt.date(2030, 12, 31)}, actor=gz_reviewer)
    assert new.pk != old.pk
    assert sorted(AdjustmentProposal.objects.values_list("campaign__year", "outcome")) == [
        (2029, Outcome.KEEP), (2030, Outcome.RECTIFY)]


def test_editing_a_default_proposal_makes_it_the_citys_own(gz_unit, gz_reviewer):
    campaign = Campaign.objects.create(year=2024, filing_opens=dt.date(2024, 1, 15), filing_due=dt.date(2024, 3, 10),
                                       city_review_due=dt.date(2024, 3, 31), province_report_due=dt.date(2024, 4, 15))
    assert review_services.open_not_filed_proposals(campaign, actor=gz_reviewer) == 1
    before = AdjustmentProposal.objects.get()
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.REMOVE, "remove_reason": RemoveReason.NOT_FILED,
                                                      "reason": "确认未填报"}, actor=gz_reviewer)
    stored = AdjustmentProposal.objects.get()
    assert (stored.is_default, stored.reason) == (False, "确认未填报")
    assert stored.updated_at > before.updated_at


def test_a_proposal_sent_to_the_province_can_no_longer_be_changed(campaign, gz_unit, gz_reviewer):
    accepted_filing(campaign, gz_unit, gz_reviewer)
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    with pytest.raises(ReviewError) as exc:
        review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.RECTIFY, "rectify_due": dt.date(2030, 9, 1)},
                                      actor=gz_reviewer)
    assert str(exc.value) == "该调整意见状态为“已报省厅”，不能再修改。"
    assert AdjustmentProposal.objects.get().outcome == Outcome.KEEP


def test_no_proposal_for_a_unit_no_longer_listed(campaign, gz_unit, gz_reviewer):
    gz_unit.status = UnitStatus.REMOVED
    gz_unit.save()
    with pytest.raises(ReviewError) as exc:
        review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    assert str(exc.value) == "该单位已不在名单内，不能再提出调整意见。"
    assert not AdjustmentProposal.objects.exists()


def test_save_proposal_refuses_with_every_problem_joined(campaign, gz_unit, gz_reviewer):
    _blocked(campaign, gz_unit, gz_reviewer)
    with pytest.raises(ReviewError) as exc:
        review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.REMOVE}, actor=gz_reviewer)
    assert str(exc.value) == f"移出名单须说明原因。 {BLOCKED}"
    assert not AdjustmentProposal.objects.exists()


def test_only_the_units_city_proposes(campaign, gz_unit, sz_reviewer, province):
    for user in (sz_reviewer, province):
        with pytest.raises(PermissionDenied):
            review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.KEEP}, actor=user)
    assert not AdjustmentProposal.objects.exists()


# --- the package check ----------------------------------------------------------------------------------------

def test_package_check_names_the_first_few_in_the_order_they_were_added(campaign, gz_reviewer):
    guangzhou = factories.city("广州市")
    # names that sort against the order of creation, filings made in the opposite order to their units
    units = [factories.UnitFactory(city=guangzhou, name=name) for name in ("丁工厂", "丙工厂", "乙工厂", "甲工厂")]
    for unit in reversed(units[:3]):
        DataFlag.objects.create(filing=submitted_filing(campaign, unit), code=ENERGY, kind=FlagKind.YEAR_ON_YEAR,
                                value=1)
    check = review_services.package_check(campaign, guangzhou, limit=2)
    assert (check.unreviewed, check.not_filed, check.without_proposal, check.pending_flags) == (3, 1, 4, 3)
    assert check.examples == {"unreviewed": ["丁工厂", "丙工厂"], "not_filed": ["甲工厂"],
                              "without_proposal": ["丁工厂", "丙工厂"], "pending_flags": ["丁工厂", "丙工厂"]}
    assert check.ok is False
    assert [(key, label, n, counted) for key, label, n, counted, _names in check.lines()] == [
        ("unreviewed", "未审核的动态管理表", 3, "3 份"), ("not_filed", "未填报的单位", 1, "1 家"),
        ("without_proposal", "无调整意见的单位", 4, "4 家"), ("pending_flags", "有待判定异常数据的动态管理表", 3, "3 份")]
    assert len(review_services.package_check(campaign, guangzhou).examples["without_proposal"]) == 4


def test_package_check_default_limit_is_ten_names(campaign):
    guangzhou = factories.city("广州市")
    units = [factories.UnitFactory(city=guangzhou, name=f"工厂{i:02d}") for i in range(11)]
    check = review_services.package_check(campaign, guangzhou)
    assert check.not_filed == 11
    assert check.examples["not_filed"] == [u.name for u in units[:10]]


def test_package_check_counts_only_its_own_citys_items(campaign, gz_unit, sz_unit, gz_reviewer):
    _kept(campaign, gz_unit, gz_reviewer)
    sz_filing = submitted_filing(campaign, sz_unit)
    DataFlag.objects.create(filing=sz_filing, code=ENERGY, kind=FlagKind.YEAR_ON_YEAR, value=1)
    factories.UnitFactory(city=sz_unit.city, name="深圳未填报")
    check = review_services.package_check(campaign, gz_unit.city)
    assert (check.unreviewed, check.not_filed, check.without_proposal, check.pending_flags, check.ok) == (
        0, 0, 0, 0, True)
    shenzhen = review_services.package_check(campaign, sz_unit.city)
    assert (shenzhen.unreviewed, shenzhen.not_filed, shenzhen.without_proposal, shenzhen.pending_flags) == (1, 1, 2, 1)


@pytest.mark.parametrize("item", ["unreviewed", "not_filed", "without_proposal", "pending_flags"])
def test_package_check_is_not_ok_with_any_one_item_open(item):
    check = review_services.PackageCheck(**{item: 1})
    assert check.ok is False
    assert [key for key, *_rest in check.lines()] == [item]
    assert review_services.PackageCheck().ok is True


def test_package_check_summary_joins_the_open_items(campaign):
    check = review_services.PackageCheck(unreviewed=2, pending_flags=1, examples={"unreviewed": ["甲", "乙"]})
    assert check.lines() == [("unreviewed", "未审核的动态管理表", 2, "2 份", ["甲", "乙"]),
                             ("pending_flags", "有待判定异常数据的动态管理表", 1, "1 份", [])]
    assert check.summary() == "未审核的动态管理表 2 份；有待判定异常数据的动态管理表 1 份"


# --- the package ----------------------------------------------------------------------------------------------

def _kept(campaign, unit, reviewer):
    accepted_filing(campaign, unit, reviewer)
    return review_services.save_proposal(campaign, unit, {"outcome": Outcome.KEEP}, actor=reviewer)


def test_submit_package_sends_every_pending_proposal_with_its_audit_records(campaign, gz_reviewer):
    guangzhou = factories.city("广州市")
    first = _kept(campaign, factories.UnitFactory(city=guangzhou, name="甲工厂"), gz_reviewer)
    second = _kept(campaign, factories.UnitFactory(city=guangzhou, name="乙工厂"), gz_reviewer)
    _kept(campaign, factories.UnitFactory(city=factories.city("深圳市"), name="深圳工厂"),
          factories.city_user("深圳市", "sz"))
    now = timezone.now()
    package = review_services.submit_package(campaign, guangzhou, actor=gz_reviewer, note="  广州市意见  ", now=now)
    stored = CityPackage.objects.get(city=guangzhou)
    assert stored == package
    assert (stored.campaign, stored.submitted_at, stored.submitted_by, stored.is_late, stored.note, stored.open_items,
            stored.open_items_reason) == (campaign, now, gz_reviewer, False, "广州市意见", "", "")
    assert _log(stored) == [("submit", "", "on_time", gz_reviewer, "2 条调整意见")]
    for proposal in (first, second):
        proposal.refresh_from_db()
        assert (proposal.state, proposal.package, proposal.submitted_at, proposal.is_late) == (
            ProposalState.SUBMITTED, package, now, False)
        assert _log(proposal)[-1] == ("submit", "draft", "submitted", gz_reviewer, "")
    assert AdjustmentProposal.objects.get(unit__name="深圳工厂").state == ProposalState.DRAFT


def test_submit_package_without_a_time_uses_now(campaign, gz_unit, gz_reviewer):
    _kept(campaign, gz_unit, gz_reviewer)
    before = timezone.now()
    package = review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    stored = CityPackage.objects.get(pk=package.pk)
    assert before <= stored.submitted_at <= timezone.now()
    assert AdjustmentProposal.objects.get().submitted_at == stored.submitted_at


def test_submit_package_on_the_deadline_day_in_beijing_is_on_time_and_a_minute_later_late(gz_unit, gz_reviewer):
    campaign = Campaign.objects.create(year=2024, filing_opens=dt.date(2024, 1, 15), filing_due=dt.date(2024, 3, 10),
                                       city_review_due=dt.date(2024, 3, 31), province_report_due=dt.date(2024, 4, 15))
    proposal = _kept(campaign, gz_unit, gz_reviewer)
    last_minute = dt.datetime(2024, 3, 31, 23, 59, tzinfo=BEIJING)
    package = review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer, now=last_minute)
    assert (package.is_late, CityPackage.objects.get().is_late) == (False, False)
    # the province returns it; the city sends it again after midnight in Beijing (still 31 March in UTC)
    AdjustmentProposal.objects.filter(pk=proposal.pk).update(state=ProposalState.RETURNED)  # test set-up only
    after = dt.datetime(2024, 4, 1, 0, 1, tzinfo=BEIJING)
    assert after.astimezone(dt.UTC).date() == dt.date(2024, 3, 31)
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer, now=after)
    proposal.refresh_from_db()
    assert (proposal.is_late, proposal.submitted_at) == (True, after)
    assert _log(proposal)[-1] == ("submit", "returned", "submitted", gz_reviewer, "在地市截止日期后逾期报送。")


def test_a_first_package_after_the_deadline_is_submitted_late(gz_unit, gz_reviewer):
    campaign = Campaign.objects.create(year=2024, filing_opens=dt.date(2024, 1, 15), filing_due=dt.date(2024, 3, 10),
                                       city_review_due=dt.date(2024, 3, 31), province_report_due=dt.date(2024, 4, 15))
    _kept(campaign, gz_unit, gz_reviewer)
    package = review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer,
                                             now=dt.datetime(2024, 4, 1, 0, 1, tzinfo=BEIJING))
    assert CityPackage.objects.get().is_late is True
    assert _log(package) == [("submit_late", "", "late", gz_reviewer, "1 条调整意见")]


def test_submit_package_again_resubmits_the_same_package_and_keeps_its_note_unless_given(campaign, gz_unit,
                                                                                          gz_reviewer):
    proposal = _kept(campaign, gz_unit, gz_reviewer)
    first = review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer, note="第一次")
    AdjustmentProposal.objects.filter(pk=proposal.pk).update(state=ProposalState.RETURNED)  # test set-up only
    other = factories.city_user("广州市", "gz2")
    again = review_services.submit_package(campaign, gz_unit.city, actor=other, note="   ")
    assert again.pk == first.pk
    stored = CityPackage.objects.get()
    assert (stored.note, stored.submitted_by) == ("第一次", gz_reviewer)
    AdjustmentProposal.objects.filter(pk=proposal.pk).update(state=ProposalState.RETURNED)  # test set-up only
    review_services.submit_package(campaign, gz_unit.city, actor=other, note=" 第三次 ")
    assert CityPackage.objects.get().note == "第三次"
    assert [row[:4] for row in _log(stored)] == [("submit", "", "on_time", gz_reviewer),
                                                 ("resubmit", "on_time", "on_time", other),
                                                 ("resubmit", "on_time", "on_time", other)]


def test_a_resubmission_records_the_open_items_and_its_reason(campaign, gz_unit, gz_reviewer):
    proposal = _kept(campaign, gz_unit, gz_reviewer)
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    AdjustmentProposal.objects.filter(pk=proposal.pk).update(state=ProposalState.RETURNED)  # test set-up only
    factories.UnitFactory(city=gz_unit.city, name="未填报工厂")
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer, reason="  已停产  ")
    stored = CityPackage.objects.get()
    assert (stored.open_items, stored.open_items_reason) == ("未填报的单位 1 家；无调整意见的单位 1 家", "已停产")
    assert _log(stored)[-1] == ("resubmit", "on_time", "on_time", gz_reviewer,
                                "1 条调整意见；仍未完成：未填报的单位 1 家；无调整意见的单位 1 家；仍要报送的理由：已停产")


def test_submit_package_refuses_with_nothing_pending(campaign, gz_unit, gz_reviewer):
    with pytest.raises(ReviewError) as exc:
        review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    assert str(exc.value) == "没有待报送的草稿或被退回的调整意见。"


def test_submit_package_refuses_a_proposal_that_can_no_longer_stand(campaign, gz_reviewer):
    guangzhou = factories.city("广州市")
    _kept(campaign, factories.UnitFactory(city=guangzhou, name="工厂A"), gz_reviewer)
    for name in ("工厂C", "工厂B"):
        unit = factories.UnitFactory(city=guangzhou, name=name)
        review_services.save_proposal(campaign, unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
        _blocked(campaign, unit, gz_reviewer)  # found non-compliant after the proposal was drafted
    with pytest.raises(ReviewError) as exc:
        review_services.submit_package(campaign, guangzhou, actor=gz_reviewer, reason="x")
    assert str(exc.value) == f"工厂B: {BLOCKED} 工厂C: {BLOCKED}"  # in the proposal list's order
    assert not CityPackage.objects.exists()
    assert set(AdjustmentProposal.objects.values_list("state", flat=True)) == {ProposalState.DRAFT}


def test_only_the_citys_own_bureau_submits_its_package(campaign, gz_unit, gz_reviewer, sz_reviewer):
    _kept(campaign, gz_unit, gz_reviewer)
    with pytest.raises(PermissionDenied):
        review_services.submit_package(campaign, gz_unit.city, actor=sz_reviewer)
    assert not CityPackage.objects.exists()


# --- the not-filed defaults -----------------------------------------------------------------------------------------

@pytest.fixture
def campaign_2024(db):
    return Campaign.objects.create(year=2024, filing_opens=dt.date(2024, 1, 15), filing_due=dt.date(2024, 3, 10),
                                   city_review_due=dt.date(2024, 3, 31), province_report_due=dt.date(2024, 4, 15))


@pytest.mark.parametrize(("now", "passed"), [
    (dt.datetime(2024, 3, 31, 23, 59, tzinfo=BEIJING), False),
    (dt.datetime(2024, 4, 1, 0, 1, tzinfo=BEIJING), True),
])
def test_city_deadline_passes_at_midnight_in_beijing(campaign_2024, now, passed):
    assert review_services.city_deadline_passed(campaign_2024, now) is passed


def test_not_filed_defaults_are_refused_on_the_deadline_day_and_opened_a_minute_after(campaign_2024, gz_unit):
    with pytest.raises(ReviewError) as exc:
        review_services.open_not_filed_proposals(campaign_2024, now=dt.datetime(2024, 3, 31, 23, 59, tzinfo=BEIJING))
    assert str(exc.value) == "地市审核截止日期（2024-03-31）尚未到期。"
    assert not AdjustmentProposal.objects.exists()
    assert review_services.open_not_filed_proposals(
        campaign_2024, now=dt.datetime(2024, 4, 1, 0, 1, tzinfo=BEIJING)) == 1


def test_not_filed_defaults_before_the_deadline_only_when_forced(campaign, gz_unit, gz_reviewer):
    with pytest.raises(ReviewError):
        review_services.open_not_filed_proposals(campaign, actor=gz_reviewer)
    assert review_services.open_not_filed_proposals(campaign, actor=gz_reviewer, force=True) == 1


def test_not_filed_defaults_are_removals_opened_by_the_portal(campaign_2024, gz_unit, gz_reviewer):
    assert review_services.open_not_filed_proposals(campaign_2024, actor=gz_reviewer) == 1
    proposal = AdjustmentProposal.objects.get()
    reason = "截至地市审核截止日期（2024-03-31）未提交动态管理表。"
    assert (proposal.campaign, proposal.unit, proposal.outcome, proposal.remove_reason, proposal.reason,
            proposal.is_default, proposal.created_by, proposal.state) == (
        campaign_2024, gz_unit, Outcome.REMOVE, RemoveReason.NOT_FILED, reason, True, gz_reviewer, ProposalState.DRAFT)
    assert _log(proposal) == [("open_default", "", "draft", gz_reviewer, reason)]


def test_not_filed_defaults_skip_filed_units_units_with_a_proposal_and_other_cities(campaign_2024, gz_reviewer):
    guangzhou, shenzhen = factories.city("广州市"), factories.city("深圳市")
    waiting = factories.UnitFactory(city=guangzhou, name="未填报甲")
    draft_only = factories.UnitFactory(city=guangzhou, name="仅有草稿")
    Filing.objects.create(campaign=campaign_2024, unit=draft_only)
    submitted_filing(campaign_2024, factories.UnitFactory(city=guangzhou, name="已提交"))
    proposed = factories.UnitFactory(city=guangzhou, name="已有意见")
    AdjustmentProposal.objects.create(campaign=campaign_2024, unit=proposed, outcome=Outcome.KEEP)
    last_year = Campaign.objects.create(year=2023, filing_opens=dt.date(2023, 1, 15), filing_due=dt.date(2023, 3, 10),
                                        city_review_due=dt.date(2023, 3, 31), province_report_due=dt.date(2023, 4, 15))
    proposed_last_year = factories.UnitFactory(city=guangzhou, name="去年有意见")
    AdjustmentProposal.objects.create(campaign=last_year, unit=proposed_last_year, outcome=Outcome.KEEP)
    factories.UnitFactory(city=guangzhou, name="已移出", status=UnitStatus.REMOVED)
    factories.UnitFactory(city=shenzhen, name="深圳未填报")
    assert review_services.open_not_filed_proposals(campaign_2024, cities=[guangzhou], actor=gz_reviewer) == 3
    assert sorted(AdjustmentProposal.objects.filter(campaign=campaign_2024, is_default=True)
                  .values_list("unit__name", flat=True)) == sorted([waiting.name, draft_only.name,
                                                                    proposed_last_year.name])
    assert review_services.open_not_filed_proposals(campaign_2024, cities=[guangzhou], actor=gz_reviewer) == 0
    assert Transition.objects.filter(action="open_default").count() == 3
    assert review_services.open_not_filed_proposals(campaign_2024) == 1  # every city: 深圳's one


# --- accepting the suggestions -----------------------------------------------------------------------------------

def test_accept_suggestions_uses_the_rows_it_is_given(campaign, gz_unit, gz_reviewer):
    accepted_filing(open_campaign(2029), gz_unit, gz_reviewer)
    filing = submitted_filing(campaign, gz_unit)
    from reviews.services import context

    rows = [row for row in context.filing_context(filing) if row.code == ENERGY]
    saved = review_services.accept_suggestions(filing, actor=gz_reviewer, rows=rows)
    assert [(c.code, c.verdict, c.note) for c in saved] == [(ENERGY, CheckVerdict.COMPLIANT, "")]
    assert list(filing.checks.values_list("code", "note")) == [(ENERGY, "")]


def test_accept_suggestions_with_nothing_to_suggest_records_nothing_in_any_state(campaign, gz_unit, gz_reviewer):
    """Nothing to record is not a step: no check of the filing's state, no audit record (a stale page's click)."""
    filing = submitted_filing(campaign, gz_unit)  # new to the portal: no suggestion
    review_services.return_filing(filing, "请补充", actor=gz_reviewer)
    returned = Filing.objects.get(pk=filing.pk)
    assert review_services.accept_suggestions(returned, actor=gz_reviewer) == []
    assert [t.action for t in audit.history(returned)] == ["return", "submit", "create"]


# --- one package per city per campaign -------------------------------------------------------------------------

def test_each_city_and_each_campaign_has_a_package_of_its_own(campaign, gz_unit, sz_unit, gz_reviewer, sz_reviewer):
    last_year = open_campaign(2029)
    _kept(last_year, gz_unit, gz_reviewer)
    old = review_services.submit_package(last_year, gz_unit.city, actor=gz_reviewer)
    _kept(campaign, sz_unit, sz_reviewer)
    shenzhens = review_services.submit_package(campaign, sz_unit.city, actor=sz_reviewer)
    _kept(campaign, gz_unit, gz_reviewer)
    package = review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    assert package.pk not in (old.pk, shenzhens.pk)
    assert sorted(CityPackage.objects.values_list("campaign__year", "city__name", "submitted_by__username")) == [
        (2029, "广州市", "gz"), (2030, "广州市", "gz"), (2030, "深圳市", "sz")]
    assert [row[0] for row in _log(package)] == ["submit"]
    assert AdjustmentProposal.objects.get(campaign=campaign, unit=gz_unit).package == package


def test_submit_package_without_a_note_or_a_reason(campaign, gz_unit, gz_reviewer):
    _kept(campaign, gz_unit, gz_reviewer)
    extra = factories.UnitFactory(city=gz_unit.city, name="未填报工厂")
    with pytest.raises(ReviewError):
        review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)  # an open item needs a reason
    extra.delete()
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    assert CityPackage.objects.values_list("note", "open_items", "open_items_reason").get() == ("", "", "")


def test_a_reason_given_with_nothing_open_is_not_kept(campaign, gz_unit, gz_reviewer):
    _kept(campaign, gz_unit, gz_reviewer)
    package = review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer, reason="以防万一")
    assert CityPackage.objects.values_list("open_items", "open_items_reason").get() == ("", "")
    assert _log(package) == [("submit", "", "on_time", gz_reviewer, "1 条调整意见")]
