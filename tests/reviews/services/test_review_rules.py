"""The city's review of one filing, rule by rule (reviews.services.review): who may open a filing, the indicator
check, the data-flag verdicts, the compliance verification, the disposition, the on-site assessment, what stands
between a filing and its acceptance, the return and the acceptance, each with the audit record it writes."""

import datetime as dt

import pytest
from django.utils import timezone

from reviews import audit, signals
from reviews.enums import (
    CheckVerdict,
    ComplianceItem,
    ComplianceResult,
    ComplianceSource,
    Disposition,
    FilingState,
    FlagKind,
    FlagVerdict,
)
from reviews.models import ComplianceCheck, DataFlag, Filing, IndicatorCheck, OnSiteAssessment
from reviews.services import districts
from reviews.services import filings as filing_services
from reviews.services import review as review_services
from reviews.services.review import ReviewError
from tests import factories
from tests.reviews.review_helpers import all_compliant, open_campaign, submitted_filing, totals

pytestmark = pytest.mark.django_db

ENERGY, CO2 = "energy_per_output", "co2_per_output"


@pytest.fixture
def campaign(db):
    return open_campaign(2030)


@pytest.fixture
def filing(campaign, gz_unit):
    """A submitted filing of a unit new to the portal: no suggested verdicts, so any verdict needs no override note."""
    return submitted_filing(campaign, gz_unit)


def _log(obj) -> list[tuple]:
    """The audit records of `obj`, oldest first: (action, from, to, actor, comment)."""
    return [(t.action, t.from_state, t.to_state, t.actor, t.comment) for t in audit.history(obj).order_by("at", "id")]


def _review_log(filing) -> list[tuple]:
    """The audit records written after the submission."""
    return [row for row in _log(filing) if row[0] not in ("create", "submit")]


def _declared(campaign, unit, **declared) -> Filing:
    enterprise = factories.enterprise_user(unit)
    filing = filing_services.filing_for(campaign, unit)
    filing_services.save_filing(filing, {**totals(), **declared, "changes_note": "详见说明"}, actor=enterprise)
    return filing_services.submit_filing(filing, actor=enterprise)


# --- who may open a filing ----------------------------------------------------------------------------------

def test_a_city_reviewer_may_open_its_own_citys_filings_only(campaign, gz_unit, sz_unit, gz_reviewer, province):
    mine, theirs = submitted_filing(campaign, gz_unit), submitted_filing(campaign, sz_unit)
    assert list(review_services.reviewable_filings(gz_reviewer).order_by("pk")) == [mine]
    assert list(review_services.reviewable_filings(province).order_by("pk")) == [mine, theirs]
    assert review_services.is_city_reviewer_for(gz_reviewer, gz_unit) is True
    assert review_services.is_city_reviewer_for(gz_reviewer, sz_unit) is False
    assert review_services.is_city_reviewer_for(province, gz_unit) is False


def test_a_district_reviewer_opens_its_districts_filings_only_where_the_city_reviews_through_districts(
        campaign, gz_reviewer):
    tianhe, haizhu = factories.district("天河区", "广州市"), factories.district("海珠区", "广州市")
    reviewer = factories.district_user("天河区", "th", "广州市")
    own = submitted_filing(campaign, factories.UnitFactory(city=tianhe.city, district=tianhe))
    submitted_filing(campaign, factories.UnitFactory(city=haizhu.city, district=haizhu))
    submitted_filing(campaign, factories.UnitFactory(city=tianhe.city, district=None))
    assert list(review_services.reviewable_filings(reviewer)) == []  # 广州 reviews everything itself
    districts.set_district_review(campaign, tianhe.city, True, actor=gz_reviewer)
    assert list(review_services.reviewable_filings(reviewer)) == [own]
    assert list(review_services.reviewable_filings(gz_reviewer).order_by("pk")) == list(
        Filing.objects.filter(campaign=campaign).order_by("pk"))


def test_reviewable_proposals_are_the_reviewers_citys(campaign, gz_unit, sz_unit, gz_reviewer, sz_reviewer, province):
    mine = review_services.save_proposal(campaign, gz_unit, {"outcome": "keep"}, actor=gz_reviewer)
    theirs = review_services.save_proposal(campaign, sz_unit, {"outcome": "keep"}, actor=sz_reviewer)
    assert list(review_services.reviewable_proposals(gz_reviewer)) == [mine]
    assert list(review_services.reviewable_proposals(province).order_by("pk")) == [mine, theirs]


def test_another_citys_reviewer_cannot_check_return_or_accept(filing, sz_reviewer):
    for call in (
        lambda: review_services.record_checks(filing, {}, actor=sz_reviewer),
        lambda: review_services.record_flag_verdicts(filing, {}, actor=sz_reviewer),
        lambda: review_services.record_compliance(filing, {}, actor=sz_reviewer),
        lambda: review_services.return_filing(filing, "理由", actor=sz_reviewer),
        lambda: review_services.accept_filing(filing, actor=sz_reviewer),
        lambda: review_services.save_assessment(filing, {"planned_date": timezone.localdate(), "team": "组"},
                                                actor=sz_reviewer),
    ):
        with pytest.raises(Exception) as exc:
            call()
        assert type(exc.value).__name__ == "PermissionDenied"
    assert _review_log(filing) == []


def test_a_step_on_a_filing_in_the_wrong_state_names_its_state(campaign, gz_unit, gz_reviewer):
    draft = filing_services.filing_for(campaign, gz_unit)
    with pytest.raises(ReviewError) as exc:
        review_services.record_checks(draft, {}, actor=gz_reviewer)
    assert str(exc.value) == "该动态管理表当前状态为“草稿”，不能进行此操作。"


# --- the indicator check --------------------------------------------------------------------------------------

def test_record_checks_saves_each_verdict_with_its_stripped_note_and_reviewer(filing, gz_reviewer):
    saved = review_services.record_checks(filing, {
        ENERGY: (CheckVerdict.NON_COMPLIANT, "  超标  "), CO2: (CheckVerdict.COMPLIANT, "")}, actor=gz_reviewer)
    assert [(c.code, c.verdict, c.note, c.checked_by) for c in saved] == [
        (ENERGY, CheckVerdict.NON_COMPLIANT, "超标", gz_reviewer), (CO2, CheckVerdict.COMPLIANT, "", gz_reviewer)]
    assert sorted(IndicatorCheck.objects.filter(filing=filing).values_list("code", "verdict", "note", "checked_by")) == [
        (CO2, CheckVerdict.COMPLIANT, "", gz_reviewer.pk), (ENERGY, CheckVerdict.NON_COMPLIANT, "超标", gz_reviewer.pk)]
    assert _review_log(filing) == [
        ("check", "submitted", "submitted", gz_reviewer, "单位产值综合能耗：不符合; 单位产值碳排放量：符合")]


def test_record_checks_refuses_codes_that_are_not_key_indicators_and_names_them_sorted(filing, gz_reviewer):
    with pytest.raises(ReviewError) as exc:
        review_services.record_checks(filing, {"zzz": (CheckVerdict.COMPLIANT, ""), ENERGY: (CheckVerdict.COMPLIANT, ""),
                                               "aaa": (CheckVerdict.COMPLIANT, "")}, actor=gz_reviewer)
    assert str(exc.value) == "不是该单位的关键指标：aaa, zzz。"
    assert not IndicatorCheck.objects.exists()


def test_record_checks_refuses_a_verdict_that_is_not_one(filing, gz_reviewer):
    with pytest.raises(ReviewError) as exc:
        review_services.record_checks(filing, {ENERGY: ("check", "x")}, actor=gz_reviewer)
    assert str(exc.value) == "请为每项指标选择“达标”或“不达标”。"
    assert not IndicatorCheck.objects.exists()


def test_record_checks_names_the_indicator_whose_note_is_missing(filing, gz_reviewer):
    with pytest.raises(ReviewError) as exc:
        review_services.record_checks(filing, {ENERGY: (CheckVerdict.NON_COMPLIANT, " ")}, actor=gz_reviewer)
    assert str(exc.value) == "单位产值综合能耗: 请说明该指标不达标的原因。"


def test_record_checks_again_unchanged_writes_nothing(filing, gz_reviewer, province):
    review_services.record_checks(filing, {ENERGY: (CheckVerdict.NON_COMPLIANT, "超标")}, actor=gz_reviewer)
    other = factories.city_user("广州市", "gz2")
    saved = review_services.record_checks(filing, {ENERGY: (CheckVerdict.NON_COMPLIANT, "超标")}, actor=other)
    assert [(c.code, c.checked_by) for c in saved] == [(ENERGY, gz_reviewer)]
    assert IndicatorCheck.objects.get().checked_by == gz_reviewer
    assert len(_review_log(filing)) == 1


@pytest.mark.parametrize(("verdict", "note"), [(CheckVerdict.COMPLIANT, "超标"), (CheckVerdict.NON_COMPLIANT, "超标很多")])
def test_record_checks_again_with_a_new_verdict_or_note_updates_the_same_check(filing, gz_reviewer, verdict, note):
    review_services.record_checks(filing, {ENERGY: (CheckVerdict.NON_COMPLIANT, "超标")}, actor=gz_reviewer)
    other = factories.city_user("广州市", "gz2")
    review_services.record_checks(filing, {ENERGY: (verdict, note)}, actor=other)
    assert list(IndicatorCheck.objects.values_list("code", "verdict", "note", "checked_by")) == [
        (ENERGY, verdict, note, other.pk)]
    label = "符合" if verdict == CheckVerdict.COMPLIANT else "不符合"
    assert _review_log(filing)[-1] == ("check", "submitted", "submitted", other, f"单位产值综合能耗：{label}")


def test_record_checks_with_nothing_writes_no_audit_record(filing, gz_reviewer):
    assert review_services.record_checks(filing, {}, actor=gz_reviewer) == []
    assert _review_log(filing) == []


# --- the data flags -------------------------------------------------------------------------------------------

def _flag(filing, code=ENERGY, kind=FlagKind.YEAR_ON_YEAR, **kwargs) -> DataFlag:
    return DataFlag.objects.create(filing=filing, code=code, kind=kind, value=2, **kwargs)


def test_record_flag_verdicts_saves_each_verdict_with_who_and_when(filing, gz_reviewer):
    first, second = _flag(filing), _flag(filing, CO2, FlagKind.OUTLIER)
    before = timezone.now()
    changed = review_services.record_flag_verdicts(filing, {
        first.pk: (FlagVerdict.CONFIRMED, "  已核实  "), second.pk: (FlagVerdict.REJECTED, "")}, actor=gz_reviewer)
    assert changed == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.verdict, first.verdict_note, first.verdict_by) == (FlagVerdict.CONFIRMED, "已核实", gz_reviewer)
    assert (second.verdict, second.verdict_note, second.verdict_by) == (FlagVerdict.REJECTED, "", gz_reviewer)
    assert before <= first.verdict_at <= timezone.now()
    assert _review_log(filing) == [("flag_verdict", "submitted", "submitted", gz_reviewer,
                                    "单位产值综合能耗（较上年变化超过 ±50%）：地市已确认; "
                                    "单位产值碳排放量（显著偏离行业水平（稳健 z 值））：地市不予认可")]
    assert list(review_services.pending_flags(filing)) == []


def test_record_flag_verdicts_refuses_another_filings_flag(filing, campaign, sz_unit, gz_reviewer):
    elsewhere = _flag(submitted_filing(campaign, factories.UnitFactory(name="另一家工厂")))
    mine = _flag(filing)
    with pytest.raises(ReviewError) as exc:
        review_services.record_flag_verdicts(filing, {mine.pk: (FlagVerdict.CONFIRMED, ""),
                                                      elsewhere.pk: (FlagVerdict.CONFIRMED, "")}, actor=gz_reviewer)
    assert str(exc.value) == "该数据异常标记不属于此动态管理表。"
    assert set(DataFlag.objects.values_list("verdict", flat=True)) == {FlagVerdict.PENDING}


def test_record_flag_verdicts_refuses_pending_as_a_verdict(filing, gz_reviewer):
    flag = _flag(filing)
    with pytest.raises(ReviewError) as exc:
        review_services.record_flag_verdicts(filing, {flag.pk: (FlagVerdict.PENDING, "")}, actor=gz_reviewer)
    assert str(exc.value) == "请确认或不认可每一项数据异常标记。"


def test_record_flag_verdicts_again_unchanged_counts_nothing_and_writes_nothing(filing, gz_reviewer):
    flag = _flag(filing)
    assert review_services.record_flag_verdicts(filing, {flag.pk: (FlagVerdict.CONFIRMED, "核实")}, actor=gz_reviewer) == 1
    other = factories.city_user("广州市", "gz2")
    assert review_services.record_flag_verdicts(filing, {flag.pk: (FlagVerdict.CONFIRMED, " 核实 ")}, actor=other) == 0
    flag.refresh_from_db()
    assert flag.verdict_by == gz_reviewer
    assert len(_review_log(filing)) == 1
    # a new note alone is a change
    assert review_services.record_flag_verdicts(filing, {flag.pk: (FlagVerdict.CONFIRMED, "再核实")}, actor=other) == 1
    flag.refresh_from_db()
    assert (flag.verdict_note, flag.verdict_by) == ("再核实", other)


def test_pending_flags_are_the_unjudged_flags_of_that_filing(filing, campaign, gz_reviewer):
    waiting = _flag(filing)
    _flag(filing, CO2, verdict=FlagVerdict.CONFIRMED)
    _flag(submitted_filing(campaign, factories.UnitFactory(name="另一家工厂")))
    assert list(review_services.pending_flags(filing)) == [waiting]


# --- compliance verification ----------------------------------------------------------------------------------

def _verification(**overrides) -> dict:
    return {"source": ComplianceSource.CREDIT_CHINA, "checked_on": timezone.localdate(),
            "result": ComplianceResult.CLEAR, "note": "", **overrides}


def test_record_compliance_saves_each_item_and_audits_it(filing, gz_reviewer):
    day = timezone.localdate() - dt.timedelta(days=2)
    saved = review_services.record_compliance(filing, {
        ComplianceItem.ABNORMAL_LIST: _verification(source=ComplianceSource.GSXT, checked_on=day, note="  无  "),
        ComplianceItem.JUDGMENT_DEFAULTER: _verification(result=ComplianceResult.FOUND, note=None),
    }, actor=gz_reviewer)
    assert [(c.item, c.source, c.checked_on, c.result, c.note, c.checked_by) for c in saved] == [
        (ComplianceItem.ABNORMAL_LIST, ComplianceSource.GSXT, day, ComplianceResult.CLEAR, "无", gz_reviewer),
        (ComplianceItem.JUDGMENT_DEFAULTER, ComplianceSource.CREDIT_CHINA, timezone.localdate(), ComplianceResult.FOUND,
         "", gz_reviewer),
    ]
    assert ComplianceCheck.objects.filter(filing=filing).count() == 2
    assert _review_log(filing) == [("compliance_verified", "submitted", "submitted", gz_reviewer,
                                    f"经营异常名录：国家企业信用信息公示系统 {day:%Y-%m-%d} 未发现问题; "
                                    f"失信被执行人：信用中国 {timezone.localdate():%Y-%m-%d} 核实存在问题")]


def test_record_compliance_refuses_an_unknown_item(filing, gz_reviewer):
    with pytest.raises(ReviewError) as exc:
        review_services.record_compliance(filing, {"weather": _verification()}, actor=gz_reviewer)
    assert str(exc.value) == "不是合规核查事项：weather。"


@pytest.mark.parametrize("missing", [{"source": "fax"}, {"source": None}, {"result": "maybe"}, {"result": None},
                                     {"checked_on": None}])
def test_record_compliance_needs_a_source_a_date_and_a_result(filing, gz_reviewer, missing):
    with pytest.raises(ReviewError) as exc:
        review_services.record_compliance(filing, {ComplianceItem.PENALTIES: _verification(**missing)}, actor=gz_reviewer)
    assert str(exc.value) == "行政处罚：请填写核查来源、核查日期和核查结果。"
    assert not ComplianceCheck.objects.exists()


def test_record_compliance_accepts_today_and_refuses_tomorrow(filing, gz_reviewer):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ReviewError) as exc:
        review_services.record_compliance(filing, {ComplianceItem.PENALTIES: _verification(checked_on=tomorrow)},
                                          actor=gz_reviewer)
    assert str(exc.value) == "行政处罚：核查日期不能晚于今天。"
    review_services.record_compliance(filing, {ComplianceItem.PENALTIES: _verification()}, actor=gz_reviewer)
    assert ComplianceCheck.objects.get().checked_on == timezone.localdate()


def test_record_compliance_again_unchanged_writes_nothing_and_a_change_updates_the_same_row(filing, gz_reviewer):
    review_services.record_compliance(filing, {ComplianceItem.PENALTIES: _verification(note="无")}, actor=gz_reviewer)
    other = factories.city_user("广州市", "gz2")
    saved = review_services.record_compliance(filing, {ComplianceItem.PENALTIES: _verification(note=" 无 ")}, actor=other)
    assert [c.checked_by for c in saved] == [gz_reviewer]
    assert len(_review_log(filing)) == 1
    for change in ({"source": ComplianceSource.OTHER}, {"result": ComplianceResult.FOUND},
                   {"checked_on": timezone.localdate() - dt.timedelta(days=1)}, {"note": "另有说明"}):
        review_services.record_compliance(filing, {ComplianceItem.PENALTIES: _verification(**{"note": "无", **change})},
                                          actor=other)
        check = ComplianceCheck.objects.get()
        assert (check.source, check.checked_on, check.result, check.note, check.checked_by) == (
            change.get("source", ComplianceSource.CREDIT_CHINA), change.get("checked_on", timezone.localdate()),
            change.get("result", ComplianceResult.CLEAR), change.get("note", "无"), other)
        review_services.record_compliance(filing, {ComplianceItem.PENALTIES: _verification(note="无")}, actor=other)
    assert len(_review_log(filing)) == 9


# --- the disposition of a declared finding ----------------------------------------------------------------------

def test_record_disposition_saves_who_when_and_the_stripped_note(campaign, gz_unit, gz_reviewer):
    filing = _declared(campaign, gz_unit, penalised=True)
    before = timezone.now()
    returned = review_services.record_disposition(filing, Disposition.NO_ACTION, "  已整改  ", actor=gz_reviewer)
    stored = Filing.objects.get(pk=filing.pk)
    assert (stored.disposition, stored.disposition_note, stored.disposition_by) == (
        Disposition.NO_ACTION, "已整改", gz_reviewer)
    assert before <= stored.disposition_at <= timezone.now()
    assert returned.disposition_note == "已整改"
    assert _review_log(filing) == [("disposition", "submitted", "submitted", gz_reviewer, "无需处理（说明理由） 已整改")]


def test_record_disposition_without_a_note_audits_the_label_alone(campaign, gz_unit, gz_reviewer):
    filing = _declared(campaign, gz_unit, penalised=True)
    review_services.save_proposal(campaign, gz_unit, {"outcome": "keep"}, actor=gz_reviewer)
    review_services.record_disposition(filing, Disposition.PROPOSAL, None, actor=gz_reviewer)
    assert Filing.objects.get(pk=filing.pk).disposition_note == ""
    assert _review_log(filing) == [("disposition", "submitted", "submitted", gz_reviewer, "已提出调整意见")]


def test_record_disposition_refuses_an_unknown_disposition(campaign, gz_unit, gz_reviewer):
    filing = _declared(campaign, gz_unit, penalised=True)
    with pytest.raises(ReviewError) as exc:
        review_services.record_disposition(filing, "shrug", "x", actor=gz_reviewer)
    assert str(exc.value) == "请选择处置方式。"
    assert Filing.objects.get(pk=filing.pk).disposition == ""


def test_record_disposition_refuses_a_filing_with_nothing_to_dispose_of(filing, gz_reviewer):
    with pytest.raises(ReviewError) as exc:
        review_services.record_disposition(filing, Disposition.NO_ACTION, "无", actor=gz_reviewer)
    assert str(exc.value) == "没有需要处置的申报或核查事项。"
    assert Filing.objects.get(pk=filing.pk).disposition == ""


# --- the on-site assessment -------------------------------------------------------------------------------------

def test_save_assessment_plans_then_updates_then_completes_with_an_audit_record_each(filing, gz_reviewer):
    today = timezone.localdate()
    planned = review_services.save_assessment(filing, {"planned_date": today, "team": "市工信局"}, actor=gz_reviewer)
    assert (planned.filing, planned.created_by, planned.team, planned.findings, planned.conclusion,
            planned.completed_on) == (filing, gz_reviewer, "市工信局", "", "", None)
    review_services.save_assessment(filing, {"team": "市工信局、第三方", "findings": None}, actor=gz_reviewer,
                                    assessment=planned)
    assert OnSiteAssessment.objects.values_list("team", "findings").get() == ("市工信局、第三方", "")
    review_services.save_assessment(filing, {"findings": "能耗偏高", "conclusion": "rectify", "completed_on": today},
                                    actor=gz_reviewer, assessment=planned)
    review_services.save_assessment(filing, {"findings": "能耗偏高，已复核"}, actor=gz_reviewer, assessment=planned)
    stored = OnSiteAssessment.objects.get()
    assert (stored.planned_date, stored.team, stored.findings, stored.conclusion, stored.completed_on) == (
        today, "市工信局、第三方", "能耗偏高，已复核", "rectify", today)
    day = f"{today:%Y-%m-%d}"
    assert _review_log(filing) == [
        ("assessment_planned", "submitted", "submitted", gz_reviewer, f"{day} 市工信局"),
        ("assessment_updated", "submitted", "submitted", gz_reviewer, f"{day} 市工信局、第三方"),
        ("assessment_completed", "submitted", "submitted", gz_reviewer, f"{day} 市工信局、第三方 须整改"),
        ("assessment_updated", "submitted", "submitted", gz_reviewer, f"{day} 市工信局、第三方 须整改"),
    ]


def test_save_assessment_completed_at_once_is_audited_as_completed(filing, gz_reviewer):
    today = timezone.localdate()
    review_services.save_assessment(filing, {"planned_date": today, "team": "组", "conclusion": "meets",
                                             "completed_on": today}, actor=gz_reviewer)
    assert [row[0] for row in _review_log(filing)] == ["assessment_completed"]


def test_save_assessment_may_take_back_a_completion(filing, gz_reviewer):
    today = timezone.localdate()
    done = review_services.save_assessment(filing, {"planned_date": today, "team": "组", "conclusion": "meets",
                                                    "completed_on": today}, actor=gz_reviewer)
    review_services.save_assessment(filing, {"conclusion": None, "completed_on": None}, actor=gz_reviewer,
                                    assessment=done)
    stored = OnSiteAssessment.objects.get()
    assert (stored.conclusion, stored.completed_on) == ("", None)
    assert [row[0] for row in _review_log(filing)] == ["assessment_completed", "assessment_updated"]


@pytest.mark.parametrize("data", [{"conclusion": "meets"}, {"completed_on": "today"}])
def test_save_assessment_needs_both_a_conclusion_and_its_date(filing, gz_reviewer, data):
    data = {k: (timezone.localdate() if v == "today" else v) for k, v in data.items()}
    with pytest.raises(ReviewError) as exc:
        review_services.save_assessment(filing, {"planned_date": timezone.localdate(), "team": "组", **data},
                                        actor=gz_reviewer)
    assert str(exc.value) == "完成现场评估须同时填写评估结论和完成日期。"
    assert not OnSiteAssessment.objects.exists()


def test_save_assessment_refuses_another_filings_assessment(filing, campaign, gz_reviewer):
    other = submitted_filing(campaign, factories.UnitFactory(name="另一家工厂"))
    theirs = review_services.save_assessment(other, {"planned_date": timezone.localdate(), "team": "组"},
                                             actor=gz_reviewer)
    with pytest.raises(ReviewError) as exc:
        review_services.save_assessment(filing, {"team": "改"}, actor=gz_reviewer, assessment=theirs)
    assert str(exc.value) == "该现场评估不属于此动态管理表。"
    assert OnSiteAssessment.objects.get().team == "组"


def test_save_assessment_works_on_an_accepted_filing_too(campaign, gz_unit, gz_reviewer):
    filing = submitted_filing(campaign, gz_unit)
    review_services.record_checks(filing, all_compliant(filing), actor=gz_reviewer)
    review_services.accept_filing(filing, actor=gz_reviewer)
    review_services.save_assessment(filing, {"planned_date": timezone.localdate(), "team": "组"}, actor=gz_reviewer)
    assert _review_log(filing)[-1][:3] == ("assessment_planned", "accepted", "accepted")


# --- what stands between a filing and its acceptance ------------------------------------------------------------

def test_acceptance_problems_name_the_unchecked_indicators_in_order(filing, gz_reviewer):
    verdicts = all_compliant(filing)
    for code in ("renewable_share", "floor_area_ratio", "building_density"):
        del verdicts[code]
    review_services.record_checks(filing, verdicts, actor=gz_reviewer)
    assert review_services.acceptance_problems(filing) == [
        "请先核查全部关键指标，尚未核查：可再生能源利用率、容积率、建筑密度。"]


def test_acceptance_problems_name_a_pending_flag_and_a_missing_disposition(campaign, gz_unit, gz_reviewer):
    filing = _declared(campaign, gz_unit, had_accident=True)
    review_services.record_checks(filing, all_compliant(filing), actor=gz_reviewer)
    flag = _flag(filing)
    assert review_services.acceptance_problems(filing) == [
        "请先确认或不认可每一项数据异常标记。",
        "请先处置申报或核查发现的事项（发生安全、质量或环境事故）：报告事故、提出调整意见，或说明无需处理的理由。",
    ]
    review_services.record_flag_verdicts(filing, {flag.pk: (FlagVerdict.REJECTED, "")}, actor=gz_reviewer)
    assert len(review_services.acceptance_problems(filing)) == 1


def test_acceptance_problems_of_a_checked_clean_filing_are_none(filing, gz_reviewer):
    review_services.record_checks(filing, all_compliant(filing), actor=gz_reviewer)
    _flag(filing, verdict=FlagVerdict.CONFIRMED)
    assert review_services.acceptance_problems(filing) == []


# --- return and acceptance ------------------------------------------------------------------------------------

def test_return_filing_keeps_the_reason_clears_the_answer_and_raises_the_version(filing, gz_reviewer):
    Filing.objects.filter(pk=filing.pk).update(return_answer="上次的答复")
    filing = Filing.objects.get(pk=filing.pk)
    version, fingerprint = filing.version, filing.fingerprint()
    review_services.return_filing(filing, "  能耗数据有误  ", actor=gz_reviewer)
    stored = Filing.objects.get(pk=filing.pk)
    assert (stored.state, stored.return_reason, stored.return_answer, stored.returned_fingerprint, stored.version) == (
        FilingState.RETURNED, "能耗数据有误", "", fingerprint, version + 1)
    assert _review_log(filing) == [("return", "submitted", "returned", gz_reviewer, "能耗数据有误")]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_return_filing_needs_a_reason(filing, gz_reviewer, reason):
    with pytest.raises(ReviewError) as exc:
        review_services.return_filing(filing, reason, actor=gz_reviewer)
    assert str(exc.value) == "请填写退回原因，以便企业知道需要修改什么。"
    assert Filing.objects.get(pk=filing.pk).state == FilingState.SUBMITTED


def test_accept_filing_stamps_the_time_raises_the_version_and_tells_greencode(filing, gz_reviewer,
                                                                              django_capture_on_commit_callbacks):
    review_services.record_checks(filing, all_compliant(filing), actor=gz_reviewer)
    received = []

    def listener(sender, filing, **kwargs):
        received.append((sender, filing.pk, filing.state))

    signals.filing_accepted.connect(listener)
    try:
        version, before = Filing.objects.get(pk=filing.pk).version, timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            review_services.accept_filing(filing, actor=gz_reviewer, comment="资料齐全")
    finally:
        signals.filing_accepted.disconnect(listener)
    stored = Filing.objects.get(pk=filing.pk)
    assert (stored.state, stored.version) == (FilingState.ACCEPTED, version + 1)
    assert before <= stored.accepted_at <= timezone.now()
    assert received == [(Filing, filing.pk, FilingState.ACCEPTED)]
    assert _review_log(filing)[-1] == ("accept", "submitted", "accepted", gz_reviewer, "资料齐全")


def test_accept_filing_refuses_with_every_problem_at_once(campaign, gz_unit, gz_reviewer):
    filing = _declared(campaign, gz_unit, had_accident=True)
    _flag(filing)
    with pytest.raises(ReviewError) as exc:
        review_services.accept_filing(filing, actor=gz_reviewer)
    assert str(exc.value) == " ".join(review_services.acceptance_problems(filing))
    assert str(exc.value).count("。") == 3
    assert Filing.objects.get(pk=filing.pk).state == FilingState.SUBMITTED


# --- an unchanged item among changed ones is skipped, the others still saved ------------------------------------

def test_record_checks_saves_the_changed_verdicts_after_an_unchanged_one(filing, gz_reviewer):
    review_services.record_checks(filing, {ENERGY: (CheckVerdict.COMPLIANT, "")}, actor=gz_reviewer)
    saved = review_services.record_checks(filing, {ENERGY: (CheckVerdict.COMPLIANT, ""),
                                                   CO2: (CheckVerdict.NON_COMPLIANT, "超标")}, actor=gz_reviewer)
    assert [(c.code, c.verdict) for c in saved] == [(ENERGY, CheckVerdict.COMPLIANT), (CO2, CheckVerdict.NON_COMPLIANT)]
    assert sorted(IndicatorCheck.objects.values_list("code", "verdict")) == [
        (CO2, CheckVerdict.NON_COMPLIANT), (ENERGY, CheckVerdict.COMPLIANT)]
    assert _review_log(filing)[-1][4] == "单位产值碳排放量：不符合"


def test_record_flag_verdicts_saves_the_changed_verdicts_after_an_unchanged_one(filing, gz_reviewer):
    first, second = _flag(filing), _flag(filing, CO2)
    review_services.record_flag_verdicts(filing, {first.pk: (FlagVerdict.CONFIRMED, "")}, actor=gz_reviewer)
    assert review_services.record_flag_verdicts(filing, {first.pk: (FlagVerdict.CONFIRMED, ""),
                                                         second.pk: (FlagVerdict.REJECTED, "")}, actor=gz_reviewer) == 1
    second.refresh_from_db()
    assert second.verdict == FlagVerdict.REJECTED


def test_record_compliance_saves_the_changed_items_after_an_unchanged_one(filing, gz_reviewer):
    review_services.record_compliance(filing, {ComplianceItem.PENALTIES: _verification()}, actor=gz_reviewer)
    saved = review_services.record_compliance(filing, {
        ComplianceItem.PENALTIES: _verification(), ComplianceItem.RECTIFICATION: _verification(
            source=ComplianceSource.ENERGY_INSPECTION)}, actor=gz_reviewer)
    assert [c.item for c in saved] == [ComplianceItem.PENALTIES, ComplianceItem.RECTIFICATION]
    assert sorted(ComplianceCheck.objects.values_list("item", "source")) == [
        (ComplianceItem.PENALTIES, ComplianceSource.CREDIT_CHINA),
        (ComplianceItem.RECTIFICATION, ComplianceSource.ENERGY_INSPECTION)]


def test_record_disposition_without_a_note_keeps_none(campaign, gz_unit, gz_reviewer):
    filing = _declared(campaign, gz_unit, penalised=True)
    with pytest.raises(ReviewError) as exc:
        review_services.record_disposition(filing, Disposition.NO_ACTION, actor=gz_reviewer)
    assert str(exc.value) == "请说明为何既不报告事故也不提出调整意见。"
    review_services.save_proposal(campaign, gz_unit, {"outcome": "keep"}, actor=gz_reviewer)
    review_services.record_disposition(filing, Disposition.PROPOSAL, actor=gz_reviewer)
    assert Filing.objects.get(pk=filing.pk).disposition_note == ""


# --- the usual case in one action -------------------------------------------------------------------------------

@pytest.fixture
def clean_filing(campaign, gz_unit, gz_reviewer):
    """A submitted filing whose every key indicator has a suggested verdict (last year's accepted values)."""
    review_services.accept_with_suggestions(submitted_filing(open_campaign(2029), gz_unit), actor=gz_reviewer,
                                            overrides=all_compliant(Filing(unit=gz_unit)))
    return submitted_filing(campaign, gz_unit)


def test_accept_with_suggestions_applies_the_overrides_and_the_comment(clean_filing, gz_reviewer):
    review_services.accept_with_suggestions(clean_filing, actor=gz_reviewer, comment="资料齐全",
                                            overrides={CO2: (CheckVerdict.NON_COMPLIANT, "碳排放核算有误")})
    assert clean_filing.checks.get(code=CO2).verdict == CheckVerdict.NON_COMPLIANT
    assert clean_filing.checks.filter(verdict=CheckVerdict.COMPLIANT).count() == 14
    assert _review_log(clean_filing)[-1] == ("accept", "submitted", "accepted", gz_reviewer, "资料齐全")


def test_accept_with_suggestions_without_a_comment_audits_none(clean_filing, gz_reviewer):
    review_services.accept_with_suggestions(clean_filing, actor=gz_reviewer)
    assert _review_log(clean_filing)[-1] == ("accept", "submitted", "accepted", gz_reviewer, "")
    assert Filing.objects.get(pk=clean_filing.pk).state == FilingState.ACCEPTED


# --- the district's first review: its reviewer checks and judges flags where the city reviews through districts ---

@pytest.mark.parametrize("through_districts", [True, False])
def test_a_district_reviewer_checks_and_judges_flags_only_where_the_city_reviews_through_districts(
        campaign, gz_reviewer, through_districts):
    tianhe = factories.district("天河区", "广州市")
    reviewer = factories.district_user("天河区", "th", "广州市")
    filing = submitted_filing(campaign, factories.UnitFactory(city=tianhe.city, district=tianhe))
    flag = _flag(filing)
    if through_districts:
        districts.set_district_review(campaign, tianhe.city, True, actor=gz_reviewer)
    steps = (lambda: review_services.record_checks(filing, {ENERGY: (CheckVerdict.COMPLIANT, "")}, actor=reviewer),
             lambda: review_services.record_flag_verdicts(filing, {flag.pk: (FlagVerdict.CONFIRMED, "")}, actor=reviewer))
    for step in steps:
        if through_districts:
            step()
        else:
            with pytest.raises(Exception) as exc:
                step()
            assert type(exc.value).__name__ == "PermissionDenied"
    expected = [("check", reviewer), ("flag_verdict", reviewer)] if through_districts else []
    assert [(row[0], row[3]) for row in _review_log(filing)] == expected


# --- the queue ----------------------------------------------------------------------------------------------------

def test_next_in_queue_after_the_last_city_wraps_to_the_first_even_past_an_earlier_citys_namesake(campaign, province):
    guangzhou, shenzhen = factories.city("广州市"), factories.city("深圳市")
    last = submitted_filing(campaign, factories.UnitFactory(city=shenzhen, name="工厂X"))
    namesake = submitted_filing(campaign, factories.UnitFactory(city=guangzhou, name="工厂X"))  # a higher pk
    first = submitted_filing(campaign, factories.UnitFactory(city=guangzhou, name="工厂A"))
    assert list(review_services.queue(province, campaign)) == [first, namesake, last]
    assert review_services.next_in_queue(province, last) == first
    assert review_services.next_in_queue(province, first) == namesake



def test_accept_filing_without_a_comment_audits_none(filing, gz_reviewer):
    review_services.record_checks(filing, all_compliant(filing), actor=gz_reviewer)
    review_services.accept_filing(filing, actor=gz_reviewer)
    assert _review_log(filing)[-1] == ("accept", "submitted", "accepted", gz_reviewer, "")


def test_record_checks_again_with_the_same_note_padded_with_spaces_writes_nothing(filing, gz_reviewer):
    """The note is stored stripped, so it is compared stripped (a command or task may pass it unstripped)."""
    review_services.record_checks(filing, {ENERGY: (CheckVerdict.NON_COMPLIANT, " 超标 ")}, actor=gz_reviewer)
    other = factories.city_user("广州市", "gz2")
    review_services.record_checks(filing, {ENERGY: (CheckVerdict.NON_COMPLIANT, " 超标 ")}, actor=other)
    assert IndicatorCheck.objects.values_list("note", "checked_by").get() == ("超标", gz_reviewer.pk)
    assert len(_review_log(filing)) == 1
