import pytest

from tests.browser.conftest import LAPTOP, PHONE, log_in, shot

pytestmark = pytest.mark.browser


def _no_tofu(page) -> bool:
    """True when a CJK font is present: a Chinese string renders wider than a box-glyph fallback would."""
    return page.evaluate(
        """() => {
            const c = document.createElement('canvas').getContext('2d');
            c.font = '16px sans-serif';
            const cjk = c.measureText('绿色工厂').width;
            const tofu = c.measureText('\\u{10FFFD}\\u{10FFFD}\\u{10FFFD}\\u{10FFFD}').width;
            return document.fonts.check('16px "Noto Sans CJK SC"') && cjk > 0 && cjk !== tofu;
        }"""
    )


def test_browser_province_reads_the_city_statistics_on_laptop_and_phone(new_page, demo_data):
    page = new_page(LAPTOP)
    log_in(page, "province")
    assert page.url.endswith("/province/")
    page.click("text=统计")
    page.wait_for_selector("#city-stats")
    assert page.locator("#city-stats tfoot").inner_text().split() == ["合计", "400", "80", "11"]
    first = page.locator("#city-stats tbody tr").first.inner_text().split()
    assert first == ["1", "广州市", "63", "15", "1"]
    assert _no_tofu(page)
    shot(page, "stats-laptop")

    phone = new_page(PHONE)
    log_in(phone, "province")
    phone.goto("/stats/")
    # The table scrolls inside its own box on a phone; the page itself does not overflow sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert phone.locator("#city-stats tfoot").inner_text().split() == ["合计", "400", "80", "11"]
    shot(phone, "stats-phone")


def test_browser_city_reviewer_sees_only_its_city_and_gets_404_elsewhere(new_page, demo_data):
    from registry.models import Unit

    page = new_page()
    log_in(page, "gz_reviewer")
    page.goto("/units/")
    cities = set(page.locator("table tbody tr td:nth-child(3)").all_inner_texts())
    assert cities == {"广州市"}
    shenzhen = Unit.objects.filter(city__name="深圳市").first()
    response = page.goto(f"/units/{shenzhen.pk}/")
    assert response.status == 404
    assert "页面不存在" in page.content()
    shot(page, "gz-reviewer-404")


def test_browser_public_lookup_and_language_switch(new_page, demo_data):
    page = new_page(PHONE)
    page.goto("/list/")
    page.fill("input[name=q]", "广州")
    page.click("form[role=search] button[type=submit]")
    assert "广州" in page.locator("table tbody tr").first.inner_text()
    page.click(".navbar-toggler")  # on a phone the menu is folded away
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("h1").inner_text() == "Public list of green manufacturing units in Guangdong"
    shot(page, "public-list-phone-en")
