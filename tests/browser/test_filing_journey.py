"""An enterprise fills its 2024 filing in the browser, meets a field error, fixes it and submits."""

import datetime as dt

import pytest
from django.core.management import call_command

from tests import factories
from tests.browser.conftest import LAPTOP, PHONE, log_in, shot

pytestmark = pytest.mark.browser

VALUES = {
    "months_reported": "12", "output_value": "10000", "product_name": "电路板", "product_unit": "件",
    "product_output": "50000", "energy_tce": "200", "renewable_energy_tce": "20", "co2_t": "500",
    "water_withdrawn_m3": "30000", "water_reused_m3": "90000", "raw_material_t": "800", "green_material_t": "200",
    "solid_waste_generated_t": "40", "solid_waste_utilised_t": "36", "land_area_m2": "20000",
}


@pytest.fixture
def enterprise(transactional_db):
    from reviews.models import Campaign

    call_command("loaddata", "cities", "industries", verbosity=0)
    Campaign.objects.create(year=2024, filing_opens=dt.date(2024, 1, 15), filing_due=dt.date(2024, 3, 10),
                            city_review_due=dt.date(2024, 3, 31), province_report_due=dt.date(2024, 4, 15))
    unit = factories.UnitFactory(name="浏览器测试绿色工厂有限公司")
    user = factories.UserFactory(username="ent_browser")
    factories.Membership.objects.create(user=user, scope="unit", unit=unit)
    return unit


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_browser_enterprise_files_meets_an_error_fixes_it_and_submits(new_page, enterprise, viewport):
    page = new_page(viewport)
    log_in(page, "ent_browser", "Test@2024pass")
    page.goto(f"/reviews/2024/units/{enterprise.pk}/filing/")
    for name, value in VALUES.items():
        page.fill(f"[name={name}]", value)
    page.fill("[name=renewable_energy_tce]", "300")  # more renewable energy than energy in total: impossible
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[value=submit]")
    page.wait_for_load_state()
    error = page.locator("#error_1_id_renewable_energy_tce, .invalid-feedback").first
    assert "不能大于" in error.inner_text()
    shot(page, f"filing-error-{viewport['width']}")
    page.fill("[name=renewable_energy_tce]", "20")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[value=submit]")
    page.wait_for_url("**/reviews/filings/*/")
    assert page.locator("#filing-state").inner_text() == "已提交"
    assert "单位产值综合能耗" in page.locator("#derived-indicators").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
    shot(page, f"filing-submitted-{viewport['width']}")
