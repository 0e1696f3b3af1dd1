"""Bulk where the volume is, in a real browser at 1366 px and 390 px: the province approves 50 proposals in at
most 5 actions (counted), and records one MIIT document against all the proposals of a filter."""

import datetime as dt

import pytest
from django.core.management import call_command

from tests import factories
from tests.browser.conftest import LAPTOP, PHONE, log_in, shot
from tests.reviews import review_helpers as helpers

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
PASSWORD = "Test@2024pass"
N = 50


class Actions:
    """Counts what the officer does: every click, choice, typed field and page opened by address."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def goto(self, url):
        self.count += 1
        self.page.goto(url)

    def click(self, locator, *, navigates=False):
        self.count += 1
        if navigates:
            with self.page.expect_navigation():
                locator.click()
        else:
            locator.click()


def _proposals(campaign, n, state):
    from reviews.enums import Outcome, ProposalState
    from reviews.models import AdjustmentProposal
    from reviews.workflow import create_many

    cities = ["广州市", "深圳市", "佛山市", "东莞市", "中山市"]
    units = [factories.UnitFactory(city=factories.city(cities[i % len(cities)]), name=f"批量审核绿色工厂{state}{i:03d}有限公司")
             for i in range(n)]
    made = create_many([AdjustmentProposal(campaign=campaign, unit=u, outcome=Outcome.KEEP, reason="指标达标")
                        for u in units], "propose", actor=None)
    if state != ProposalState.DRAFT:
        AdjustmentProposal.objects.filter(pk__in=[p.pk for p in made]).update(state=state)
    return AdjustmentProposal.objects.filter(pk__in=[p.pk for p in made])


@pytest.fixture
def volume(transactional_db):
    """50 proposals the cities submitted, and 12 still drafts or already approved, which the filter leaves out."""
    from reviews.enums import ProposalState

    call_command("loaddata", "cities", "industries", verbosity=0)
    campaign = helpers.open_campaign()
    factories.province_user("prov_bulk")
    return {"campaign": campaign, "submitted": _proposals(campaign, N, ProposalState.SUBMITTED),
            "approved": _proposals(campaign, 6, ProposalState.APPROVED),
            "drafts": _proposals(campaign, 6, ProposalState.DRAFT)}


def _fits(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1


@VIEWPORTS
def test_browser_province_approves_50_proposals_in_at_most_5_actions(new_page, volume, viewport):
    from reviews.enums import ProposalState
    from reviews.models import Transition

    width = viewport["width"]
    page = new_page(viewport)
    log_in(page, "prov_bulk", PASSWORD)
    act = Actions(page)

    # 1. The proposal list, filtered to what awaits the province (a saved link or the filter form).
    act.goto(f"/reviews/proposals/?year={volume['campaign'].year}&state=submitted")
    assert page.locator("main table tbody tr").count() == N
    if width < 768:  # stacked cards below md: the name first, the state as a badge
        first = page.locator("main table tbody tr").first
        assert first.locator("td.stack-title").evaluate("el => getComputedStyle(el).display") == "block"
        assert first.locator("td .badge").first.inner_text() == "已报省厅"
        # the column headers are hidden from sight (each card labels its cells) but kept for screen readers
        assert page.locator("main table thead").evaluate("el => el.getBoundingClientRect().height") <= 1
    # 2. Select the whole page.
    act.click(page.locator("#select-page"))
    assert page.locator("[data-bulk-item]:checked").count() == N
    _fits(page, viewport)
    shot(page, f"bulk-selected-{width}")
    # 3. Review what will happen (approve is the first choice).
    act.click(page.locator("#bulk-review"), navigates=True)
    assert page.locator("#bulk-summary").inner_text() == f"同意：{N} 项意见。"
    assert page.locator("#bulk-done li").count() == N
    assert page.locator("#bulk-skipped").count() == 0
    _fits(page, viewport)
    shot(page, f"bulk-confirm-{width}")
    # 4. Confirm.
    act.click(page.locator("#bulk-confirm"), navigates=True)
    assert page.locator("main .alert-success").first.inner_text().strip() == f"已审核 {N} 条调整意见。"
    assert act.count <= 5
    assert act.count == 4

    assert set(volume["submitted"].values_list("state", flat=True)) == {ProposalState.APPROVED}
    assert set(volume["drafts"].values_list("state", flat=True)) == {ProposalState.DRAFT}
    audit = Transition.objects.filter(action="approve", object_id__in=[p.pk for p in volume["submitted"]])
    assert audit.count() == N
    _fits(page, viewport)
    shot(page, f"bulk-approved-{width}")


@VIEWPORTS
def test_browser_province_records_one_miit_document_against_all_matching(new_page, volume, viewport):
    from reviews.models import MiitDocument

    width = viewport["width"]
    page = new_page(viewport)
    log_in(page, "prov_bulk", PASSWORD)
    # 56 proposals are listed on two pages (50 a page); "all matching" reaches past the first page.
    page.goto(f"/reviews/proposals/?year={volume['campaign'].year}&state=approved")
    assert page.locator("main table tbody tr").count() == 6
    page.goto(f"/reviews/proposals/?year={volume['campaign'].year}")
    page.locator("#select-page").click()
    matching = page.locator("#select-matching")
    assert matching.is_visible()
    matching.click()
    assert page.locator("#matching-selected").is_visible()
    page.select_option("#id_action", "miit_confirmed")
    page.fill("#id_number", "工信厅节函〔2024〕189号")
    page.fill("#id_decided_on", (dt.date.today() - dt.timedelta(days=1)).isoformat())
    page.fill("#id_title", "关于绿色制造名单动态调整的通知")
    with page.expect_navigation():
        page.locator("#bulk-review").click()
    # Of all 62, only the 6 approved can take MIIT's decision; the 56 others are listed with the reason.
    assert page.locator("#bulk-done li").count() == 6
    assert page.locator("#bulk-skipped li").count() == 56
    _fits(page, viewport)
    shot(page, f"bulk-miit-confirm-{width}")
    with page.expect_navigation():
        page.locator("#bulk-confirm").click()
    document = MiitDocument.objects.get()
    assert sorted(document.decisions.values_list("proposal_id", flat=True)) == sorted(p.pk for p in volume["approved"])


# --- district first review ------------------------------------------------------------------------------------

@pytest.fixture
def district_world(transactional_db):
    """广州 reviews through districts; a submitted filing in 天河区; its district reviewer and the city bureau."""
    from reviews.services import districts

    call_command("loaddata", "cities", "industries", "districts", verbosity=0)
    campaign = helpers.open_campaign()
    city = factories.city_user("广州市", "gz_bulk")
    districts.set_district_review(campaign, factories.city("广州市"), True, actor=city)
    factories.district_user("天河区", "th_bulk", "广州市")
    unit = factories.UnitFactory(name="浏览器天河绿色工厂有限公司", district=factories.district("天河区", "广州市"))
    return {"campaign": campaign, "unit": unit, "filing": helpers.submitted_filing(campaign, unit)}


@VIEWPORTS
def test_browser_district_checks_proposes_and_sends_then_the_city_confirms(new_page, district_world, viewport):
    from reviews.enums import FilingState, ProposalState
    from reviews.indicators import key_indicators
    from reviews.models import AdjustmentProposal

    width, unit, filing = viewport["width"], district_world["unit"], district_world["filing"]
    year = district_world["campaign"].year
    page = new_page(viewport)
    log_in(page, "th_bulk", PASSWORD)
    assert page.url.endswith("/reviews/district/")
    row = page.locator("main table tbody tr", has_text=unit.name)
    assert row.count() == 1
    _fits(page, viewport)
    shot(page, f"district-home-{width}")

    # The indicator check on the review page.
    with page.expect_navigation():
        row.get_by_role("link", name="核查指标").click()
    for indicator in key_indicators(unit.kind):
        page.check(f"input[name=verdict_{indicator.code}][value=compliant]")
    with page.expect_navigation():
        page.locator(f"form[action='/reviews/review/{filing.pk}/checks/'] button[type=submit]").click()
    assert page.locator("main .alert-success").count() == 1
    assert page.locator(f"form[action='/reviews/review/{filing.pk}/accept/']").count() == 0  # the city accepts

    # The first proposal, then sent to the city.
    page.goto(f"/reviews/district/proposal/{unit.pk}/?year={year}")
    page.check("input[name=outcome][value=keep]")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.locator("main table tbody tr", has_text=unit.name).get_by_role("checkbox").check()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("#district-send-button").click()
    assert page.locator("main .alert-success").first.inner_text().strip() == "已向地市报送 1 项意见。"
    _fits(page, viewport)
    proposal = AdjustmentProposal.objects.get(unit=unit)
    assert proposal.state == ProposalState.DISTRICT_SUBMITTED

    # The city confirms: the filing is accepted and the proposal is the city's draft.
    city_page = new_page(viewport)
    log_in(city_page, "gz_bulk", PASSWORD)
    city_page.goto(f"/reviews/district-work/?year={year}")
    city_page.locator("#select-page").check()
    city_page.once("dialog", lambda dialog: dialog.accept())
    with city_page.expect_navigation():
        city_page.get_by_role("button", name="应用于所选").click()
    _fits(city_page, viewport)
    shot(city_page, f"district-confirmed-{width}")
    proposal.refresh_from_db()
    filing.refresh_from_db()
    assert (proposal.state, filing.state) == (ProposalState.DRAFT, FilingState.ACCEPTED)
