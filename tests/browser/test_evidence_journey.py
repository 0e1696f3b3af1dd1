"""Evidence files in a real browser: the enterprise attaches a stamped PDF to a declared change of its draft, the
city reviewer sees it on the review page and downloads it (a download, never shown inline)."""

from pathlib import Path

import pytest
from django.core.management import call_command

from reviews.models import EvidenceFile
from reviews.services import filings as filing_services
from tests import factories
from tests.browser.conftest import LAPTOP, PHONE, log_in, shot
from tests.reviews import review_helpers as helpers
from tests.reviews.test_evidence import PDF

pytestmark = pytest.mark.browser

PASSWORD = "Test@2024pass"


@pytest.fixture
def draft_world(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("loaddata", "cities", "industries", verbosity=0)
    campaign = helpers.open_campaign()
    unit = factories.UnitFactory(name="浏览器佐证材料绿色工厂有限公司")
    owner = factories.enterprise_user(unit, "ent_evidence")
    factories.city_user("广州市", "gz_evidence")
    filing = filing_services.filing_for(campaign, unit)
    filing_services.save_filing(filing, helpers.totals(), actor=owner)
    return {"campaign": campaign, "unit": unit, "filing": filing, "owner": owner}


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_browser_enterprise_attaches_evidence_and_the_city_downloads_it(new_page, draft_world, viewport, tmp_path):
    campaign, unit, filing = draft_world["campaign"], draft_world["unit"], draft_world["filing"]
    width = viewport["width"]
    page = new_page(viewport)
    log_in(page, "ent_evidence", PASSWORD)
    page.goto(f"/reviews/{campaign.year}/units/{unit.pk}/filing/")
    page.select_option("#evidence select[name=item]", "change:relocated")
    source = tmp_path / "搬迁批复（盖章）.pdf"
    source.write_bytes(PDF)
    page.set_input_files("#evidence input[name=files]", str(source))
    with page.expect_navigation():
        page.locator("#evidence button[type=submit]").click()
    assert "已上传 1 个文件" in page.locator("main .alert-success").first.inner_text()
    assert page.locator("#evidence h3").first.inner_text() == "申报的重大变化：发生搬迁"
    assert page.locator("#evidence .evidence-list a").first.inner_text() == "搬迁批复（盖章）.pdf"
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    shot(page, f"evidence-enterprise-{width}")

    filing_services.submit_filing(filing, actor=draft_world["owner"])
    page.context.clear_cookies()
    log_in(page, "gz_evidence", PASSWORD)
    page.goto(f"/reviews/review/{filing.pk}/")
    link = page.locator("#evidence .evidence-list a").first
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "搬迁批复（盖章）.pdf"
    assert Path(download.path()).read_bytes() == PDF
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    shot(page, f"evidence-city-{width}")
    assert EvidenceFile.objects.get().uploaded_by.username == "ent_evidence"
