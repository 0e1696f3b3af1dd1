"""The enterprise's filing: draft, the three layers of data checks, submission, flags, concurrency."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.urls import reverse

from registry.enums import UnitKind
from reviews.enums import FilingState, FlagKind
from reviews.models import Campaign, DataFlag, Filing, FilingIndicator, Transition
from reviews.services import filings as service
from reviews.synthetic import factory_totals
from tests import factories
from tests.conftest import login

pytestmark = pytest.mark.django_db

GOOD = {
    "months_reported": "12", "output_value": "10000", "product_name": "电路板", "product_unit": "件",
    "product_output": "50000", "energy_tce": "200", "renewable_energy_tce": "20", "co2_t": "500",
    "water_withdrawn_m3": "30000", "water_reused_m3": "90000", "raw_material_t": "800", "green_material_t": "200",
    "solid_waste_generated_t": "40", "solid_waste_utilised_t": "36", "pollutant_kg": "900", "wastewater_m3": "20000",
    "waste_gas_10k_m3": "300", "product_models": "10", "products_with_footprint": "4", "land_area_m2": "20000",
    "floor_area_m2": "30000", "building_footprint_m2": "9000",
}


def good_totals() -> dict:
    """GOOD as the service takes it: Decimals, and the text fields as text."""
    return {k: (v if k in ("product_name", "product_unit") else Decimal(v)) for k, v in GOOD.items()}


def make_campaign(year=2024) -> Campaign:
    return Campaign.objects.create(
        year=year, filing_opens=dt.date(year, 1, 15), filing_due=dt.date(year, 3, 10),
        city_review_due=dt.date(year, 3, 31), province_report_due=dt.date(year, 4, 15),
    )


@pytest.fixture
def campaign():
    return make_campaign()


@pytest.fixture
def enterprise(gz_unit):
    return factories.enterprise_user(gz_unit)


def post_filing(client, campaign, unit, data, action="save", version=1, **extra):
    payload = {"version": str(version), "action": action, **data, **extra}
    return client.post(reverse("reviews:filing_edit", args=[campaign.year, unit.pk]), payload)


def test_filing_draft_can_be_incomplete_and_shows_derived_indicators(client, campaign, gz_unit, enterprise):
    login(client, enterprise)
    response = post_filing(client, campaign, gz_unit, {"output_value": "10000", "energy_tce": "200"})
    assert response.status_code == 302
    filing = Filing.objects.get(campaign=campaign, unit=gz_unit)
    assert filing.state == FilingState.DRAFT
    assert filing.version == 2
    values = dict(FilingIndicator.objects.filter(filing=filing).values_list("code", "value"))
    assert values == {"energy_per_output": Decimal("20.000000")}  # 200 tce × 1000 ÷ 10 000 万元 = 20 kgce/万元
    page = client.get(reverse("reviews:filing_edit", args=[campaign.year, gz_unit.pk]))
    assert page.status_code == 200
    shown = {row["indicator"].code: row["value"] for row in page.context["indicator_rows"]}
    assert shown["energy_per_output"] == Decimal("20.000000")
    assert shown["co2_per_output"] is None


def test_filing_impossible_value_gets_a_field_error_and_nothing_is_saved(client, campaign, gz_unit, enterprise):
    login(client, enterprise)
    bad = {**GOOD, "renewable_energy_tce": "300"}  # more renewable energy than energy in total
    response = post_filing(client, campaign, gz_unit, bad, action="submit")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["renewable_energy_tce"]
    assert "不能大于“综合能源消费量”" in errors["renewable_energy_tce"][0]
    assert not Filing.objects.filter(unit=gz_unit).exists()


def test_filing_negative_and_malformed_values_get_field_errors(client, campaign, gz_unit, enterprise):
    login(client, enterprise)
    response = post_filing(client, campaign, gz_unit, {**GOOD, "co2_t": "-5", "water_withdrawn_m3": "三万"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"co2_t", "water_withdrawn_m3"}
    assert errors["co2_t"] == [str(Filing._meta.get_field("co2_t").validators[0].message % {"limit_value": 0})]
    assert not Filing.objects.exists()


def test_filing_enterprise_fixes_the_error_and_submits(client, campaign, gz_unit, enterprise):
    login(client, enterprise)
    post_filing(client, campaign, gz_unit, {**GOOD, "renewable_energy_tce": "300"}, action="submit")
    response = post_filing(client, campaign, gz_unit, GOOD, action="submit")
    assert response.status_code == 302
    filing = Filing.objects.get(unit=gz_unit)
    assert filing.state == FilingState.SUBMITTED
    assert filing.submitted_at is not None
    transition = Transition.objects.get(object_id=filing.pk, action="submit")
    assert (transition.from_state, transition.to_state, transition.actor) == ("draft", "submitted", enterprise)
    detail = client.get(reverse("reviews:filing_detail", args=[filing.pk]))
    assert detail.status_code == 200
    assert "已提交" in detail.content.decode()
    # A submitted filing cannot be edited any more: the edit page sends the enterprise to the read-only page.
    assert client.get(reverse("reviews:filing_edit", args=[campaign.year, gz_unit.pk])).status_code == 302


def test_filing_submit_incomplete_keeps_the_draft_and_names_each_missing_field(client, campaign, gz_unit, enterprise):
    login(client, enterprise)
    partial = {"months_reported": "11", "output_value": "10000", "energy_tce": "200"}
    response = post_filing(client, campaign, gz_unit, partial, action="submit")
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"months_reported", "co2_t", "water_withdrawn_m3", "land_area_m2"}
    filing = Filing.objects.get(unit=gz_unit)
    assert filing.state == FilingState.DRAFT
    assert filing.output_value == Decimal("10000")


def test_filing_stale_form_is_refused_and_the_second_writer_is_told(client, campaign, gz_unit, enterprise):
    login(client, enterprise)
    post_filing(client, campaign, gz_unit, {"output_value": "10000"})  # version 1 -> 2
    post_filing(client, campaign, gz_unit, {"output_value": "12000"}, version=2)  # first writer: 2 -> 3
    response = post_filing(client, campaign, gz_unit, {"output_value": "99999"}, version=2)  # second, stale
    assert response.status_code == 200
    assert "其他人" in response.content.decode()
    assert Filing.objects.get(unit=gz_unit).output_value == Decimal("12000")


def test_filing_scope_other_enterprise_404_city_reviewer_403_other_city_404(client, campaign, gz_unit, sz_unit,
                                                                           gz_reviewer, sz_reviewer, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    other = factories.enterprise_user(sz_unit)
    login(client, other)
    assert client.get(reverse("reviews:filing_edit", args=[2024, gz_unit.pk])).status_code == 404
    assert client.post(reverse("reviews:filing_edit", args=[2024, gz_unit.pk]), GOOD).status_code == 404
    assert client.get(reverse("reviews:filing_detail", args=[filing.pk])).status_code == 404
    assert client.get(reverse("reviews:filing_xlsx", args=[2024, gz_unit.pk])).status_code == 404
    login(client, gz_reviewer)
    assert client.get(reverse("reviews:filing_edit", args=[2024, gz_unit.pk])).status_code == 403
    assert client.get(reverse("reviews:filing_detail", args=[filing.pk])).status_code == 200
    login(client, sz_reviewer)
    assert client.get(reverse("reviews:filing_detail", args=[filing.pk])).status_code == 404
    assert client.get(reverse("reviews:filing_edit", args=[2099, gz_unit.pk])).status_code == 404


def test_filing_year_on_year_jump_must_be_explained_before_submitting(client, gz_unit, enterprise):
    last_year, this_year = make_campaign(2023), make_campaign(2024)
    previous = service.filing_for(last_year, gz_unit)
    service.save_filing(previous, good_totals(), actor=enterprise)
    Filing.objects.filter(pk=previous.pk).update(state=FilingState.ACCEPTED)
    login(client, enterprise)
    doubled = {**GOOD, "energy_tce": "400", "co2_t": "1000"}  # both intensities double: +100 %
    response = post_filing(client, this_year, gz_unit, doubled, action="submit")
    assert response.status_code == 200
    filing = Filing.objects.get(campaign=this_year, unit=gz_unit)
    flags = {(f.code, f.kind): f for f in DataFlag.objects.filter(filing=filing)}
    assert set(flags) == {("energy_per_output", FlagKind.YEAR_ON_YEAR), ("co2_per_output", FlagKind.YEAR_ON_YEAR)}
    assert flags[("energy_per_output", FlagKind.YEAR_ON_YEAR)].score == Decimal("100.000")
    assert filing.state == FilingState.DRAFT
    explanations = {f"explain-{f.pk}": "新增熔炼生产线，能耗随之上升" for f in flags.values()}
    response = post_filing(client, this_year, gz_unit, doubled, action="submit", version=filing.version, **explanations)
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.state == FilingState.SUBMITTED
    assert set(DataFlag.objects.filter(filing=filing).values_list("explanation", flat=True)) == {"新增熔炼生产线，能耗随之上升"}


def test_filing_value_far_outside_its_industry_is_flagged(campaign, gz_unit, enterprise):
    rng = random.Random(7)
    for _ in range(12):
        peer = factories.UnitFactory()
        filing = service.filing_for(campaign, peer)
        totals = factory_totals(rng, "39", quality=0)
        # About 20 kgce/万元, the industry's norm, with a realistic spread.
        totals["energy_tce"] = (totals["output_value"] * Decimal("0.02") * Decimal(str(rng.uniform(0.8, 1.25)))).quantize(Decimal("0.01"))
        service.save_filing(filing, totals, actor=None)
        Filing.objects.filter(pk=filing.pk).update(state=FilingState.SUBMITTED)
    outlier = service.filing_for(campaign, gz_unit)
    totals = good_totals()
    totals["energy_tce"] = Decimal("20000")  # 2 000 kgce/万元: a hundred times the industry
    service.save_filing(outlier, totals, actor=enterprise)
    kinds = set(DataFlag.objects.filter(filing=outlier, code="energy_per_output").values_list("kind", flat=True))
    assert kinds == {FlagKind.OUTLIER}


def test_filing_park_and_supply_chain_have_their_own_fields(client, campaign):
    park = factories.UnitFactory(kind=UnitKind.PARK, industry=None)
    chain = factories.UnitFactory(kind=UnitKind.SUPPLY_CHAIN)
    login(client, factories.enterprise_user(park))
    form = client.get(reverse("reviews:filing_edit", args=[2024, park.pk])).context["form"]
    assert "value_added" in form.fields and "output_value" not in form.fields
    response = post_filing(client, campaign, park, {"months_reported": "12", "value_added": "50000", "energy_tce": "9000",
                                                    "co2_t": "20000", "water_withdrawn_m3": "100000",
                                                    "park_enterprises": "10", "park_green_factories": "12"}, action="submit")
    assert list(response.context["form"].errors) == ["park_green_factories"]
    login(client, factories.enterprise_user(chain))
    response = post_filing(client, campaign, chain, {"months_reported": "12", "purchase_total": "1000",
                                                     "green_purchase": "400", "suppliers_total": "100",
                                                     "suppliers_audited": "60", "publishes_report": "unknown"},
                           action="submit")
    assert list(response.context["form"].errors) == ["publishes_report"]
    response = post_filing(client, campaign, chain, {"months_reported": "12", "purchase_total": "1000",
                                                     "green_purchase": "400", "suppliers_total": "100",
                                                     "suppliers_audited": "60", "publishes_report": "true"},
                           action="submit", version=2)
    assert response.status_code == 302
    filing = Filing.objects.get(unit=chain)
    assert filing.state == FilingState.SUBMITTED
    assert filing.publishes_report is True
    assert dict(filing.indicators.values_list("code", "value")) == {
        "green_purchase_share": Decimal("40.000000"), "audited_supplier_share": Decimal("60.000000"),
    }


@pytest.mark.parametrize("n_flags", [1, 3])
def test_filing_detail_runs_constant_queries(client, campaign, gz_unit, enterprise, django_assert_num_queries, n_flags):
    filing = service.filing_for(campaign, gz_unit)
    for i, code in enumerate(["energy_per_output", "co2_per_output", "water_per_output"][:n_flags]):
        DataFlag.objects.create(filing=filing, code=code, kind=FlagKind.YEAR_ON_YEAR, value=i + 1)
    login(client, enterprise)
    # session, user, memberships, filing, indicators, flags, history, evidence files, flags to attach files to; in
    # context: earlier accepted values, values entered for the years before the portal, peers, benchmarks; the
    # compliance verifications
    with django_assert_num_queries(14):
        response = client.get(reverse("reviews:filing_detail", args=[filing.pk]))
    assert len(response.context["flags"]) == n_flags
