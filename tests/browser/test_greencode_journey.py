"""The enterprise green code in a real browser: the enterprise finds its grade and positions through the menu,
applies for its code, sees the number and the QR code and opens the printable certificate; a verifier with no
account follows the QR's link (valid, masked credit code, no indicator data) and then a forged link (not genuine)."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests import factories
from tests.browser.conftest import LAPTOP, PHONE, log_in, shot
from tests.greencode.conftest import campaign, factory

pytestmark = pytest.mark.browser

PASSWORD = "Test@2024pass"
UNIT_NAME = "浏览器绿码测试工厂有限公司"
INDICATOR_LABEL = "单位产值综合能耗"  # energy_per_output: scored, and never shown to a verifier


def _fits(page, viewport) -> None:
    """The page never scrolls sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1


def _go(page, target) -> None:
    with page.expect_navigation():
        target.click()


def _nav(page, viewport, label: str) -> None:
    """Follow a main-menu link; on a phone the menu is folded away behind the toggler (expands at xl)."""
    if viewport["width"] < 1200:
        page.click(".navbar-toggler")
    _go(page, page.locator("#mainnav a.nav-link", has_text=label).first)


@pytest.fixture
def cohort(transactional_db, live_server, settings):
    """This year's campaign (so an issued code is valid today), 12 green factories with accepted filings in two
    industries, scored; the third best (second of five in division 38: grade A, top 25 % in the province, top 40 %
    in its industry) belongs to the enterprise user `ent_greencode`."""
    from greencode.services import scoring

    cache.clear()  # the public verification page is rate limited per address
    settings.PORTAL_BASE_URL = live_server.url  # the QR links point at the portal's configured address
    year = timezone.localdate().year
    campaign(year)
    assert scoring.valid_until(year) >= timezone.localdate()  # the code issued below is current
    units = []
    for i in range(12):
        industry = "38" if i in (1, 2, 5, 8, 11) else "39"
        kwargs = {"name": UNIT_NAME} if i == 2 else {}
        units.append(factory({"energy_per_output": 40 + 5 * i, "co2_per_output": 90 + 7 * i},
                             industry=industry, year=year, **kwargs))
    unit = units[2]
    user = factories.UserFactory(username="ent_greencode")
    factories.Membership.objects.create(user=user, scope="unit", unit=unit)
    scoring.run_cohort(year, "national")
    return {"year": year, "unit": unit}


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_browser_enterprise_applies_for_its_green_code_and_a_verifier_checks_it(
        new_page, cohort, viewport):
    from greencode.enums import CodeStatus
    from greencode.models import GreenCode, Score
    from greencode.services import codes

    width, year, unit = viewport["width"], cohort["year"], cohort["unit"]
    score = Score.objects.get(unit=unit, run__year=year)
    assert (score.grade, score.position, score.industry_position, score.reason) == ("A", 25, 40, "")

    page = new_page(viewport)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, "ent_greencode", PASSWORD)

    # Through the menu to 我的绿码, then the factory's code page.
    _nav(page, viewport, "我的绿码")
    assert page.url.endswith("/code/")
    card = page.locator("main .card", has_text=UNIT_NAME)
    assert score.grade in card.inner_text()
    _fits(page, viewport)
    _go(page, card.get_by_role("link", name="查看绿码"))
    page.wait_for_url(f"**/code/unit/{unit.pk}/")
    assert page.locator("h1").inner_text() == UNIT_NAME
    main = page.locator("main").inner_text()
    assert score.grade in page.locator(".display-4").inner_text()
    assert f"全省绿色工厂前 {score.position}%" in main
    assert f"行业内前 {score.industry_position}%" in main
    assert INDICATOR_LABEL in main  # the enterprise sees its own sub-scores
    assert not GreenCode.objects.filter(unit=unit).exists()

    # 申领: the code number, its status and the QR code.
    _go(page, page.get_by_role("button", name=f"申领 {year} 年度绿码"))
    page.wait_for_url(f"**/code/unit/{unit.pk}/?year={year}")
    code = GreenCode.objects.get(unit=unit, year=year)
    assert codes.status_of(code) == CodeStatus.VALID and code.grade == score.grade
    assert code.number.startswith(f"GD-{year}-N") and codes.number_is_well_formed(code.number)
    assert f"您的绿码 {code.number} 已发放" in page.locator("main .alert-success").first.inner_text()
    code_card = page.locator("main .card", has_text="绿码编号")
    assert code.number in code_card.inner_text() and "有效" in code_card.inner_text()
    qr = code_card.locator(".qr svg")
    assert qr.count() == 1 and qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 100 and box["height"] >= 100
    verify_link = code_card.locator("a[href*='/code/v/']")
    verify_url = verify_link.get_attribute("href")
    assert verify_link.inner_text() == verify_url  # the link the QR encodes is shown as text too
    _fits(page, viewport)
    shot(page, f"greencode-code-page-{width}")

    # The printable certificate.
    _go(page, page.get_by_role("link", name="打印证书"))
    page.wait_for_url(f"**/code/{code.pk}/certificate/")
    certificate = page.locator("main .border-success").inner_text()
    assert UNIT_NAME in certificate and code.number in certificate
    assert page.locator("main .border-success strong").inner_text() == code.grade
    assert page.locator("main .border-success svg").is_visible()
    _fits(page, viewport)
    shot(page, f"greencode-certificate-{width}")

    # A verifier with no account scans the QR: valid, masked credit code, no indicator data.
    verifier = new_page(viewport)
    verifier.goto(verify_url)
    card = verifier.locator("main .card.border-success")
    assert card.locator(".badge.text-bg-success").inner_text() == "有效"
    text = card.inner_text()
    assert UNIT_NAME in text and code.number in text and code.grade in text
    assert unit.masked_credit_code in text and unit.credit_code not in verifier.content()
    assert INDICATOR_LABEL not in verifier.locator("body").inner_text()
    assert verifier.locator("header form[action*='logout']").count() == 0  # really nobody is logged in here
    _fits(verifier, viewport)
    shot(verifier, f"greencode-verify-valid-{width}")

    # The same link with one character of the token changed: plainly not genuine, and no unit is named.
    prefix, token = verify_url.rstrip("/").rsplit("/", 1)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    verifier.goto(f"{prefix}/{forged}/")
    alert = verifier.locator("main .alert-danger").inner_text()
    assert "该核验链接不是真实的" in alert and "伪造" in alert
    body = verifier.locator("body").inner_text()
    assert UNIT_NAME not in body and code.number not in body
    assert verifier.locator(".badge.text-bg-success").count() == 0
    _fits(verifier, viewport)
    shot(verifier, f"greencode-verify-invalid-{width}")
