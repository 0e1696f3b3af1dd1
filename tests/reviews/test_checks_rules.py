"""reviews/checks.py rule by rule: every pair, every message, every limit at its edge, every filter of the
comparison data. (test_checks.py covers the layers as a whole; tests/test_rule_boundaries.py the shared limits.)
"""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.utils import translation

from registry.enums import UnitKind
from registry.models import Industry
from reviews import checks
from reviews.enums import FilingState
from reviews.models import Campaign, Filing, FilingIndicator
from tests import factories

from .review_helpers import open_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def filing_for(kind=UnitKind.FACTORY, **values) -> Filing:
    industry = None if kind == UnitKind.PARK else Industry.objects.get(code="39")
    return Filing(unit=factories.UnitFactory(kind=kind, industry=industry), **values)


def kind_with(*fields) -> str:
    return next(k for k, totals in Filing.TOTALS_BY_KIND.items() if set(fields) <= set(totals) | {"product_unit"})


def label(name: str) -> str:
    return str(Filing._meta.get_field(name).verbose_name)


# --- completeness ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("months", "refused"), [(11, True), (12, False), (13, True)])
def test_a_filing_covers_exactly_twelve_months(months, refused):
    problems = [p for p in checks.completeness(filing_for(months_reported=months)) if p.field == "months_reported"]
    assert problems == ([checks.Problem("months_reported", "A filing covers the whole year: enter 12 months.")]
                        if refused else [])


def test_a_missing_total_and_a_zero_output_value_say_what_to_do():
    problems = checks.completeness(filing_for(months_reported=12, output_value=Decimal(0)))
    by_field = {p.field: p.message for p in problems}
    assert by_field["energy_tce"] == "Required: enter the year's total (0 if there was none)."
    assert by_field["output_value"] == "The output value must be above 0 for a factory in production."


def test_a_required_total_of_zero_is_reported_not_missing():
    totals = dict.fromkeys(Filing.REQUIRED_BY_KIND[UnitKind.FACTORY], Decimal(0))
    fields = {p.field for p in checks.completeness(filing_for(months_reported=12, **totals))}
    assert fields == {"output_value"}  # only the output value must be above 0; the other zeros are answers


@pytest.mark.parametrize(("value", "refused"), [(Decimal("-0.01"), True), (Decimal(0), True), (Decimal("0.01"), False)])
def test_a_parks_value_added_must_be_above_zero(value, refused):
    park = filing_for(UnitKind.PARK, months_reported=12, value_added=value)
    problems = [p for p in checks.completeness(park) if p.field == "value_added"]
    assert problems == ([checks.Problem("value_added", "The value added must be above 0.")] if refused else [])


def test_the_output_value_rule_is_for_factories_only():
    chain = filing_for(UnitKind.SUPPLY_CHAIN, months_reported=12, output_value=Decimal(0))
    park = filing_for(UnitKind.PARK, months_reported=12, output_value=Decimal(0), value_added=Decimal(1))
    factory = filing_for(months_reported=12, value_added=Decimal(0))
    assert "output_value" not in {p.field for p in checks.completeness(chain) + checks.completeness(park)}
    assert "value_added" not in {p.field for p in checks.completeness(factory)}


def test_a_supply_chain_must_say_whether_it_publishes_a_report():
    for answer, refused in ((None, True), (False, False), (True, False)):
        chain = filing_for(UnitKind.SUPPLY_CHAIN, months_reported=12, publishes_report=answer)
        problems = [p for p in checks.completeness(chain) if p.field == "publishes_report"]
        assert problems == ([checks.Problem(
            "publishes_report", "Required: say whether a green supply-chain report is published.")] if refused else [])
    factory = filing_for(months_reported=12, publishes_report=None)
    assert "publishes_report" not in {p.field for p in checks.completeness(factory)}


NOTE_MESSAGE = ("Describe the declared changes (accident, penalty, relocation, business scope, address, boundary, "
                "restructuring).")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name_changed": True, "new_name": "  "}, "new_name", "Enter the new name, since the name changed."),
    ({"production_stopped": True, "stopped_months": None}, "stopped_months",
     "Enter how many months production stopped."),
    ({"production_stopped": True, "stopped_months": 0}, "stopped_months", "Enter how many months production stopped."),
    *(({name: True, "changes_note": " \n"}, "changes_note", NOTE_MESSAGE) for name in checks.NOTED_CHANGES),
])
def test_each_declared_change_needs_its_details(changes, field, message):
    problems = [p for p in checks.completeness(filing_for(months_reported=12, **changes)) if p.field == field]
    assert problems == [checks.Problem(field, message)]


@pytest.mark.parametrize("changes", [
    {"name_changed": True, "new_name": "新名称有限公司"}, {"production_stopped": True, "stopped_months": 1},
    {"had_accident": True, "changes_note": "已整改"}, {"penalised": True, "changes_note": "已整改"},
    {"relocated": True, "changes_note": "搬迁"}, {"new_name": "", "stopped_months": None, "changes_note": ""},
])
def test_a_change_with_its_details_or_no_change_is_complete(changes):
    fields = {p.field for p in checks.completeness(filing_for(months_reported=12, **changes))}
    assert not fields & {"new_name", "stopped_months", "changes_note"}


# --- physical and logic -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("part", "whole"), checks.PARTS)
def test_each_part_may_equal_but_not_exceed_its_whole(part, whole):
    kind = kind_with(part, whole)
    equal = filing_for(kind, **{part: Decimal("100.50"), whole: Decimal("100.50")})
    assert [p for p in checks.physical(equal) if p.field == part] == []
    above = filing_for(kind, **{part: Decimal("100.51"), whole: Decimal("100.50")})
    assert [p for p in checks.physical(above) if p.field == part] == [
        checks.Problem(part, f"Cannot be more than “{label(whole)}” (100.5).")]


def test_a_part_with_its_whole_blank_is_not_compared():
    filing = filing_for(renewable_energy_tce=Decimal(5))
    assert "renewable_energy_tce" not in {p.field for p in checks.physical(filing)}


def test_parts_outside_the_units_kind_are_not_compared():
    # a park reports no green purchase; stray values on the model must not produce a message for it
    park = filing_for(UnitKind.PARK, green_purchase=Decimal(10), purchase_total=Decimal(1))
    assert checks.physical(park) == []


@pytest.mark.parametrize(("field", "needed"), checks.NEEDS)
def test_each_numerator_needs_its_denominator(field, needed):
    kind = kind_with(field, needed)
    value = "吨" if field == "product_unit" else Decimal(5)
    missing = filing_for(kind, **{field: value})
    assert [p for p in checks.physical(missing) if p.field == needed] == [
        checks.Problem(needed, f"Required, because “{label(field)}” is filled in.")]
    for blank in (None, Decimal(0)):
        assert [p for p in checks.physical(filing_for(kind, **{field: blank})) if p.field == needed] == []
    present = "吨" if needed == "product_unit" else Decimal(5000)
    assert [p for p in checks.physical(filing_for(kind, **{field: value, needed: present})) if p.field == needed] == []


def test_pairs_of_another_kind_are_skipped_and_the_rest_still_checked():
    # a park reports no product output (the first pair) but does report renewable energy (a later one)
    park = filing_for(UnitKind.PARK, renewable_energy_tce=Decimal(5), solid_waste_utilised_t=Decimal(9),
                      solid_waste_generated_t=Decimal(3))
    assert [p.field for p in checks.physical(park)] == ["solid_waste_utilised_t", "energy_tce"]


def test_a_product_unit_left_empty_counts_as_missing():
    filing = filing_for(product_output=Decimal(3), product_unit="")
    assert [p.field for p in checks.physical(filing)] == ["product_unit"]


@pytest.mark.parametrize(("floor", "refused"), [
    (Decimal("2000"), False), (Decimal("2000.01"), True), (Decimal("1999.99"), False)])
def test_the_floor_area_may_be_twenty_times_the_land_area_and_no_more(floor, refused):
    filing = filing_for(land_area_m2=Decimal(100), floor_area_m2=floor)
    assert checks.physical(filing) == ([checks.Problem(
        "floor_area_m2", "The floor area is more than 20 times the land area; check the units (m²).")] if refused else [])


def test_the_floor_area_ratio_needs_both_areas():
    assert checks.physical(filing_for(land_area_m2=Decimal(0), floor_area_m2=Decimal(5000))) == []
    assert [p.field for p in checks.physical(filing_for(floor_area_m2=Decimal(5000)))] == ["land_area_m2"]


def test_submission_problems_are_completeness_then_physical():
    filing = filing_for(months_reported=12, output_value=Decimal(1), energy_tce=Decimal(10),
                        renewable_energy_tce=Decimal(11), co2_t=Decimal(1), water_withdrawn_m3=Decimal(1),
                        land_area_m2=None)
    assert [p.field for p in checks.submission_problems(filing)] == ["land_area_m2", "renewable_energy_tce"]


# --- flag_context: what a batch is compared with -----------------------------------------------------------

def _filed(campaign, unit, state, values):
    filing = Filing.objects.create(campaign=campaign, unit=unit, state=state)
    FilingIndicator.objects.bulk_create(FilingIndicator(filing=filing, code=c, value=Decimal(v)) for c, v in values.items())
    return filing


def test_last_years_values_come_from_last_years_accepted_filing_of_the_batchs_units_only():
    campaign = open_campaign()
    before = Campaign.objects.create(year=campaign.year - 1, filing_opens=dt.date(campaign.year - 1, 1, 1),
                                     filing_due=dt.date(campaign.year - 1, 3, 1),
                                     city_review_due=dt.date(campaign.year - 1, 3, 15),
                                     province_report_due=dt.date(campaign.year - 1, 4, 1))
    two_before = Campaign.objects.create(year=campaign.year - 2, filing_opens=dt.date(campaign.year - 2, 1, 1),
                                         filing_due=dt.date(campaign.year - 2, 3, 1),
                                         city_review_due=dt.date(campaign.year - 2, 3, 15),
                                         province_report_due=dt.date(campaign.year - 2, 4, 1))
    accepted, returned, elder, outsider = (factories.UnitFactory() for _ in range(4))
    _filed(before, accepted, FilingState.ACCEPTED, {"energy_per_output": "10"})
    _filed(before, returned, FilingState.RETURNED, {"energy_per_output": "20"})
    _filed(two_before, elder, FilingState.ACCEPTED, {"energy_per_output": "30"})
    _filed(before, outsider, FilingState.ACCEPTED, {"energy_per_output": "40"})
    batch = [(Filing(campaign=campaign, unit=u), {"energy_per_output": Decimal(1)}) for u in (accepted, returned, elder)]
    assert checks.flag_context(batch).previous == {accepted.pk: {"energy_per_output": Decimal(10)}}


def test_peers_are_this_campaigns_filed_values_of_the_same_industry_and_kind():
    campaign = open_campaign()
    other_year = Campaign.objects.create(year=campaign.year - 1, filing_opens=dt.date(campaign.year - 1, 1, 1),
                                         filing_due=dt.date(campaign.year - 1, 3, 1),
                                         city_review_due=dt.date(campaign.year - 1, 3, 15),
                                         province_report_due=dt.date(campaign.year - 1, 4, 1))
    chemicals, textiles = Industry.objects.get(code="26"), Industry.objects.get(code="17")
    counted = [_filed(campaign, factories.UnitFactory(industry=chemicals), state, {"energy_per_output": str(v)})
               for v, state in zip((10, 20, 40), (FilingState.SUBMITTED, FilingState.ACCEPTED, FilingState.ACCEPTED),
                                   strict=True)]
    # not counted: a draft, a returned filing, another year, another industry, a value of 0, a rate
    _filed(campaign, factories.UnitFactory(industry=chemicals), FilingState.DRAFT, {"energy_per_output": "1000"})
    _filed(campaign, factories.UnitFactory(industry=chemicals), FilingState.RETURNED, {"energy_per_output": "1000"})
    _filed(other_year, factories.UnitFactory(industry=chemicals), FilingState.ACCEPTED, {"energy_per_output": "1000"})
    _filed(campaign, factories.UnitFactory(industry=textiles), FilingState.ACCEPTED, {"energy_per_output": "1000"})
    _filed(campaign, factories.UnitFactory(industry=chemicals), FilingState.ACCEPTED, {"energy_per_output": "0"})
    # eight rates and eight textile values: enough for a group of their own, which must not appear
    rate = next(code for code, ind in checks.BY_CODE.items() if ind.scored and ind.is_rate)
    for v in range(40, 48):
        _filed(campaign, factories.UnitFactory(industry=chemicals), FilingState.ACCEPTED, {rate: str(v)})
        _filed(campaign, factories.UnitFactory(industry=textiles), FilingState.ACCEPTED, {"energy_per_output": str(v)})
    # a value between 0 and 1 counts like any value above 0
    _filed(campaign, factories.UnitFactory(industry=chemicals), FilingState.ACCEPTED, {"energy_per_output": "0.5"})
    # the batch: six filings, one of them already stored as submitted (counted once, with its new value)
    batch_units = [factories.UnitFactory(industry=chemicals) for _ in range(5)]
    batch = [(Filing(campaign=campaign, unit=u), {"energy_per_output": Decimal(v)})
             for u, v in zip(batch_units, (11, 12, 13, 14, 16), strict=True)]
    resubmitted = counted[0]
    batch.append((resubmitted, {"energy_per_output": Decimal(15)}))
    # not counted from the batch: a unit without an industry (first, so that it cannot stop the loop), a value
    # of 0, and a rate; counted: a value between 0 and 1
    park = factories.UnitFactory(kind=UnitKind.PARK, industry=None)
    batch.insert(0, (Filing(campaign=campaign, unit=park), {"energy_per_output": Decimal(7)}))
    batch.append((Filing(campaign=campaign, unit=factories.UnitFactory(industry=chemicals)),
                  {"energy_per_output": Decimal(0), rate: Decimal(50)}))
    batch.append((Filing(campaign=campaign, unit=factories.UnitFactory(industry=chemicals)),
                  {"energy_per_output": Decimal("0.25")}))
    context = checks.flag_context(batch)
    values = [20, 40, 0.5, 11, 12, 13, 14, 16, 15, 0.25]
    logs = sorted(math.log(v) for v in values)
    median = (logs[4] + logs[5]) / 2
    deviations = sorted(abs(v - median) for v in logs)
    mad = (deviations[4] + deviations[5]) / 2
    assert context.peers == {  # textiles: no filing of the batch is in that industry, so it is not read
        (chemicals.pk, UnitKind.FACTORY, "energy_per_output"): (pytest.approx(median), pytest.approx(mad), len(values)),
    }


def test_peers_of_another_kind_are_not_mixed_in():
    campaign = open_campaign()
    industry = Industry.objects.get(code="39")
    for v in range(10, 18):
        _filed(campaign, factories.UnitFactory(industry=industry, kind=UnitKind.SUPPLY_CHAIN),
               FilingState.ACCEPTED, {"energy_per_output": str(v)})
    batch = [(Filing(campaign=campaign, unit=factories.UnitFactory(industry=industry)),
              {"energy_per_output": Decimal(1000)})]
    context = checks.flag_context(batch)
    assert (industry.pk, UnitKind.FACTORY, "energy_per_output") not in context.peers
    assert context.peers[(industry.pk, UnitKind.SUPPLY_CHAIN, "energy_per_output")][2] == 8


def test_an_empty_batch_has_nothing_to_compare():
    assert checks.flag_context([]) == checks.FlagContext({}, {})


# --- statistical findings: what is reported ----------------------------------------------------------------

def test_a_year_on_year_finding_carries_the_value_last_year_and_the_change_in_percent():
    unit = factories.UnitFactory()
    filing = Filing(unit=unit)
    context = checks.FlagContext(previous={unit.pk: {"energy_per_output": Decimal(80)}}, peers={})
    [finding] = checks.statistical_findings(filing, {"energy_per_output": Decimal(200)}, context)
    assert finding == checks.FlagFinding("energy_per_output", "yoy", Decimal(200), Decimal(80), Decimal("150.000"))


def test_the_change_is_kept_to_three_decimals_and_a_small_last_value_still_counts():
    unit = factories.UnitFactory()
    filing = Filing(unit=unit)
    unscored = next(c for c, i in checks.BY_CODE.items() if not i.scored)
    context = checks.FlagContext(previous={unit.pk: {"energy_per_output": Decimal(3), "co2_per_output": Decimal("0.5")}},
                                 peers={})
    values = {unscored: Decimal(1), "energy_per_output": Decimal(5), "co2_per_output": Decimal(1)}  # unscored first
    findings = checks.statistical_findings(filing, values, context)
    assert [(f.code, f.score) for f in findings] == [("energy_per_output", Decimal("66.667")),
                                                     ("co2_per_output", Decimal("100"))]


def test_no_year_on_year_finding_against_zero_or_for_unchecked_indicators():
    unit = factories.UnitFactory()
    filing = Filing(unit=unit)
    unchecked = next(c for c, i in checks.BY_CODE.items() if i.scored and not i.yoy_checked)
    unscored = next(c for c, i in checks.BY_CODE.items() if not i.scored)
    context = checks.FlagContext(previous={unit.pk: {"energy_per_output": Decimal(0), unchecked: Decimal(1),
                                                     unscored: Decimal(1)}}, peers={})
    values = {"energy_per_output": Decimal(100), unchecked: Decimal(100), unscored: Decimal(100)}
    assert checks.statistical_findings(filing, values, context) == []


def test_a_value_between_0_and_1_has_a_z_score():
    assert checks.z_score(0.5, math.log(10), 0.1) == pytest.approx(0.6745 * (math.log(0.5) - math.log(10)) / 0.1)
    assert checks.z_score(0, math.log(10), 0.1) is None


def test_an_outlier_finding_carries_the_industry_median_and_the_z_score():
    unit = factories.UnitFactory()
    filing = Filing(unit=unit)
    median, mad = math.log(10), 0.1
    context = checks.FlagContext(previous={}, peers={(unit.industry_id, unit.kind, "energy_per_output"):
                                                     (median, mad, 8)})
    [finding] = checks.statistical_findings(filing, {"energy_per_output": Decimal(20)}, context)
    z = 0.6745 * (math.log(20) - median) / mad
    assert finding == checks.FlagFinding("energy_per_output", "outlier", Decimal(20), Decimal("10.000000"),
                                         Decimal(str(round(z, 3))))
    other_kind = checks.FlagContext(previous={}, peers={(unit.industry_id, UnitKind.PARK, "energy_per_output"):
                                                        (median, mad, 8)})
    assert checks.statistical_findings(filing, {"energy_per_output": Decimal(20)}, other_kind) == []
