"""Every key indicator in context (reviews.services.context): the suggestion rule at its boundaries, the values
shown (three years, change, median, position, benchmarks, value at listing) and a constant number of queries."""

from decimal import Decimal

import pytest

from greencode.models import Benchmark
from reviews.enums import SuggestionKind
from reviews.indicators import BY_CODE
from reviews.models import PriorYearValue
from reviews.services import filings as filing_services
from reviews.services.context import change_of, filing_context, position, suggest
from tests import factories
from tests.reviews.review_helpers import accepted_filing, open_campaign, submitted_filing, totals

ENERGY = BY_CODE["energy_per_output"]  # lower is better
REUSE = BY_CODE["water_reuse_rate"]  # higher is better
D = Decimal


# --- the suggestion rule -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (D("20"), SuggestionKind.COMPLIANT),  # exactly the 基准值: not worse
    (D("20.000001"), SuggestionKind.NON_COMPLIANT),
    (D("19.999999"), SuggestionKind.COMPLIANT),
])
def test_suggest_lower_is_better_against_the_baseline(value, expected):
    assert suggest(ENERGY, value, last=None, baseline=D("20"), explanation_accepted=False).verdict == expected


@pytest.mark.parametrize(("value", "expected"), [
    (D("75"), SuggestionKind.COMPLIANT),
    (D("74.999999"), SuggestionKind.NON_COMPLIANT),
])
def test_suggest_higher_is_better_against_the_baseline(value, expected):
    assert suggest(REUSE, value, last=None, baseline=D("75"), explanation_accepted=False).verdict == expected


@pytest.mark.parametrize(("value", "expected"), [
    (D("150"), SuggestionKind.COMPLIANT),  # exactly +50 %: within the flag threshold
    (D("150.000001"), SuggestionKind.CHECK),
    (D("50"), SuggestionKind.COMPLIANT),  # exactly -50 %
    (D("49.999999"), SuggestionKind.CHECK),
])
def test_suggest_change_on_last_year_at_the_flag_threshold(value, expected):
    assert suggest(ENERGY, value, last=D("100"), baseline=None, explanation_accepted=False).verdict == expected


def test_suggest_a_large_change_with_an_accepted_explanation_is_compliant():
    suggestion = suggest(ENERGY, D("200"), last=D("100"), baseline=None, explanation_accepted=True)
    assert suggestion.verdict == SuggestionKind.COMPLIANT


def test_suggest_a_large_change_without_an_accepted_explanation_is_checked_even_within_the_baseline():
    suggestion = suggest(ENERGY, D("10"), last=D("30"), baseline=D("20"), explanation_accepted=False)
    assert suggestion.verdict == SuggestionKind.CHECK
    assert suggestion.reason == "较上年变化 -66.7 %，超过 ±50 %，且无地市认可的说明。"


def test_suggest_worse_than_the_baseline_wins_over_everything():
    suggestion = suggest(ENERGY, D("21"), last=D("21"), baseline=D("20"), explanation_accepted=True)
    assert (suggestion.verdict, suggestion.reason) == (SuggestionKind.NON_COMPLIANT, "劣于基准值 20。")


def test_suggest_without_any_reference_gives_no_suggestion():
    suggestion = suggest(ENERGY, D("20"), last=None, baseline=None, explanation_accepted=False)
    assert suggestion.verdict == SuggestionKind.NONE and not suggestion.is_verdict


def test_suggest_an_indicator_not_reported_gives_no_suggestion():
    assert suggest(ENERGY, None, last=D("1"), baseline=D("1"), explanation_accepted=False).verdict == SuggestionKind.NONE


def test_change_of_needs_a_positive_last_value():
    assert (change_of(D("1"), D("0")), change_of(D("3"), D("2"))) == (None, D("0.5"))


def test_position_counts_strictly_better_peers_in_the_indicator_direction():
    assert position(ENERGY, D("2"), [D("1"), D("2"), D("2"), D("3")]) == 50  # r = 2 of 4
    assert position(REUSE, D("2"), [D("1"), D("2"), D("2"), D("3")]) == 50
    assert position(ENERGY, D("1"), [D("1"), D("2"), D("3")]) == 34  # ⌈100 · 1 ÷ 3⌉


# --- the values in context ------------------------------------------------------------------------------

@pytest.fixture
def campaigns(db):
    current = open_campaign(2030)
    return {2030: current, 2029: open_campaign(2029), 2028: open_campaign(2028)}


def test_context_shows_three_years_the_change_and_the_value_at_listing(campaigns, gz_reviewer):
    unit = factories.UnitFactory(year_listed=2027)  # listed with its 2027 data: the 2028 campaign
    accepted_filing(campaigns[2028], unit, gz_reviewer)  # energy 20 kgce/万元
    earlier = filing_services.filing_for(campaigns[2029], unit)
    filing_services.save_filing(earlier, {**totals(), "energy_tce": Decimal("240")}, actor=gz_reviewer)
    filing_services.submit_filing(earlier, actor=gz_reviewer)
    from reviews.services import review as review_services
    review_services.accept_suggestions(earlier, actor=gz_reviewer)
    review_services.accept_filing(earlier, actor=gz_reviewer)
    filing = submitted_filing(campaigns[2030], unit)
    rows = {r.code: r for r in filing_context(filing)}
    energy = rows["energy_per_output"]
    assert energy.years == [(2027, D("20")), (2028, D("24")), (2029, D("20"))]
    assert energy.change_percent == D("-16.7")
    assert (energy.at_listing, energy.listing_year) == (D("20"), 2027)
    assert energy.suggestion.verdict == SuggestionKind.COMPLIANT


def test_context_median_position_and_benchmarks_of_the_industry(campaigns, gz_reviewer):
    units = [factories.UnitFactory() for _ in range(3)]
    filings = []
    for unit, energy in zip(units, ("100", "200", "400"), strict=True):
        filing = filing_services.filing_for(campaigns[2030], unit)
        filing_services.save_filing(filing, {**totals(), "energy_tce": Decimal(energy)}, actor=gz_reviewer)
        filings.append(filing_services.submit_filing(filing, actor=gz_reviewer))
    Benchmark.objects.create(industry=units[0].industry, code="energy_per_output", baseline=30, leading=10)
    rows = {r.code: r for r in filing_context(filings[1])}
    energy = rows["energy_per_output"]  # 20 kgce/万元 among 10, 20, 40
    assert (energy.median, energy.peers, energy.position) == (D("20"), 3, 67)
    assert (energy.baseline, energy.leading) == (D("30"), D("10"))
    assert energy.suggestion.verdict == SuggestionKind.COMPLIANT
    worst = {r.code: r for r in filing_context(filings[2])}["energy_per_output"]
    assert (worst.position, worst.suggestion.verdict) == (100, SuggestionKind.NON_COMPLIANT)


def test_context_reads_the_years_a_new_unit_entered_once(campaigns, gz_unit):
    enterprise = factories.enterprise_user(gz_unit)
    filing = filing_services.filing_for(campaigns[2030], gz_unit)
    filing_services.save_filing(filing, totals(), actor=enterprise)
    filing_services.save_prior_values(filing, {2028: {"energy_per_output": D("21")}, 2027: {"energy_per_output": D("22")}},
                                      actor=enterprise)
    energy = {r.code: r for r in filing_context(filing)}["energy_per_output"]
    assert energy.years == [(2027, D("22")), (2028, D("21")), (2029, D("20"))]
    assert energy.suggestion.verdict == SuggestionKind.COMPLIANT  # within ±50 % of 21


def test_prior_years_are_entered_once_before_the_first_submission(campaigns, gz_unit):
    enterprise = factories.enterprise_user(gz_unit)
    filing = submitted_filing(campaigns[2030], gz_unit, enterprise)
    with pytest.raises(filing_services.FilingError) as exc:
        filing_services.save_prior_values(filing, {2028: {"energy_per_output": D("1")}}, actor=enterprise)
    assert str(exc.value) == "以前年度数值只在首次填报、提交之前填写一次。"
    assert not PriorYearValue.objects.exists()


def test_prior_years_only_the_two_years_before(campaigns, gz_unit):
    enterprise = factories.enterprise_user(gz_unit)
    filing = filing_services.filing_for(campaigns[2030], gz_unit)
    with pytest.raises(filing_services.FilingError):
        filing_services.save_prior_values(filing, {2029: {"energy_per_output": D("1")}}, actor=enterprise)


@pytest.mark.parametrize("n", [1, 4])
def test_context_runs_a_constant_number_of_queries(campaigns, gz_reviewer, django_assert_num_queries, n):
    filing = None
    for _ in range(n):
        unit = factories.UnitFactory()
        accepted_filing(campaigns[2029], unit, gz_reviewer)
        filing = submitted_filing(campaigns[2030], unit)
    filing.unit.refresh_from_db()
    # this year's values, earlier accepted values, entered earlier values, peers, flags, benchmarks
    with django_assert_num_queries(6):
        rows = filing_context(filing)
    assert {r.peers for r in rows if r.value is not None} == {n}


def test_context_without_a_benchmark_provider_shows_none(campaigns, gz_unit, settings):
    settings.REVIEW_BENCHMARK_PROVIDERS = []
    Benchmark.objects.create(industry=gz_unit.industry, code="energy_per_output", baseline=30, leading=10)
    filing = submitted_filing(campaigns[2030], gz_unit)
    energy = {r.code: r for r in filing_context(filing)}["energy_per_output"]
    assert (energy.baseline, energy.leading, energy.suggestion.verdict) == (None, None, SuggestionKind.NONE)
