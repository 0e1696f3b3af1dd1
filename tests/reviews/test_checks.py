"""The three layers of data checks, on filings built in memory and in the database."""

import math
from decimal import Decimal

import pytest

from registry.enums import UnitKind
from reviews.checks import completeness, physical, robust_z, submission_problems
from reviews.indicators import BY_CODE, compute_all, indicators_for
from reviews.models import Filing
from tests import factories

pytestmark = pytest.mark.django_db


def filing_for(kind=UnitKind.FACTORY, **values) -> Filing:
    unit = factories.UnitFactory(kind=kind, industry=None if kind == UnitKind.PARK else factories.Industry.objects.get(code="39"))
    return Filing(unit=unit, **values)


def test_checks_robust_z_matches_a_hand_computation():
    peers = [math.log(v) for v in (10, 11, 12, 9, 10, 10.5, 11.5, 9.5)]
    median = sorted(peers)[3] / 2 + sorted(peers)[4] / 2
    mad = sorted(abs(p - median) for p in peers)
    mad = (mad[3] + mad[4]) / 2
    assert robust_z(100, peers) == pytest.approx(0.6745 * (math.log(100) - median) / mad)
    assert abs(robust_z(100, peers)) > 3.5
    assert abs(robust_z(10.2, peers)) < 3.5


def test_checks_robust_z_needs_enough_peers_and_spread():
    assert robust_z(100, [math.log(10)] * 7) is None  # too few peers
    assert robust_z(100, [math.log(10)] * 20) is None  # no spread: MAD is 0
    assert robust_z(0, [math.log(v) for v in range(1, 20)]) is None


def test_checks_part_above_its_whole_is_reported_on_the_part():
    filing = filing_for(energy_tce=Decimal(10), renewable_energy_tce=Decimal(11), land_area_m2=Decimal(100),
                        building_footprint_m2=Decimal(150))
    assert [p.field for p in physical(filing)] == ["renewable_energy_tce", "building_footprint_m2"]


def test_checks_numerator_without_denominator_names_the_missing_one():
    filing = filing_for(water_reused_m3=Decimal(10), product_output=Decimal(5))
    assert {p.field for p in physical(filing)} == {"product_unit", "water_withdrawn_m3"}


def test_checks_completeness_depends_on_the_kind():
    assert {p.field for p in completeness(filing_for(months_reported=12))} == {
        "output_value", "energy_tce", "co2_t", "water_withdrawn_m3", "land_area_m2"}
    park = filing_for(UnitKind.PARK, months_reported=12)
    assert {p.field for p in completeness(park)} == {
        "value_added", "energy_tce", "co2_t", "water_withdrawn_m3", "park_enterprises", "park_green_factories"}
    chain = filing_for(UnitKind.SUPPLY_CHAIN, months_reported=6)
    assert {p.field for p in completeness(chain)} == {
        "months_reported", "purchase_total", "green_purchase", "suppliers_total", "suppliers_audited", "publishes_report"}


def test_checks_major_changes_need_their_details():
    filing = filing_for(name_changed=True, production_stopped=True, had_accident=True)
    fields = {p.field for p in submission_problems(filing)}
    assert {"new_name", "stopped_months", "changes_note"} <= fields


def test_indicators_blank_is_not_zero_and_rates_stay_within_100():
    values = compute_all(UnitKind.FACTORY, {"output_value": Decimal(1000), "energy_tce": Decimal(50),
                                            "renewable_energy_tce": Decimal(0), "water_withdrawn_m3": None})
    assert values == {"energy_per_output": Decimal("50.000000"), "renewable_share": Decimal("0.000000")}
    reuse = BY_CODE["water_reuse_rate"].compute({"water_reused_m3": Decimal(900), "water_withdrawn_m3": Decimal(100)})
    assert reuse == Decimal("90.000000")


def test_indicators_zero_denominator_does_not_apply():
    assert compute_all(UnitKind.FACTORY, {"output_value": Decimal(0), "energy_tce": Decimal(5)}) == {}


def test_indicators_every_scored_factory_indicator_has_a_group_weighted_in_v1():
    groups = {i.group for i in indicators_for(UnitKind.FACTORY, scored_only=True)}
    assert groups == {"energy", "resources", "clean", "products", "land"}
    assert len(indicators_for(UnitKind.FACTORY, scored_only=True)) == 15
