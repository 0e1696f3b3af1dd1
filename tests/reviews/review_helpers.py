"""Shared set-up for the review-workflow tests: campaigns and submitted filings made through the real services."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from reviews.enums import CheckVerdict
from reviews.indicators import key_indicators
from reviews.models import Campaign, Filing
from reviews.services import filings as filing_services
from reviews.services import review as review_services
from tests import factories

GOOD = {
    "months_reported": 12, "output_value": "10000", "product_name": "电路板", "product_unit": "件",
    "product_output": "50000", "energy_tce": "200", "renewable_energy_tce": "20", "co2_t": "500",
    "water_withdrawn_m3": "30000", "water_reused_m3": "90000", "raw_material_t": "800", "green_material_t": "200",
    "solid_waste_generated_t": "40", "solid_waste_utilised_t": "36", "pollutant_kg": "900", "wastewater_m3": "20000",
    "waste_gas_10k_m3": "300", "product_models": 10, "products_with_footprint": 4, "land_area_m2": "20000",
    "floor_area_m2": "30000", "building_footprint_m2": "9000",
}


def totals() -> dict:
    return {k: (Decimal(v) if isinstance(v, str) and k not in ("product_name", "product_unit") else v)
            for k, v in GOOD.items()}


def open_campaign(year: int | None = None) -> Campaign:
    """A campaign whose filing is open today and whose deadlines are all ahead."""
    today = timezone.localdate()
    return Campaign.objects.create(
        year=year or today.year, filing_opens=today - dt.timedelta(days=30), filing_due=today + dt.timedelta(days=10),
        city_review_due=today + dt.timedelta(days=20), province_report_due=today + dt.timedelta(days=30),
    )


def campaign_2024() -> Campaign:
    return Campaign.objects.create(
        year=2024, filing_opens=dt.date(2024, 1, 15), filing_due=dt.date(2024, 3, 10),
        city_review_due=dt.date(2024, 3, 31), province_report_due=dt.date(2024, 4, 15),
    )


def submitted_filing(campaign: Campaign, unit, enterprise=None) -> Filing:
    enterprise = enterprise or factories.enterprise_user(unit)
    filing = filing_services.filing_for(campaign, unit)
    filing_services.save_filing(filing, totals(), actor=enterprise)
    return filing_services.submit_filing(filing, actor=enterprise)


def all_compliant(filing: Filing, except_code: str | None = None) -> dict:
    verdicts = {}
    for indicator in key_indicators(filing.unit.kind):
        bad = indicator.code == except_code
        verdicts[indicator.code] = (CheckVerdict.NON_COMPLIANT if bad else CheckVerdict.COMPLIANT, "超标" if bad else "")
    return verdicts


def accepted_filing(campaign: Campaign, unit, reviewer) -> Filing:
    filing = submitted_filing(campaign, unit)
    review_services.record_checks(filing, all_compliant(filing), actor=reviewer)
    return review_services.accept_filing(filing, actor=reviewer)


def checks_post(filing: Filing, non_compliant: str | None = None) -> dict:
    data = {}
    for code, (verdict, note) in all_compliant(filing, non_compliant).items():
        data[f"verdict_{code}"] = verdict
        data[f"note_{code}"] = note
    return data
