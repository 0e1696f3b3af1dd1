"""The city's review in the usual case (reviews.services.review): accepting the suggestions, notes only where
needed, the queue's order, compliance verification, and the disposition a declared finding needs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from greencode.models import Benchmark
from reviews import rules
from reviews.enums import CheckVerdict, ComplianceItem, ComplianceResult, ComplianceSource, Disposition, FilingState
from reviews.models import Filing, IncidentReport
from reviews.services import filings as filing_services
from reviews.services import incidents as incident_services
from reviews.services import review as review_services
from reviews.services.review import ReviewError
from tests import factories
from tests.conftest import login
from tests.reviews.review_helpers import accepted_filing, open_campaign, submitted_filing, totals


@pytest.fixture
def campaign(db):
    return open_campaign(2030)


@pytest.fixture
def clean_filing(campaign, gz_unit, gz_reviewer):
    """A submitted filing whose every key indicator is within ±50 % of last year's accepted value."""
    accepted_filing(open_campaign(2029), gz_unit, gz_reviewer)
    return submitted_filing(campaign, gz_unit)


# --- notes: only for 不符合 and for overrides -----------------------------------------------------------------

@pytest.mark.parametrize(("verdict", "suggested", "note", "allowed"), [
    (CheckVerdict.COMPLIANT, CheckVerdict.COMPLIANT, "", True),
    (CheckVerdict.COMPLIANT, "", "", True),  # no suggestion: nothing to override
    (CheckVerdict.COMPLIANT, "check", "", True),  # "check" is not a verdict to override
    (CheckVerdict.NON_COMPLIANT, CheckVerdict.NON_COMPLIANT, "", False),  # 不符合 always needs a note
    (CheckVerdict.NON_COMPLIANT, "", " ", False),
    (CheckVerdict.NON_COMPLIANT, "", "超标", True),
    (CheckVerdict.COMPLIANT, CheckVerdict.NON_COMPLIANT, "", False),  # an override
    (CheckVerdict.COMPLIANT, CheckVerdict.NON_COMPLIANT, "已核实计量错误", True),
])
def test_note_given_rule(verdict, suggested, note, allowed):
    assert bool(rules.note_given(verdict, suggested, note)) is allowed


def test_record_checks_refuses_an_override_without_a_note(clean_filing, gz_reviewer):
    Benchmark.objects.create(industry=clean_filing.unit.industry, code="energy_per_output", baseline=15, leading=5)
    with pytest.raises(ReviewError) as exc:
        review_services.record_checks(clean_filing, {"energy_per_output": (CheckVerdict.COMPLIANT, "")}, actor=gz_reviewer)
    assert str(exc.value) == "单位产值综合能耗: 与建议结论不一致，请说明理由。"
    assert not clean_filing.checks.exists()
    review_services.record_checks(clean_filing, {"energy_per_output": (CheckVerdict.COMPLIANT, "计量口径已核实")},
                                  actor=gz_reviewer)
    assert clean_filing.checks.get().verdict == CheckVerdict.COMPLIANT


# --- accept the suggestions -------------------------------------------------------------------------------

def test_accept_suggestions_records_every_suggested_verdict_at_once(clean_filing, gz_reviewer):
    saved = review_services.accept_suggestions(clean_filing, actor=gz_reviewer)
    assert len(saved) == 15
    assert set(clean_filing.checks.values_list("verdict", flat=True)) == {CheckVerdict.COMPLIANT}
    assert review_services.acceptance_problems(clean_filing) == []


def test_accept_suggestions_with_an_override(clean_filing, gz_reviewer):
    review_services.accept_suggestions(clean_filing, actor=gz_reviewer,
                                       overrides={"building_density": (CheckVerdict.NON_COMPLIANT, "建筑密度核实不足")})
    checks = dict(clean_filing.checks.values_list("code", "verdict"))
    assert checks["building_density"] == CheckVerdict.NON_COMPLIANT
    assert sum(1 for v in checks.values() if v == CheckVerdict.COMPLIANT) == 14


def test_accept_suggestions_leaves_indicators_without_a_suggestion_unchecked(campaign, gz_unit, gz_reviewer):
    filing = submitted_filing(campaign, gz_unit)  # new to the portal: no reference at all
    assert review_services.accept_suggestions(filing, actor=gz_reviewer) == []
    with pytest.raises(ReviewError):
        review_services.accept_with_suggestions(filing, actor=gz_reviewer)
    filing.refresh_from_db()
    assert filing.state == FilingState.SUBMITTED


def test_accept_with_suggestions_accepts_a_clean_filing_in_one_call(clean_filing, gz_reviewer):
    review_services.accept_with_suggestions(clean_filing, actor=gz_reviewer)
    clean_filing.refresh_from_db()
    assert clean_filing.state == FilingState.ACCEPTED


def test_next_in_queue_follows_the_review_list_order_and_wraps(campaign, gz_reviewer):
    names = ["乙绿色工厂有限公司", "甲绿色工厂有限公司", "丙绿色工厂有限公司"]
    filings = {name: submitted_filing(campaign, factories.UnitFactory(name=name)) for name in names}
    order = list(review_services.queue(gz_reviewer, campaign).values_list("unit__name", flat=True))
    assert order == sorted(names)
    first, second, third = (filings[n] for n in order)
    assert review_services.next_in_queue(gz_reviewer, first) == second
    assert review_services.next_in_queue(gz_reviewer, third) == first
    review_services.record_checks(first, {}, actor=gz_reviewer)
    for f in (second, third):
        Filing.objects.filter(pk=f.pk).update(state=FilingState.ACCEPTED)  # test set-up only
    assert review_services.next_in_queue(gz_reviewer, first) is None



def test_the_queue_is_this_campaigns_and_orders_by_city_then_name_then_filing(campaign, province):
    from reviews.models import Campaign

    earlier = Campaign.objects.create(year=campaign.year - 1, filing_opens=dt.date(campaign.year - 1, 1, 1),
                                      filing_due=dt.date(campaign.year - 1, 3, 1),
                                      city_review_due=dt.date(campaign.year - 1, 3, 15),
                                      province_report_due=dt.date(campaign.year - 1, 4, 1))
    guangzhou, shenzhen = factories.city("广州市"), factories.city("深圳市")
    assert guangzhou.seed_order < shenzhen.seed_order
    # the same name in both cities and twice in Guangzhou (two listings of one name): the city first, then the
    # name, then the filing
    gz_a1 = submitted_filing(campaign, factories.UnitFactory(name="甲工厂有限公司", city=guangzhou))
    gz_a2 = submitted_filing(campaign, factories.UnitFactory(name="甲工厂有限公司", city=guangzhou))
    gz_b = submitted_filing(campaign, factories.UnitFactory(name="乙工厂有限公司", city=guangzhou))
    sz_a = submitted_filing(campaign, factories.UnitFactory(name="甲工厂有限公司", city=shenzhen))
    sz_d = submitted_filing(campaign, factories.UnitFactory(name="丁工厂有限公司", city=shenzhen))  # sorts first by name
    submitted_filing(earlier, gz_b.unit)  # last year's filing waits in no queue of this year
    order = list(review_services.queue(province, campaign))
    assert order == sorted([gz_a1, gz_a2, gz_b, sz_a, sz_d],
                           key=lambda f: (f.unit.city.seed_order, f.unit.name, f.pk))
    assert order[0].unit.city == guangzhou and min(f.unit.name for f in order) == "丁工厂有限公司"
    steps = [review_services.next_in_queue(province, f) for f in order]
    assert steps == [*order[1:], order[0]]


# --- the declared blocks and the disposition ------------------------------------------------------------

def _declared(campaign, unit, **declared) -> Filing:
    enterprise = factories.enterprise_user(unit)
    filing = filing_services.filing_for(campaign, unit)
    filing_services.save_filing(filing, {**totals(), **declared, "changes_note": "详见说明"}, actor=enterprise)
    return filing_services.submit_filing(filing, actor=enterprise)


def test_a_declared_accident_blocks_acceptance_until_disposed(campaign, gz_unit, gz_reviewer):
    accepted_filing(open_campaign(2029), gz_unit, gz_reviewer)
    filing = _declared(campaign, gz_unit, had_accident=True)
    review_services.accept_suggestions(filing, actor=gz_reviewer)
    problems = review_services.acceptance_problems(filing)
    assert problems == ["请先处置申报或核查发现的事项（发生安全、质量或环境事故）：报告事故、提出调整意见，或说明无需处理的理由。"]
    with pytest.raises(ReviewError):
        review_services.accept_with_suggestions(filing, actor=gz_reviewer)
    assert Filing.objects.get(pk=filing.pk).state == FilingState.SUBMITTED
    assert filing.checks.count() == 15  # the verdicts stay: the reviewer's work is not lost
    # An incident disposition needs the incident report first.
    with pytest.raises(ReviewError) as exc:
        review_services.record_disposition(filing, Disposition.INCIDENT, actor=gz_reviewer)
    assert str(exc.value) == "本年度尚无该单位的事故报告，请先报告事故。"
    incident_services.report_incident(gz_unit, kind="safety", occurred_on=timezone.localdate() - dt.timedelta(days=3),
                                      description="车间火灾", actor=gz_reviewer)
    assert IncidentReport.objects.filter(unit=gz_unit, campaign=campaign).exists()
    review_services.record_disposition(filing, Disposition.INCIDENT, "粤工信事故〔2030〕1号", actor=gz_reviewer)
    filing.refresh_from_db()
    assert review_services.acceptance_problems(filing) == []
    review_services.accept_filing(filing, actor=gz_reviewer)
    assert Filing.objects.get(pk=filing.pk).state == FilingState.ACCEPTED


def test_no_action_disposition_needs_its_reason(campaign, gz_unit, gz_reviewer):
    filing = _declared(campaign, gz_unit, penalised=True)
    with pytest.raises(ReviewError) as exc:
        review_services.record_disposition(filing, Disposition.NO_ACTION, "  ", actor=gz_reviewer)
    assert str(exc.value) == "请说明为何既不报告事故也不提出调整意见。"
    review_services.record_disposition(filing, Disposition.NO_ACTION, "处罚金额小且已整改完毕", actor=gz_reviewer)
    filing.refresh_from_db()
    assert (filing.disposition, filing.disposition_by) == (Disposition.NO_ACTION, gz_reviewer)


def test_a_filing_without_findings_needs_no_disposition(clean_filing, gz_reviewer):
    assert rules.disposition_given(clean_filing)
    with pytest.raises(ReviewError):
        review_services.record_disposition(clean_filing, Disposition.NO_ACTION, "无", actor=gz_reviewer)


def test_a_failed_compliance_verification_needs_a_disposition(clean_filing, gz_reviewer):
    assert rules.disposition_given(clean_filing)
    review_services.record_compliance(clean_filing, {ComplianceItem.JUDGMENT_DEFAULTER: {
        "source": ComplianceSource.CREDIT_CHINA, "checked_on": timezone.localdate(), "result": ComplianceResult.FOUND,
        "note": "列为失信被执行人"}}, actor=gz_reviewer)
    decision = rules.disposition_given(Filing.objects.get(pk=clean_filing.pk))
    assert not decision and "失信被执行人" in str(decision.reason)


def test_a_declared_compliance_answer_needs_a_disposition(campaign, gz_unit, gz_reviewer):
    filing = _declared(campaign, gz_unit, no_discharge_permit=True)
    assert not rules.disposition_given(filing)


def test_record_compliance_refuses_an_incomplete_or_future_verification(clean_filing, gz_reviewer):
    with pytest.raises(ReviewError):
        review_services.record_compliance(clean_filing, {ComplianceItem.ABNORMAL_LIST: {
            "source": ComplianceSource.GSXT, "checked_on": None, "result": ComplianceResult.CLEAR}}, actor=gz_reviewer)
    with pytest.raises(ReviewError):
        review_services.record_compliance(clean_filing, {ComplianceItem.ABNORMAL_LIST: {
            "source": ComplianceSource.GSXT, "checked_on": timezone.localdate() + dt.timedelta(days=1),
            "result": ComplianceResult.CLEAR}}, actor=gz_reviewer)
    assert not clean_filing.compliance_checks.exists()


def test_review_page_shows_a_declared_accident_first(client, campaign, gz_unit, gz_reviewer):
    filing = _declared(campaign, gz_unit, had_accident=True)
    login(client, gz_reviewer)
    html = client.get(reverse("reviews:review_filing", args=[filing.pk])).content.decode()
    main = html[html.index("<main"):]
    assert main.index('id="findings"') < main.index('id="key-indicators"')
    assert 'data-change="had_accident" class="text-danger fw-semibold"' in html


# --- returns that can be answered -----------------------------------------------------------------------

def test_an_unchanged_resubmission_without_an_answer_is_refused(campaign, gz_unit, gz_reviewer):
    enterprise = factories.enterprise_user(gz_unit)
    filing = submitted_filing(campaign, gz_unit, enterprise)
    review_services.return_filing(filing, "能耗数据与统计局口径不一致", actor=gz_reviewer)
    filing = Filing.objects.get(pk=filing.pk)
    with pytest.raises(filing_services.FilingInvalid) as exc:
        filing_services.submit_filing(filing, actor=enterprise)
    assert [p.field for p in exc.value.problems] == ["return_answer"]
    filing_services.save_filing(filing, {"return_answer": "已与统计局核对，口径一致，附说明。"}, actor=enterprise)
    filing_services.submit_filing(filing, actor=enterprise)
    assert Filing.objects.get(pk=filing.pk).state == FilingState.SUBMITTED


def test_a_changed_resubmission_needs_no_answer(campaign, gz_unit, gz_reviewer):
    enterprise = factories.enterprise_user(gz_unit)
    filing = submitted_filing(campaign, gz_unit, enterprise)
    review_services.return_filing(filing, "能耗偏高", actor=gz_reviewer)
    filing = Filing.objects.get(pk=filing.pk)
    filing_services.save_filing(filing, {"energy_tce": Decimal("190")}, actor=enterprise)
    filing_services.submit_filing(filing, actor=enterprise)
    assert Filing.objects.get(pk=filing.pk).state == FilingState.SUBMITTED


def test_both_sides_see_the_same_correct_history(client, campaign, gz_unit, gz_reviewer):
    enterprise = factories.enterprise_user(gz_unit)
    filing = submitted_filing(campaign, gz_unit, enterprise)
    review_services.return_filing(filing, "请补充说明", actor=gz_reviewer)
    filing = Filing.objects.get(pk=filing.pk)
    filing_services.save_filing(filing, {"return_answer": "已补充"}, actor=enterprise)
    filing_services.submit_filing(filing, actor=enterprise)
    login(client, enterprise)
    mine = [(r["from"], r["to"]) for r in client.get(reverse("reviews:filing_detail", args=[filing.pk])).context["history"]]
    login(client, gz_reviewer)
    theirs = [(r["from"], r["to"]) for r in client.get(reverse("reviews:review_filing", args=[filing.pk])).context["history"]]
    # newest first; never a proposal's states (已报省厅, 已退回地市) on a filing
    assert mine == theirs == [("已退回修改", "已提交"), ("已提交", "已退回修改"), ("草稿", "已提交"), ("", "草稿")]
