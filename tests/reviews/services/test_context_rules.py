"""The indicator context a reviewer sees (reviews.services.context), rule by rule: every suggestion with its exact
reason, the change and position at their edges, which earlier values and which peers count (and which are left
out), the value at listing, the data flag that counts as an explanation, and the benchmarks from the providers."""

from decimal import Decimal

import pytest

from greencode.models import Benchmark
from registry import services as registry_services
from registry.enums import UnitKind
from registry.models import Industry
from reviews.enums import FilingState, FlagKind, FlagVerdict, SuggestionKind
from reviews.indicators import BY_CODE, key_indicators
from reviews.models import DataFlag, Filing, FilingIndicator, PriorYearValue
from reviews.services.context import (
    IndicatorContext,
    Suggestion,
    benchmarks,
    change_of,
    filing_context,
    is_worse,
    position,
    shown_years,
    suggest,
    suggested_verdicts,
)
from tests import factories
from tests.reviews.review_helpers import open_campaign

D = Decimal
ENERGY = BY_CODE["energy_per_output"]  # lower is better, year-on-year checked
REUSE = BY_CODE["water_reuse_rate"]  # higher is better
PARK_SHARE = BY_CODE["park_green_factory_share"]  # higher is better, not year-on-year checked
FACTORY_CODES = [i.code for i in key_indicators(UnitKind.FACTORY)]
NOT_REPORTED = "未填报。"
NO_REFERENCE = "无参照：既无基准值，也无以前年度数据可比。"
WITHIN = "与上年相比变化在 ±50 % 以内。"
EXPLAINED = "较上年变化较大，说明已获地市认可。"


def _check(percent: str) -> str:
    return f"较上年变化 {percent} %，超过 ±50 %，且无地市认可的说明。"


# --- the suggestion and its reason, branch by branch ----------------------------------------------------

@pytest.mark.parametrize(("indicator", "value", "last", "baseline", "accepted", "expected"), [
    (ENERGY, None, D("1"), D("1"), False, (SuggestionKind.NONE, NOT_REPORTED)),
    (ENERGY, D("21"), None, D("20.000000"), False, (SuggestionKind.NON_COMPLIANT, "劣于基准值 20。")),
    (ENERGY, D("21"), D("21"), D("20.5"), True, (SuggestionKind.NON_COMPLIANT, "劣于基准值 20.5。")),
    (ENERGY, D("20.5"), None, D("20.500000"), False, (SuggestionKind.COMPLIANT, "达到或优于基准值 20.5。")),
    (REUSE, D("74.9"), None, D("75"), False, (SuggestionKind.NON_COMPLIANT, "劣于基准值 75。")),
    (REUSE, D("75.1"), None, D("75"), False, (SuggestionKind.COMPLIANT, "达到或优于基准值 75。")),
    (ENERGY, D("162.3"), D("100"), None, False, (SuggestionKind.CHECK, _check("62.3"))),
    (ENERGY, D("30"), D("100"), None, False, (SuggestionKind.CHECK, _check("-70"))),
    (ENERGY, D("150.06"), D("100"), D("200"), False, (SuggestionKind.CHECK, _check("50.1"))),
    (ENERGY, D("200"), D("100"), None, True, (SuggestionKind.COMPLIANT, EXPLAINED)),
    (ENERGY, D("200"), D("100"), D("250"), True, (SuggestionKind.COMPLIANT, "达到或优于基准值 250。")),
    (ENERGY, D("110"), D("100"), None, False, (SuggestionKind.COMPLIANT, WITHIN)),
    (ENERGY, D("110"), D("100"), None, True, (SuggestionKind.COMPLIANT, WITHIN)),
    (ENERGY, D("110"), D("100"), D("120"), False, (SuggestionKind.COMPLIANT, "达到或优于基准值 120。")),
    (ENERGY, D("20"), None, None, False, (SuggestionKind.NONE, NO_REFERENCE)),
    (ENERGY, D("20"), D("0"), None, False, (SuggestionKind.NONE, NO_REFERENCE)),  # no positive last value
    # An indicator the year-on-year check leaves alone: a tenfold change is no reason to check it.
    (PARK_SHARE, D("90"), D("9"), None, False, (SuggestionKind.NONE, NO_REFERENCE)),
    (PARK_SHARE, D("90"), D("9"), D("50"), False, (SuggestionKind.COMPLIANT, "达到或优于基准值 50。")),
])
def test_suggest_gives_each_verdict_with_its_reason(indicator, value, last, baseline, accepted, expected):
    suggestion = suggest(indicator, value, last=last, baseline=baseline, explanation_accepted=accepted)
    assert (suggestion.verdict, suggestion.reason) == expected


@pytest.mark.parametrize(("verdict", "expected"), [
    (SuggestionKind.COMPLIANT, True), (SuggestionKind.NON_COMPLIANT, True),
    (SuggestionKind.CHECK, False), (SuggestionKind.NONE, False),
])
def test_suggestion_is_a_verdict_only_when_compliant_or_not(verdict, expected):
    assert Suggestion(verdict, "").is_verdict is expected


def test_suggested_verdicts_keep_only_the_suggestions_a_reviewer_can_accept():
    rows = [IndicatorContext(BY_CODE[code], D("1"), suggestion=Suggestion(kind, "")) for code, kind in (
        ("energy_per_output", SuggestionKind.COMPLIANT), ("co2_per_output", SuggestionKind.NON_COMPLIANT),
        ("renewable_share", SuggestionKind.CHECK), ("water_per_output", SuggestionKind.NONE))]
    rows.append(IndicatorContext(BY_CODE["material_per_output"], None))  # no suggestion at all
    assert suggested_verdicts(rows) == {"energy_per_output": SuggestionKind.COMPLIANT,
                                        "co2_per_output": SuggestionKind.NON_COMPLIANT}


# --- change, position, direction -----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "last", "expected"), [
    (None, D("2"), None), (D("3"), None, None), (D("3"), D("0"), None), (D("3"), D("-1"), None),
    (D("3"), D("1"), D("2")), (D("0.75"), D("0.5"), D("0.5")), (D("2"), D("4"), D("-0.5")),
])
def test_change_of_is_the_fraction_of_a_positive_last_value(value, last, expected):
    assert change_of(value, last) == expected


@pytest.mark.parametrize(("change", "expected"), [
    (None, None), (D("0.5"), D("50.0")), (D("-0.16666"), D("-16.7")), (D("0.00049"), D("0.0")),
])
def test_change_percent_is_rounded_to_a_tenth(change, expected):
    assert IndicatorContext(ENERGY, D("1"), change=change).change_percent == expected


@pytest.mark.parametrize(("indicator", "value", "reference", "expected"), [
    (ENERGY, D("2"), D("2"), False), (ENERGY, D("2.000001"), D("2"), True), (ENERGY, D("1.999999"), D("2"), False),
    (REUSE, D("2"), D("2"), False), (REUSE, D("1.999999"), D("2"), True), (REUSE, D("2.000001"), D("2"), False),
])
def test_is_worse_is_strict_and_follows_the_direction(indicator, value, reference, expected):
    assert is_worse(indicator, value, reference) is expected


@pytest.mark.parametrize(("indicator", "value", "peers", "expected"), [
    (ENERGY, D("1"), [], None),
    (ENERGY, D("5"), [D("5")], 100),  # alone
    (ENERGY, D("1"), [D("1"), D("2"), D("3")], 34),  # the best of three
    (ENERGY, D("3"), [D("1"), D("2"), D("3")], 100),  # the worst of three
    (REUSE, D("3"), [D("1"), D("2"), D("3")], 34),
    (REUSE, D("1"), [D("1"), D("2"), D("3")], 100),
    (ENERGY, D("2"), [D("2"), D("2")], 50),  # a tie is not better
    (ENERGY, D("3"), [D("1"), D("2"), D("3"), D("4"), D("5"), D("6"), D("7"), D("8")], 38),  # r = 3 of 8
])
def test_position_is_the_share_of_peers_up_to_and_including_it(indicator, value, peers, expected):
    assert position(indicator, value, peers) == expected


# --- benchmarks from the providers ----------------------------------------------------------------------

def extra_provider(industry_ids, codes):
    """A second provider registered beside greencode's, as another app could."""
    return {(i, "co2_per_output"): (D("900"), D("300")) for i in industry_ids if "co2_per_output" in codes}


@pytest.fixture
def industry(db):
    industry = Industry.objects.get(code="39")
    Benchmark.objects.create(industry=industry, code="energy_per_output", baseline=30, leading=10)
    return industry


def test_benchmarks_read_the_registered_provider(industry):
    assert benchmarks([industry.pk], ["energy_per_output", "co2_per_output"]) == {
        (industry.pk, "energy_per_output"): (D("30"), D("10"))}


def test_benchmarks_of_every_provider_are_merged(industry, settings):
    settings.REVIEW_BENCHMARK_PROVIDERS = [*settings.REVIEW_BENCHMARK_PROVIDERS,
                                           "tests.reviews.services.test_context_rules.extra_provider"]
    assert benchmarks([industry.pk], ["energy_per_output", "co2_per_output"]) == {
        (industry.pk, "energy_per_output"): (D("30"), D("10")), (industry.pk, "co2_per_output"): (D("900"), D("300"))}


def test_benchmarks_without_industries_or_codes_are_none(industry):
    assert (benchmarks([], ["energy_per_output"]), benchmarks([industry.pk], [])) == ({}, {})


def test_benchmarks_without_the_setting_are_none(industry, settings):
    del settings.REVIEW_BENCHMARK_PROVIDERS
    assert benchmarks([industry.pk], ["energy_per_output"]) == {}


# --- the values in context --------------------------------------------------------------------------------

@pytest.fixture
def campaigns(db):
    return {year: open_campaign(year) for year in (2028, 2029, 2030)}  # data years 2027, 2028, 2029


def _filing(campaign, unit, state=FilingState.SUBMITTED, **values) -> Filing:
    filing = Filing.objects.create(campaign=campaign, unit=unit, state=state)
    FilingIndicator.objects.bulk_create([FilingIndicator(filing=filing, code=c, value=D(v)) for c, v in values.items()])
    return filing


def _row(filing, code="energy_per_output", **kwargs) -> IndicatorContext:
    rows = filing_context(filing, **kwargs)
    assert [r.code for r in rows] == [i.code for i in key_indicators(filing.unit.kind)]
    return next(r for r in rows if r.code == code)


def test_shown_years_are_the_two_before_the_data_year_and_the_data_year(campaigns, gz_unit):
    assert shown_years(Filing(campaign=campaigns[2030], unit=gz_unit)) == [2027, 2028, 2029]


def test_context_earlier_years_come_from_accepted_filings_else_the_values_entered_once(campaigns, gz_unit, sz_unit):
    gz_unit.year_listed = 2027
    gz_unit.save()
    PriorYearValue.objects.bulk_create([
        PriorYearValue(unit=gz_unit, year=2027, code="energy_per_output", value=D("50")),
        PriorYearValue(unit=gz_unit, year=2028, code="energy_per_output", value=D("45")),  # the accepted filing wins
        PriorYearValue(unit=sz_unit, year=2027, code="energy_per_output", value=D("88")),  # another unit's
    ])
    _filing(campaigns[2029], gz_unit, FilingState.ACCEPTED, energy_per_output="40")  # data year 2028
    _filing(campaigns[2028], gz_unit, FilingState.RETURNED, energy_per_output="99")  # not accepted: not shown
    _filing(campaigns[2029], sz_unit, FilingState.ACCEPTED, energy_per_output="77")  # another unit's
    filing = _filing(campaigns[2030], gz_unit, energy_per_output="60", co2_per_output="500")
    energy = _row(filing)
    assert energy.years == [(2027, D("50")), (2028, D("40")), (2029, D("60"))]
    assert (energy.value, energy.last, energy.change, energy.change_percent) == (D("60"), D("40"), D("0.5"), D("50.0"))
    assert (energy.at_listing, energy.listing_year) == (D("50"), 2027)
    assert (energy.suggestion.verdict, energy.suggestion.reason) == (SuggestionKind.COMPLIANT, WITHIN)
    co2 = _row(filing, "co2_per_output")
    assert (co2.years, co2.last, co2.change) == ([(2027, None), (2028, None), (2029, D("500"))], None, None)
    assert (co2.at_listing, co2.listing_year) == (None, 2027)
    assert (co2.suggestion.verdict, co2.suggestion.reason) == (SuggestionKind.NONE, NO_REFERENCE)


def test_context_value_at_listing_is_this_years_when_listed_with_this_years_data(campaigns, gz_unit):
    gz_unit.year_listed = 2029
    gz_unit.save()
    PriorYearValue.objects.create(unit=gz_unit, year=2028, code="energy_per_output", value=D("30"))
    energy = _row(_filing(campaigns[2030], gz_unit, energy_per_output="25"))
    assert (energy.at_listing, energy.listing_year) == (D("25"), 2029)
    assert (energy.years, energy.last) == ([(2027, None), (2028, D("30")), (2029, D("25"))], D("30"))


def test_context_value_at_listing_of_a_year_long_before_the_portal_is_unknown(campaigns, gz_unit):
    gz_unit.year_listed = 2019
    gz_unit.save()
    PriorYearValue.objects.create(unit=gz_unit, year=2028, code="energy_per_output", value=D("30"))
    energy = _row(_filing(campaigns[2030], gz_unit, energy_per_output="25"))
    assert (energy.at_listing, energy.listing_year) == (None, None)


def test_context_value_at_listing_from_an_accepted_filing_of_the_listing_year(campaigns, gz_unit):
    gz_unit.year_listed = 2028
    gz_unit.save()
    _filing(campaigns[2029], gz_unit, FilingState.ACCEPTED, energy_per_output="32")
    energy = _row(_filing(campaigns[2030], gz_unit, energy_per_output="25"))
    assert (energy.at_listing, energy.listing_year, energy.last) == (D("32"), 2028, D("32"))


def test_context_each_accepted_filing_shows_under_its_own_data_year(campaigns, gz_unit):
    gz_unit.year_listed = 2027
    gz_unit.save()
    _filing(campaigns[2028], gz_unit, FilingState.ACCEPTED, energy_per_output="50")  # data year 2027
    _filing(campaigns[2029], gz_unit, FilingState.ACCEPTED, energy_per_output="40")  # data year 2028
    energy = _row(_filing(campaigns[2030], gz_unit, energy_per_output="30"))
    assert energy.years == [(2027, D("50")), (2028, D("40")), (2029, D("30"))]
    assert (energy.last, energy.at_listing, energy.listing_year) == (D("40"), D("50"), 2027)


def test_context_peers_are_this_campaigns_submitted_and_accepted_filings_of_the_same_industry(campaigns, gz_unit):
    filing = _filing(campaigns[2030], gz_unit, energy_per_output="20")
    counted = [("广州市", FilingState.SUBMITTED, "10", "100"), ("深圳市", FilingState.SUBMITTED, "30", "300"),
               ("佛山市", FilingState.ACCEPTED, "40", None)]
    for city, state, energy, co2 in counted:
        values = {"energy_per_output": energy} | ({"co2_per_output": co2} if co2 else {})
        _filing(campaigns[2030], factories.UnitFactory(city=factories.city(city)), state, **values)
    for state in (FilingState.DRAFT, FilingState.RETURNED):
        _filing(campaigns[2030], factories.UnitFactory(), state, energy_per_output="5", co2_per_output="5")
    _filing(campaigns[2030], factories.UnitFactory(industry=Industry.objects.get(code="26")), energy_per_output="6")
    _filing(campaigns[2029], factories.UnitFactory(), energy_per_output="7")  # last year's campaign
    energy = _row(filing)
    assert (energy.peers, energy.median, energy.position) == (4, D("25"), 50)  # 10, 20, 30, 40: one better
    co2 = _row(filing, "co2_per_output")  # not reported by this unit: the peers only, and no position
    assert (co2.value, co2.peers, co2.median, co2.position) == (None, 2, D("200"), None)
    assert (co2.suggestion.verdict, co2.suggestion.reason) == (SuggestionKind.NONE, NOT_REPORTED)
    alone = _row(filing, "renewable_share")
    assert (alone.value, alone.peers, alone.median, alone.position) == (None, 0, None, None)


def test_context_peers_are_units_of_the_same_kind_now(campaigns, gz_unit, province):
    """A unit that filed as a factory and that the registry then corrected to a supply-chain firm (same
    industry) no longer counts among the factories, though its filing still holds factory indicators."""
    corrected = factories.UnitFactory()
    _filing(campaigns[2030], corrected, energy_per_output="10")
    registry_services.update_unit(corrected, actor=province, reason="类别更正", kind=UnitKind.SUPPLY_CHAIN)
    energy = _row(_filing(campaigns[2030], gz_unit, energy_per_output="20"))
    assert (energy.peers, energy.median, energy.position) == (1, D("20"), 100)


def test_context_parks_without_an_industry_have_no_peers(campaigns):
    filings = [_filing(campaigns[2030], factories.UnitFactory(kind=UnitKind.PARK, industry=None),
                       park_energy_per_value_added=v) for v in ("10", "30")]
    rows = [_row(f, "park_energy_per_value_added") for f in filings]
    assert [(r.peers, r.median, r.position) for r in rows] == [(1, D("10"), 100), (1, D("30"), 100)]


def test_context_benchmarks_of_the_units_own_industry(campaigns, gz_unit, industry):
    other = factories.UnitFactory(industry=Industry.objects.get(code="26"))
    mine = _row(_filing(campaigns[2030], gz_unit, energy_per_output="31"))
    assert (mine.baseline, mine.leading, mine.suggestion.verdict, mine.suggestion.reason) == (
        D("30"), D("10"), SuggestionKind.NON_COMPLIANT, "劣于基准值 30。")
    theirs = _row(_filing(campaigns[2030], other, energy_per_output="31"))
    assert (theirs.baseline, theirs.leading, theirs.suggestion.verdict) == (None, None, SuggestionKind.NONE)


@pytest.fixture
def doubled(campaigns, gz_unit):
    """A filing whose energy intensity doubled on last year (+100 %)."""
    _filing(campaigns[2029], gz_unit, FilingState.ACCEPTED, energy_per_output="10")
    return _filing(campaigns[2030], gz_unit, energy_per_output="20")


def _flag(filing, kind=FlagKind.YEAR_ON_YEAR, verdict=FlagVerdict.PENDING, code="energy_per_output") -> DataFlag:
    return DataFlag.objects.create(filing=filing, code=code, kind=kind, value=D("20"), reference=D("10"),
                                   explanation="新增产线", verdict=verdict)


def test_context_a_change_explained_and_accepted_by_the_city_is_compliant(doubled):
    flag = _flag(doubled, verdict=FlagVerdict.CONFIRMED)
    energy = _row(doubled)
    assert (energy.flag, energy.suggestion.verdict, energy.suggestion.reason) == (
        flag, SuggestionKind.COMPLIANT, EXPLAINED)


@pytest.mark.parametrize("verdict", [FlagVerdict.PENDING, FlagVerdict.REJECTED])
def test_context_a_change_whose_explanation_the_city_has_not_accepted_is_checked(doubled, verdict):
    flag = _flag(doubled, verdict=verdict)
    energy = _row(doubled)
    assert (energy.flag, energy.suggestion.verdict, energy.suggestion.reason) == (
        flag, SuggestionKind.CHECK, _check("100"))


def test_context_only_the_year_on_year_flag_explains_a_change(doubled):
    _flag(doubled, kind=FlagKind.OUTLIER, verdict=FlagVerdict.CONFIRMED)
    _flag(doubled, verdict=FlagVerdict.CONFIRMED, code="co2_per_output")  # another indicator's
    energy = _row(doubled)
    assert (energy.flag, energy.suggestion.verdict) == (None, SuggestionKind.CHECK)


def test_context_uses_the_flags_and_values_the_caller_passes(doubled):
    _flag(doubled, verdict=FlagVerdict.CONFIRMED)
    assert _row(doubled, flags=[]).suggestion.verdict == SuggestionKind.CHECK
    energy = _row(doubled, values={"energy_per_output": D("12")})
    assert (energy.value, energy.years[-1], energy.change, energy.suggestion.reason) == (
        D("12"), (2029, D("12")), D("0.2"), WITHIN)


def test_context_of_a_filing_not_saved_yet_shows_nothing_reported(campaigns, gz_unit):
    _filing(campaigns[2030], factories.UnitFactory(), energy_per_output="10")
    rows = filing_context(Filing(campaign=campaigns[2030], unit=gz_unit))
    assert [r.code for r in rows] == FACTORY_CODES
    assert {(r.value, r.position, r.flag, r.suggestion.verdict, r.suggestion.reason) for r in rows} == {
        (None, None, None, SuggestionKind.NONE, NOT_REPORTED)}
    assert [(r.peers, r.median) for r in rows[:2]] == [(1, D("10")), (0, None)]
