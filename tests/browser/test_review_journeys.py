"""The review workflow in a real browser: a city reviewer takes a filing through to the city's package, and the
provincial officer decides proposals in bulk, downloads the adjustment summary and reads the progress bars."""

import datetime as dt

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone

from tests import factories
from tests.browser.conftest import LAPTOP, PHONE, log_in, shot
from tests.reviews import review_helpers as helpers

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
PASSWORD = "Test@2024pass"
UNIT_NAME = "浏览器审核绿色工厂有限公司"
FAILED_CODE = "water_reuse_rate"  # 工业用水重复利用率: the one indicator the reviewer finds non-compliant


def _fits(page, viewport) -> None:
    """The page never scrolls sideways (wide tables scroll inside their own .table-responsive box)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1


def _nav(page, viewport, label: str) -> None:
    """Follow a main-menu link as a person would: on a phone the menu is folded away behind the toggler."""
    if viewport["width"] < 1200:  # the menu expands at Bootstrap's xl breakpoint
        page.click(".navbar-toggler")
    _go(page, page.locator("#mainnav a.nav-link", has_text=label).first)


def _go(page, target) -> None:
    """Click a link or a submit button and wait for the page it leads to (even when that is the same URL)."""
    with page.expect_navigation():
        target.click()


def _alert(page, kind: str) -> str:
    return page.locator(f"main .alert-{kind}").first.inner_text()


# --- data ----------------------------------------------------------------------------------------------------

@pytest.fixture
def city_world(transactional_db):
    """An open campaign; a 广州 reviewer; two submitted 广州 filings (the reviewer opens one of them)."""
    call_command("loaddata", "cities", "industries", verbosity=0)
    campaign = helpers.open_campaign()
    reviewer = factories.city_user("广州市", "gz_browser")
    unit = factories.UnitFactory(name=UNIT_NAME)
    other = factories.UnitFactory(name="浏览器另一家绿色工厂有限公司")
    filing = helpers.submitted_filing(campaign, unit)
    helpers.submitted_filing(campaign, other)
    return {"campaign": campaign, "reviewer": reviewer, "unit": unit, "other": other, "filing": filing}


@pytest.fixture
def province_world(transactional_db):
    """Four submitted proposals from three cities' packages, made through the real services."""
    from reviews.enums import Outcome, RemoveReason
    from reviews.services import review as review_services

    call_command("loaddata", "cities", "industries", verbosity=0)
    campaign = helpers.open_campaign()
    factories.province_user("prov_browser")
    reviewers = {name: factories.city_user(name) for name in ("广州市", "深圳市", "佛山市")}
    today = timezone.localdate()
    plan = [
        ("广州市", "浏览器更名绿色工厂有限公司", {"outcome": Outcome.RENAME, "new_name": "浏览器新名绿色工厂有限公司",
                                                 "reason": "企业已办理工商变更登记"}),
        ("广州市", "浏览器整改绿色工厂有限公司", {"outcome": Outcome.RECTIFY, "rectify_due": today + dt.timedelta(days=90),
                                                 "reason": "固废利用率偏低"}),
        ("深圳市", "浏览器移出绿色工厂有限公司", {"outcome": Outcome.REMOVE, "remove_reason": RemoveReason.FAILED_INDICATORS,
                                                 "reason": "多项关键指标不达标"}),
        ("佛山市", "浏览器保留绿色工厂有限公司", {"outcome": Outcome.KEEP, "reason": ""}),
    ]
    proposals = {}
    for city_name, unit_name, data in plan:
        unit = factories.UnitFactory(name=unit_name, city=factories.city(city_name))
        helpers.accepted_filing(campaign, unit, reviewers[city_name])
        proposals[unit_name] = review_services.save_proposal(campaign, unit, data, actor=reviewers[city_name])
    for city_name, reviewer in reviewers.items():
        review_services.submit_package(campaign, factories.city(city_name), actor=reviewer, note="请省厅审核")
    return {"campaign": campaign, "proposals": proposals}


# --- 1. the city reviewer ----------------------------------------------------------------------------------------

@VIEWPORTS
def test_browser_city_reviewer_checks_assesses_proposes_removal_and_submits_the_package(new_page, city_world, viewport):
    from reviews.enums import AssessmentConclusion, CheckVerdict, FilingState, Outcome, ProposalState, RemoveReason
    from reviews.indicators import key_indicators
    from reviews.models import AdjustmentProposal, CityPackage, Filing

    width = viewport["width"]
    unit, filing = city_world["unit"], city_world["filing"]
    page = new_page(viewport)
    log_in(page, "gz_browser", PASSWORD)

    # The dashboard lists both filings waiting for review.
    assert page.url.endswith("/reviews/city/")
    todo = page.locator(".card.border-primary").first.inner_text()
    assert "待审核的动态管理表" in todo and UNIT_NAME in todo and city_world["other"].name in todo
    _fits(page, viewport)
    shot(page, f"review-city-dashboard-{width}")

    # The review list, through the menu, then the filing by its name.
    _nav(page, viewport, "待审核动态管理表")
    assert "/reviews/review/" in page.url
    rows = page.locator("main table tbody tr")
    assert rows.count() == 2
    _fits(page, viewport)
    _go(page, page.get_by_role("link", name=UNIT_NAME))
    page.wait_for_url(f"**/reviews/review/{filing.pk}/")
    assert page.locator("#filing-state").inner_text() == "已提交"
    assert page.locator("h1").inner_text() == UNIT_NAME

    # Every key indicator marked; one non-compliant with a note.
    codes = [i.code for i in key_indicators(unit.kind)]
    for code in codes:
        verdict = "non_compliant" if code == FAILED_CODE else "compliant"
        page.check(f"input[name=verdict_{code}][value={verdict}]")
    page.fill(f"input[name=note_{FAILED_CODE}]", "重复利用率低于行业基准值")
    _go(page, page.locator(f"form[action='/reviews/review/{filing.pk}/checks/'] button[type=submit]"))
    page.wait_for_url(f"**/reviews/review/{filing.pk}/")
    assert "指标核查结果已保存" in _alert(page, "success")
    failed_row = page.locator("tr.table-danger")
    assert failed_row.count() == 1 and "工业用水重复利用率" in failed_row.inner_text()
    # The page says an on-site assessment comes before any proposal.
    assert "须完成现场评估后才能提出调整意见" in page.locator("#assessments .alert-warning").inner_text()
    # Every step is on the filing's audit trail, which keeps readable columns (it scrolls in its box on a phone).
    history = page.locator(".history-list")
    assert "gz_browser" in history.inner_text()
    assert history.evaluate("el => el.getBoundingClientRect().width") >= 600
    _fits(page, viewport)
    shot(page, f"review-checked-{width}")

    # Trying to propose anyway: the form says so at the top, and saving is refused with the reason.
    _go(page, page.get_by_role("link", name="提出调整意见"))
    page.wait_for_url("**/reviews/proposals/new/*/**")
    assert "须先完成现场评估（填写评估结论和完成日期），才能提出调整意见" in _alert(page, "warning")
    page.get_by_label("移出名单").check()
    page.select_option("select[name=remove_reason]", RemoveReason.FAILED_INDICATORS)
    page.fill("textarea[name=reason]", "工业用水重复利用率不达标")
    _go(page, page.get_by_role("button", name="保存调整意见"))
    assert "须先完成现场评估（填写评估结论和完成日期）" in page.locator("main form").inner_text()
    assert not AdjustmentProposal.objects.filter(unit=unit).exists()
    _fits(page, viewport)
    shot(page, f"review-proposal-blocked-{width}")

    # The on-site assessment, from the link in the warning.
    _go(page, page.locator("main .alert-warning a[href*='#assessments']"))
    page.wait_for_url(f"**/reviews/review/{filing.pk}/#assessments")
    page.locator("#assessments summary").click()
    today = timezone.localdate()
    planned, completed = today - dt.timedelta(days=6), today - dt.timedelta(days=1)
    page.fill("#id_planned_date", planned.isoformat())
    page.fill("#id_team", "广州市工信局 张工、李工；第三方评价机构 王工")
    page.fill("#id_findings", "现场核实：中水回用设施停运半年，工业用水重复利用率未达到行业基准值。")
    page.select_option("#id_conclusion", AssessmentConclusion.FAILS)
    page.fill("#id_completed_on", completed.isoformat())
    _go(page, page.locator(f"form[action='/reviews/review/{filing.pk}/assessments/new/'] button[type=submit]"))
    page.wait_for_url(f"**/reviews/review/{filing.pk}/")
    assert "现场评估已保存" in _alert(page, "success")
    assessment_row = page.locator("#assessments tbody tr").first.inner_text()
    assert "不符合要求" in assessment_row and completed.isoformat() in assessment_row
    assert page.locator("#assessments .alert-warning").count() == 0
    _fits(page, viewport)
    shot(page, f"review-assessed-{width}")

    # Now the removal can be proposed.
    _go(page, page.get_by_role("link", name="提出调整意见"))
    page.wait_for_url("**/reviews/proposals/new/*/**")
    assert page.locator("main .alert-warning").count() == 0
    page.get_by_label("移出名单").check()
    page.select_option("select[name=remove_reason]", RemoveReason.FAILED_INDICATORS)
    page.fill("textarea[name=reason]", "工业用水重复利用率不达标，现场评估结论为不符合要求")
    _go(page, page.get_by_role("button", name="保存调整意见"))
    page.wait_for_url("**/reviews/proposals/*/")
    assert "调整意见已保存为草稿" in _alert(page, "success")
    assert page.locator("#proposal-state").inner_text() == "草稿"
    proposal_text = page.locator("main .row .card").first.inner_text()
    assert "移出名单" in proposal_text and "关键指标不符合要求" in proposal_text
    _fits(page, viewport)
    shot(page, f"review-proposal-draft-{width}")

    # The city's package.
    _go(page, page.get_by_role("link", name="报送调整意见"))
    page.wait_for_url("**/reviews/package/**")
    assert UNIT_NAME in page.locator("main table").inner_text()
    # The package check names what is still open: both filings are unreviewed, the other one has no proposal.
    check = page.locator("#package-check").inner_text()
    assert "未审核的动态管理表: 2 份" in check and "无调整意见的单位: 1 家 浏览器另一家绿色工厂有限公司" in check
    page.fill("textarea[name=note]", "广州市本年度动态管理调整意见")
    page.fill("textarea[name=reason]", "另一家企业尚在审核，审核后补报")
    page.check("input[name=confirm]")
    _fits(page, viewport)
    shot(page, f"review-package-{width}")
    _go(page, page.get_by_role("button", name="报送省厅"))
    page.wait_for_url("**/reviews/city/")
    assert "调整意见已报送省厅" in _alert(page, "success")
    gz_row = page.locator(".progress-table tbody tr", has_text="广州市")
    assert "已提交" in gz_row.inner_text()
    _fits(page, viewport)
    shot(page, f"review-package-submitted-{width}")

    # The database holds what the person did.
    filing = Filing.objects.get(pk=filing.pk)
    assert filing.state == FilingState.SUBMITTED
    checks = {c.code: c for c in filing.checks.all()}
    assert set(checks) == set(codes)
    assert [c for c, check in checks.items() if check.verdict == CheckVerdict.NON_COMPLIANT] == [FAILED_CODE]
    assert checks[FAILED_CODE].note == "重复利用率低于行业基准值"
    assert all(check.checked_by == city_world["reviewer"] for check in checks.values())
    (assessment,) = filing.assessments.all()
    assert (assessment.planned_date, assessment.completed_on) == (planned, completed)
    assert assessment.conclusion == AssessmentConclusion.FAILS and assessment.is_complete
    proposal = AdjustmentProposal.objects.get(campaign=city_world["campaign"], unit=unit)
    assert (proposal.outcome, proposal.remove_reason) == (Outcome.REMOVE, RemoveReason.FAILED_INDICATORS)
    assert proposal.state == ProposalState.SUBMITTED and not proposal.is_late
    package = CityPackage.objects.get(campaign=city_world["campaign"], city=unit.city)
    assert proposal.package == package and package.submitted_by == city_world["reviewer"]
    assert package.note == "广州市本年度动态管理调整意见" and not package.is_late
    assert package.open_items_reason == "另一家企业尚在审核，审核后补报"
    assert not AdjustmentProposal.objects.filter(unit=city_world["other"]).exists()


# --- 2. the provincial officer -----------------------------------------------------------------------------------

@VIEWPORTS
def test_browser_province_approves_in_bulk_downloads_the_summary_and_reads_the_progress(
        new_page, province_world, viewport, tmp_path):
    from reviews.enums import ProposalState
    from reviews.exports import ADJUSTMENT_HEADERS

    width = viewport["width"]
    proposals = province_world["proposals"]
    chosen = ["浏览器更名绿色工厂有限公司", "浏览器移出绿色工厂有限公司", "浏览器保留绿色工厂有限公司"]
    left = "浏览器整改绿色工厂有限公司"
    page = new_page(viewport)
    log_in(page, "prov_browser", PASSWORD)
    assert page.url.endswith("/reviews/province/")

    # The proposal list, through the menu; three of the four submitted proposals ticked.
    _nav(page, viewport, "动态调整意见")
    assert "/reviews/proposals/" in page.url
    assert page.locator("main table tbody tr").count() == 4
    for name in chosen:
        page.get_by_role("checkbox", name=name).check()
    page.select_option("#id_action", "approve")
    page.fill("#id_comment", "同意市局意见，报工业和信息化部")
    _fits(page, viewport)
    shot(page, f"proposals-selected-{width}")
    # One confirmation page says what will happen to whom, then one click does it.
    _go(page, page.locator("#bulk-review"))
    assert page.locator("#bulk-done li").count() == 3
    _go(page, page.locator("#bulk-confirm"))
    assert "已审核 3 条调整意见" in _alert(page, "success")
    for name in chosen:
        row = page.locator("main table tbody tr", has_text=name)
        assert "省厅已同意" in row.inner_text()
    left_row = page.locator("main table tbody tr", has_text=left)
    assert "已报省厅" in left_row.inner_text()
    _fits(page, viewport)
    shot(page, f"proposals-approved-{width}")

    for name, proposal in proposals.items():
        proposal.refresh_from_db()
        if name in chosen:
            assert proposal.state == ProposalState.APPROVED
            assert proposal.decision_comment == "同意市局意见，报工业和信息化部"
            assert proposal.decided_by.username == "prov_browser"
        else:
            assert proposal.state == ProposalState.SUBMITTED and proposal.decided_at is None

    # The adjustment summary: approved adjustments only (keeping a unit is no adjustment).
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载动态调整汇总表（.xlsx）").click()
    download = download_info.value
    assert download.suggested_filename == f"adjustments-{province_world['campaign'].year}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "序号")
    assert list(rows[header]) == ADJUSTMENT_HEADERS == [
        "序号", "城市", "单位名称", "统一社会信用代码", "类型", "级别", "批次", "调整类型", "原名称", "新名称", "原因"]
    data = [row for row in rows[header + 1:] if any(v not in (None, "") for v in row)]
    assert [(row[1], row[2]) for row in data] == [("广州市", "浏览器更名绿色工厂有限公司"), ("深圳市", "浏览器移出绿色工厂有限公司")]
    assert data[0][8:10] == ("浏览器更名绿色工厂有限公司", "浏览器新名绿色工厂有限公司")
    assert data[1][7] == "移出名单" and data[1][10].startswith("关键指标不符合要求")

    # The province dashboard, through the menu: the progress of every city, with bars.
    _nav(page, viewport, "省厅")
    assert page.url.endswith("/reviews/province/")
    table = page.locator(".progress-table")
    assert table.is_visible()
    assert "广州市" in table.inner_text() and "深圳市" in table.inner_text()
    bars = table.locator(".progress-bar")
    assert bars.count() >= 1
    full = table.locator(".progress-bar[style*='width: 100%']")
    assert full.count() >= 1
    assert page.evaluate("el => el.getBoundingClientRect().width", full.first.element_handle()) > 0
    gz_row = table.locator("tbody tr", has_text="广州市")
    assert "2/2" in gz_row.inner_text()
    _fits(page, viewport)
    shot(page, f"province-dashboard-{width}")
