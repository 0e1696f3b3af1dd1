"""A city reviewer clears a queue of 20 clean filings, at most 3 actions each (clicks and keys counted), at
1366 px and 390 px; every input of the review page has a label, and the usual action is reachable by keyboard."""

import pytest
from django.core.management import call_command

from tests import factories
from tests.browser.conftest import LAPTOP, PHONE, log_in, shot
from tests.reviews import review_helpers as helpers

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
PASSWORD = "Test@2024pass"
QUEUE = 20
MAX_ACTIONS = 3

# Inputs a screen reader cannot name: no <label for>, no wrapping <label>, no aria-label(ledby).
UNLABELLED = """() => Array.from(document.querySelectorAll('main input:not([type=hidden]), main select, main textarea'))
  .filter(el => !(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.closest('label')
                  || (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]'))))
  .map(el => el.name || el.id)"""


@pytest.fixture
def queue_world(transactional_db):
    """Twenty 广州 factories, each with last year's accepted filing and this year's clean submitted one."""
    call_command("loaddata", "cities", "industries", verbosity=0)
    campaign = helpers.open_campaign()
    last_year = helpers.open_campaign(campaign.year - 1)
    reviewer = factories.city_user("广州市", "gz_queue")
    units = []
    for i in range(QUEUE):
        unit = factories.UnitFactory(name=f"队列绿色工厂{i:02d}有限公司")
        helpers.accepted_filing(last_year, unit, reviewer)
        helpers.submitted_filing(campaign, unit)
        units.append(unit)
    return {"campaign": campaign, "reviewer": reviewer, "units": units}


class Counter:
    """Counts what the person does: clicks, key presses, and the confirmation they answer."""

    def __init__(self, page):
        self.page, self.n = page, 0
        page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.n += 1  # answering "OK" is one action (a click or Enter)
        dialog.accept()

    def click(self, locator):
        self.n += 1
        with self.page.expect_navigation():
            locator.click()


@VIEWPORTS
def test_browser_city_reviewer_clears_a_queue_of_20_clean_filings(new_page, queue_world, viewport):
    from reviews.enums import CheckVerdict, FilingState
    from reviews.models import Filing, IndicatorCheck

    width = viewport["width"]
    page = new_page(viewport)
    log_in(page, "gz_queue", PASSWORD)
    page.goto(f"/reviews/review/?year={queue_world['campaign'].year}")
    assert page.locator("main table tbody tr").count() == QUEUE
    counter = Counter(page)

    per_filing = []
    # The first filing is opened from the list (one click, counted for it).
    counter.click(page.get_by_role("link", name="队列绿色工厂00有限公司"))
    for i in range(QUEUE):
        assert page.locator("h1").inner_text() == f"队列绿色工厂{i:02d}有限公司"
        if i == 0:
            # Every input has a label; every verdict starts at its suggestion (符合); the usual action is a button.
            assert page.evaluate(UNLABELLED) == []
            suggested = page.locator("#key-indicators td[data-suggestion=compliant]")
            assert suggested.count() == 15
            assert page.locator("#key-indicators input[type=radio][value=compliant]:checked").count() == 15
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
            shot(page, f"review-queue-first-{width}")
        counter.click(page.locator("#accept-next"))
        per_filing.append(counter.n)
        counter.n = 0
        if i < QUEUE - 1:
            assert f"队列中还有 {QUEUE - 1 - i} 份待审核" in page.locator("main .alert-success").inner_text()
    assert "待审核队列已清空" in page.locator("main .alert-success").inner_text()
    shot(page, f"review-queue-empty-{width}")

    print(f"actions per filing at {width}px: {per_filing}")
    assert max(per_filing) <= MAX_ACTIONS
    assert per_filing == [3] + [2] * (QUEUE - 1)
    filings = Filing.objects.filter(campaign=queue_world["campaign"])
    assert set(filings.values_list("state", flat=True)) == {FilingState.ACCEPTED}
    checks = IndicatorCheck.objects.filter(filing__in=filings)
    assert checks.count() == QUEUE * 15
    assert set(checks.values_list("verdict", flat=True)) == {CheckVerdict.COMPLIANT}


def test_browser_the_usual_action_works_by_keyboard(new_page, queue_world):
    """Tab reaches the verdicts and "Accept and next"; Space changes a verdict; Enter accepts."""
    from reviews.models import Filing

    page = new_page(LAPTOP)
    log_in(page, "gz_queue", PASSWORD)
    first = Filing.objects.get(unit=queue_world["units"][0], campaign=queue_world["campaign"])
    page.goto(f"/reviews/review/{first.pk}/")
    page.on("dialog", lambda dialog: dialog.accept())
    reached = []
    for _ in range(400):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id || document.activeElement.name || ''")
        reached.append(focused)
        if focused == "accept-next":
            break
    assert reached[-1] == "accept-next"
    assert any(name.startswith("id_verdict_energy_per_output") for name in reached)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first.refresh_from_db()
    assert first.state == "accepted"
    assert page.locator("h1").inner_text() == "队列绿色工厂01有限公司"


@VIEWPORTS
def test_browser_a_declared_accident_stands_first_and_blocks_acceptance_until_disposed(new_page, queue_world, viewport):
    from reviews.enums import Disposition, FilingState
    from reviews.models import Filing

    filing = Filing.objects.get(unit=queue_world["units"][3], campaign=queue_world["campaign"])
    Filing.objects.filter(pk=filing.pk).update(had_accident=True, changes_note="车间火灾，无人员伤亡")  # as declared
    width = viewport["width"]
    page = new_page(viewport)
    log_in(page, "gz_queue", PASSWORD)
    page.goto(f"/reviews/review/{filing.pk}/")
    # The finding is the first thing under the title, before the indicators.
    first_card = page.locator("main .alert, main .card").first
    assert first_card.get_attribute("id") == "findings"
    assert "发生安全、质量或环境事故" in first_card.inner_text()
    assert page.locator("#changes-block li[data-change=had_accident]").inner_text().startswith("✔ 发生安全、质量或环境事故")
    assert page.evaluate(UNLABELLED) == []
    shot(page, f"review-accident-{width}")

    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("#accept-next").click()
    assert page.locator("main .alert-dismissible.alert-danger").inner_text().strip() == (
        "请先处置申报或核查发现的事项（发生安全、质量或环境事故）：报告事故、提出调整意见，或说明无需处理的理由。")
    assert Filing.objects.get(pk=filing.pk).state == FilingState.SUBMITTED

    page.get_by_label("无需处理（说明理由）").check()
    page.fill("#findings textarea[name=note]", "一般事故，已由应急管理部门结案，不属于重大事故")
    with page.expect_navigation():
        page.get_by_role("button", name="记录处置").click()
    assert "处置已记录" in page.locator("main .alert-success").inner_text()
    assert "无需处理（说明理由）" in page.locator("#disposition").inner_text()
    with page.expect_navigation():
        page.locator("#accept-next").click()
    filing.refresh_from_db()
    assert (filing.state, filing.disposition) == (FilingState.ACCEPTED, Disposition.NO_ACTION)
