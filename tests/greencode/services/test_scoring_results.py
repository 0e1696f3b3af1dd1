"""What a scoring run writes, worked out by hand: each factory's composite, rank, percentiles and grade, the run's
counts and cuts, the peer groups and the linear (baseline/leading) scores; and the pure helpers that decide the
peer groups (peer_groups, applicable_peers) at their thresholds."""

from decimal import Decimal

import pytest

from greencode import applicability
from greencode.enums import PeerLevel
from greencode.models import Benchmark, Score, ScoreRun
from greencode.services import scoring
from registry.models import Industry
from tests.greencode.conftest import YEAR

pytestmark = pytest.mark.django_db

ENERGY = "energy_per_output"
KEY = scoring.DIVISION_KEY
W_ENERGY = 35 / 3  # energy_per_output's weight: the energy group's 35 shared by its three indicators
W_WATER = 25 / 4


def ident(code: str) -> int:
    return Industry.objects.get(code=code).pk


def positions(run, unit) -> tuple:
    """(group, composite, rank, percentile, rank in the industry, industry size, industry percentile, grade)."""
    s = Score.objects.get(run=run, unit=unit)
    rounded = [None if p is None else round(p, 4) for p in (s.percentile, s.industry_percentile)]
    return (s.industry_group, s.composite, s.rank, rounded[0], s.industry_rank, s.industry_size, rounded[1], s.grade)


def linear(code: str, baseline, leading, industry: str = "39") -> None:
    Benchmark.objects.create(industry=Industry.objects.get(code=industry), code=code, baseline=Decimal(baseline),
                             leading=Decimal(leading))


# --- the write phase: ranks, percentiles, grades ------------------------------------------------------------

def test_positions_of_a_cohort_of_two_industries_with_a_tie(make_factory):
    """Five graded factories, one indicator (energy, lower is better), both MIIT groups below ten, so the whole
    cohort is the peer group: 10 > 15 > 20 = 20 > 30 score 90, 70, 40, 40, 10 (mid-rank), and v1.1's composite
    is that × 35/3 ÷ 100. Percentile = 100 × (n − r + 1 − ½e) ÷ n overall and within the industry. A+ is rank 1
    (⌈0.05·5⌉), A rank 2 (⌈0.40·5⌉). A sixth factory did not file: it has a row with its reason and no position."""
    e10 = make_factory({ENERGY: 10}, industry="39")
    e15 = make_factory({ENERGY: 15}, industry="38")
    e20a = make_factory({ENERGY: 20}, industry="39")
    e20b = make_factory({ENERGY: 20}, industry="39")
    e30 = make_factory({ENERGY: 30}, industry="38")
    silent = make_factory(industry="38", filed=False)
    run = scoring.run_cohort(YEAR, "national").run
    assert positions(run, e10) == ("electronics", Decimal("10.5000"), 1, 90.0, 1, 3, 83.3333, "A+")
    assert positions(run, e15) == ("equipment", Decimal("8.1667"), 2, 70.0, 1, 2, 75.0, "A")
    assert positions(run, e20a) == ("electronics", Decimal("4.6667"), 3, 40.0, 2, 3, 33.3333, "B")
    assert positions(run, e20b) == positions(run, e20a)
    assert positions(run, e30) == ("equipment", Decimal("1.1667"), 5, 10.0, 2, 2, 25.0, "B")
    assert positions(run, silent) == ("equipment", None, None, None, None, None, None, "")
    filings = dict(Score.objects.filter(run=run).values_list("unit_id", "filing_id"))
    assert filings == {e10.pk: e10.filings.get().pk, e15.pk: e15.filings.get().pk, e20a.pk: e20a.filings.get().pk,
                       e20b.pk: e20b.filings.get().pk, e30.pk: e30.filings.get().pk, silent.pk: None}
    run = ScoreRun.objects.get(pk=run.pk)
    assert (run.inputs, run.graded, run.rank_a_plus, run.rank_a) == (6, 5, 1, 2)
    assert (run.cut_a_plus, run.cut_a) == (Decimal("10.5000"), Decimal("8.1667"))
    assert run.counts == {"grades": {"A+": 1, "A": 1, "B": 3}, "reasons": {"not_filed": 1}}


def test_a_single_graded_factory_is_at_the_50th_percentile_and_a_plus(make_factory):
    """n = 1: 100 × (1 − 1 + 1 − ½) ÷ 1 = 50 overall and in the industry; ⌈0.05⌉ = ⌈0.40⌉ = 1, so A+, and no A."""
    only = make_factory({ENERGY: 10})
    make_factory({"water_per_output": 3})  # neither energy nor CO₂: irregular, not graded
    run = scoring.run_cohort(YEAR, "national", method="v1").run
    assert positions(run, only) == ("electronics", Decimal("50.0000"), 1, 50.0, 1, 1, 50.0, "A+")
    run = ScoreRun.objects.get(pk=run.pk)
    assert (run.inputs, run.graded, run.rank_a_plus, run.rank_a) == (2, 1, 1, 1)
    assert (run.cut_a_plus, run.cut_a) == (Decimal("50.0000"), None)
    assert run.counts == {"grades": {"A+": 1, "A": 0, "B": 0}, "reasons": {"irregular": 1}}


def test_a_v1_run_without_widening_scores_by_the_baseline_and_leading_values(make_factory):
    """v1 (only what was reported applies); both indicators have baseline and leading values in division 39, so no
    peer group is widened and the run takes one pass. Energy (lower is better) 200 → 0 and 100 → 100; renewable
    share (higher is better) 10 → 0 and 50 → 100, clamped at both ends. Composite: the mean (equal weights)."""
    linear(ENERGY, 200, 100)
    linear("renewable_share", 10, 50)
    values = [(50, 30), (150, 5), (300, 60)]
    units = [make_factory({ENERGY: e, "renewable_share": r}) for e, r in values]
    run = scoring.run_cohort(YEAR, "national", method="v1").run
    subs = [(s.s_energy_per_output, s.s_renewable_share, s.composite)
            for s in (Score.objects.get(run=run, unit=u) for u in units)]
    assert subs == [(100.0, 50.0, Decimal("75.0000")), (50.0, 0.0, Decimal("25.0000")),
                    (0.0, 100.0, Decimal("50.0000"))]
    assert run.peer_groups == {str(ident("39")): {ENERGY: [PeerLevel.BENCHMARK.value, 0],
                                                  "renewable_share": [PeerLevel.BENCHMARK.value, 0]}}


def test_v1_1_ten_factories_of_one_division_are_scored_in_it_and_by_a_benchmark(make_factory):
    """v1.1 with ten graded factories in division 39: every indicator has its ten peers there (blanks count), so
    no group is widened; energy has baseline and leading values and is scored linearly, CO₂ by mid-rank among
    the ten, where the one that left it blank ranks below the nine values reported."""
    linear(ENERGY, 100, 0)
    units = [make_factory({ENERGY: 10 * i, "co2_per_output": 100 - i}) for i in range(9)]
    units.append(make_factory({ENERGY: 90}))  # CO₂ left blank
    run = scoring.run_cohort(YEAR, "national").run
    first, best_co2, blank = (Score.objects.get(run=run, unit=u) for u in (units[0], units[8], units[9]))
    assert (first.s_energy_per_output, first.s_co2_per_output) == (100.0, 15.0)  # CO₂ 100: above the blank only
    assert (best_co2.s_energy_per_output, best_co2.s_co2_per_output) == (20.0, 95.0)
    assert (blank.s_energy_per_output, blank.s_co2_per_output) == (10.0, 0.0)
    groups = run.peer_groups[str(ident("39"))]
    assert groups[ENERGY] == [PeerLevel.BENCHMARK.value, 0]
    assert {code: level for code, level in groups.items() if code != ENERGY} == {
        code: [PeerLevel.DIVISION.value, 10] for code in scoring.SCORED_CODES if code != ENERGY}


def test_v1_1_an_indicator_that_does_not_apply_leaves_the_division_out_of_its_peers(make_factory, monkeypatch):
    """Water does not apply to division 39: its factories' water values are ignored, 38's two factories are each
    other's only water peers, and 39's composites are renormalised over the other fourteen (Σw = 93.75).
    Energy: one cohort of four, 10 > 15 > 20 > 25: 87.5, 62.5, 37.5, 12.5."""
    monkeypatch.setitem(applicability.NOT_APPLICABLE, "39", {"water_per_output": "不适用（测试）"})
    a38 = make_factory({ENERGY: 10, "water_per_output": 1}, industry="38")
    b38 = make_factory({ENERGY: 20, "water_per_output": 2}, industry="38")
    a39 = make_factory({ENERGY: 15, "water_per_output": Decimal("0.5")}, industry="39")
    b39 = make_factory({ENERGY: 25, "water_per_output": 3}, industry="39")
    run = scoring.run_cohort(YEAR, "national").run
    got = {u: Score.objects.get(run=run, unit=u) for u in (a38, b38, a39, b39)}
    assert {u: (s.s_energy_per_output, s.s_water_per_output) for u, s in got.items()} == {
        a38: (87.5, 75.0), b38: (37.5, 25.0), a39: (62.5, None), b39: (12.5, None)}
    assert {u: s.composite for u, s in got.items()} == {
        a38: Decimal(str(round((W_ENERGY * 87.5 + W_WATER * 75) / 100, 4))),
        b38: Decimal(str(round((W_ENERGY * 37.5 + W_WATER * 25) / 100, 4))),
        a39: Decimal(str(round(W_ENERGY * 62.5 / 93.75, 4))),
        b39: Decimal(str(round(W_ENERGY * 12.5 / 93.75, 4)))}
    assert run.peer_groups[str(ident("38"))]["water_per_output"] == [PeerLevel.COHORT.value, 2]
    assert "water_per_output" not in run.peer_groups[str(ident("39"))]
    assert run.peer_groups[str(ident("39"))][ENERGY] == [PeerLevel.COHORT.value, 4]


def test_grades_of_21_factories_change_after_rank_2_and_after_rank_9(make_factory):
    """⌈0.05·21⌉ = 2 and ⌈0.40·21⌉ = 9: ranks 1–2 A+ (5 %), 3–9 A (the next 35 %), 10–21 B."""
    units = [make_factory({ENERGY: 100 + i}) for i in range(21)]
    run = scoring.run_cohort(YEAR, "national").run
    got = dict(Score.objects.filter(run=run).values_list("unit_id", "grade"))
    assert [got[u.pk] for u in units] == ["A+"] * 2 + ["A"] * 7 + ["B"] * 12
    run = ScoreRun.objects.get(pk=run.pk)
    assert (run.rank_a_plus, run.rank_a, run.counts["grades"]) == (2, 9, {"A+": 2, "A": 7, "B": 12})
    assert (run.cut_a_plus, run.cut_a) == (Score.objects.get(run=run, unit=units[1]).composite,
                                           Score.objects.get(run=run, unit=units[8]).composite)


def test_a_run_widens_to_the_miit_group_when_it_holds_exactly_ten(make_factory):
    """Divisions 36 (4) and 38 (6) are both equipment: each alone is thin, together exactly ten."""
    d36 = [make_factory({ENERGY: 10 + i, "co2_per_output": 10 + i}, industry="36") for i in range(4)]
    d38 = [make_factory({ENERGY: 20 + i, "co2_per_output": 20 + i}, industry="38") for i in range(6)]
    make_factory({ENERGY: 1, "co2_per_output": 1}, industry="39")  # electronics: not a peer of the equipment group
    run = scoring.run_cohort(YEAR, "national", method="v1").run
    widened = {ENERGY: [PeerLevel.GROUP.value, 10], "co2_per_output": [PeerLevel.GROUP.value, 10]}
    assert run.peer_groups[str(ident("36"))] == run.peer_groups[str(ident("38"))] == widened
    best, worst = (Score.objects.get(run=run, unit=u) for u in (d36[0], d38[5]))
    assert (best.s_energy_per_output, worst.s_energy_per_output) == (95.0, 5.0)
    assert (best.s_co2_per_output, worst.s_co2_per_output) == (95.0, 5.0)  # the second indicator widens too


def test_v1_1_an_indicator_that_does_not_apply_to_two_divisions_is_left_out_of_both(make_factory, monkeypatch):
    """Water does not apply to 38 nor 39: only 36's two factories score it; the others' composites leave it out."""
    for division in ("38", "39"):
        monkeypatch.setitem(applicability.NOT_APPLICABLE, division, {"water_per_output": "不适用（测试）"})
    a36 = make_factory({ENERGY: 10, "water_per_output": 2}, industry="36")
    b36 = make_factory({ENERGY: 40, "water_per_output": 1}, industry="36")
    d38 = make_factory({ENERGY: 20, "water_per_output": 1}, industry="38")
    d39 = make_factory({ENERGY: 30, "water_per_output": 1}, industry="39")
    run = scoring.run_cohort(YEAR, "national").run
    got = {u: Score.objects.get(run=run, unit=u) for u in (a36, b36, d38, d39)}
    assert {u: (s.s_energy_per_output, s.s_water_per_output) for u, s in got.items()} == {
        a36: (87.5, 25.0), b36: (12.5, 75.0), d38: (62.5, None), d39: (37.5, None)}
    assert got[d38].composite == Decimal(str(round(W_ENERGY * 62.5 / 93.75, 4)))


# --- the peer-group helpers ---------------------------------------------------------------------------------

def test_peer_group_widens_to_the_miit_group_at_exactly_ten_in_it():
    counts = [(0, 1, "equipment", 4), (0, 2, "equipment", 6), (0, 3, "consumer", 9), (0, 4, "consumer", 2)]
    groups = scoring.peer_groups(counts, [ENERGY], set())
    assert groups == {"1": {ENERGY: [PeerLevel.GROUP.value, 10]}, "2": {ENERGY: [PeerLevel.GROUP.value, 10]},
                      "3": {ENERGY: [PeerLevel.GROUP.value, 11]}, "4": {ENERGY: [PeerLevel.GROUP.value, 11]}}


def test_peer_groups_per_indicator_with_a_benchmark_and_the_cohort_across_groups():
    counts = [(0, 1, "equipment", 3), (1, 1, "equipment", 12), (0, 2, "consumer", 5), (1, 2, "consumer", 1)]
    groups = scoring.peer_groups(counts, [ENERGY, "co2_per_output"], {(1, ENERGY)})
    assert groups == {
        "1": {ENERGY: [PeerLevel.BENCHMARK.value, 0], "co2_per_output": [PeerLevel.DIVISION.value, 12]},
        "2": {ENERGY: [PeerLevel.COHORT.value, 8], "co2_per_output": [PeerLevel.COHORT.value, 13]}}


def test_applicable_peers_leave_out_the_industry_where_the_indicator_does_not_apply():
    """v1.1: per (indicator, industry) that applies, its graded factories in the division, its group and the cohort."""
    graded = [(1, "equipment", 4), (2, "equipment", 7), (3, "consumer", 2)]
    rows = scoring.applicable_peers(graded, 2, {(2, 1)})
    assert rows == [(1, 4, 11, 13), (2, 7, 11, 13), (3, 2, 2, 13),
                    (KEY + 1, 4, 4, 6), (KEY + 3, 2, 2, 6)]


# --- sensitivity: the per-factory group weights of a v1 run -------------------------------------------------

def test_v1_sensitivity_reads_each_groups_own_weights_where_two_groups_vary(make_factory):
    """v1: every factory reports energy (one weight for all) but only some report land or products, so those two
    groups' applicable weights vary by factory. Linear scores: energy 100 − value, land and green-material rate
    their value. F2 (energy 60, land 100) 68.8889 is just below F3 (energy 60, green material 90) 69.0000, the last
    A. Land +10 %: F2 69.5652 overtakes F3 (2 grades change); products −10 %: F3 68.3505 falls below F2 (2); the
    other moves keep the order (energy +10 %: 68.2474 < 68.4112; −10 %: 69.6386 < 69.6774)."""
    linear(ENERGY, 100, 0)
    linear("output_per_land", 0, 100)
    linear("green_material_rate", 0, 100)
    units = [make_factory({ENERGY: 0, "output_per_land": 100, "green_material_rate": 100}),
             make_factory({ENERGY: 40, "output_per_land": 100}),
             make_factory({ENERGY: 40, "green_material_rate": 90}),
             make_factory({ENERGY: 50}), make_factory({ENERGY: 90})]
    run = scoring.run_cohort(YEAR, "national", method="v1").run
    assert [Score.objects.get(run=run, unit=u).composite for u in units] == [
        Decimal("100.0000"), Decimal("68.8889"), Decimal("69.0000"), Decimal("50.0000"), Decimal("10.0000")]
    assert [Score.objects.get(run=run, unit=u).grade for u in units] == ["A+", "B", "A", "B", "B"]
    assert ScoreRun.objects.get(pk=run.pk).sensitivity == {"shift": 0.1, "graded": 5, "groups": {
        "energy": {"weight": 35.0, "up": 0, "down": 0}, "resources": {"weight": 25.0, "up": 0, "down": 0},
        "clean": {"weight": 20.0, "up": 0, "down": 0}, "products": {"weight": 10.0, "up": 0, "down": 2},
        "land": {"weight": 10.0, "up": 2, "down": 0}}}


def test_v1_1_a_factory_whose_reported_indicators_do_not_apply_is_graded_on_its_blanks(make_factory, monkeypatch):
    # It was left without grade or reason (no row of its own among the scored values) until this test found it.
    monkeypatch.setitem(applicability.NOT_APPLICABLE, "39", {ENERGY: "不适用（测试）"})
    energy_only = make_factory({ENERGY: 10})
    both = make_factory({ENERGY: 10, "co2_per_output": 5})
    run = scoring.run_cohort(YEAR, "national").run
    assert positions(run, both)[1:3] == (Decimal(str(round(W_ENERGY * 75 / (100 - W_ENERGY), 4))), 1)
    assert positions(run, energy_only) == ("electronics", Decimal("0.0000"), 2, 25.0, 2, 2, 25.0, "B")
    assert ScoreRun.objects.get(pk=run.pk).graded == 2
