"""The sensitivity figure: grades that change when one indicator group's weight moves ±10 %, computed from each
factory's per-group weighted sums. Hand-computed cohorts (including a move that lands exactly on a tie at the A
cut), and an exact oracle: rational composites, rounded half up, ranked by r = 1 + strictly higher."""

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greencode.services import sensitivity

GROUP_WEIGHTS = {"energy": 35, "resources": 25, "clean": 20, "products": 10, "land": 10}


def run_figure(factories: list[dict]) -> dict:
    """factories: {group: Σwᵢsᵢ} with every indicator applying (Σwᵢ = the group's weight); groups left out score 0."""
    n = len(factories)
    sums = {g: ([float(f.get(g, 0)) for f in factories], [float(w)] * n) for g, w in GROUP_WEIGHTS.items()}
    composites = [float(Decimal(sum(f.values()) / 100).quantize(Decimal("0.0001"), ROUND_HALF_UP))
                  for f in factories]
    a_plus, a = math.ceil(0.05 * n), math.ceil(0.40 * n)
    return sensitivity.figure(composites, sums, GROUP_WEIGHTS, a_plus, a)


def cohort(f2_land: int) -> list[dict]:
    """Five factories (A+ is rank 1, A ranks 1–2). F2 (A) leads F3 (B) by energy 1,000 against land f2_land:
    with energy ×1.1, F2 has 1.1 × 1,000 + f2_land and F3 1.1 × 2,000 — a tie when f2_land is 1,100."""
    return [{"energy": 3500, "land": 1000},  # F1, A+ whatever the weights
            {"energy": 1000, "land": f2_land},  # F2, A
            {"energy": 2000},  # F3, B, the first below the A cut
            {"energy": 500}, {"land": 100}]


@pytest.mark.parametrize(("f2_land", "crossing"), [
    (1101, 0),  # energy +10 %: F3 comes within 0.0097 of F2, still below the cut
    (1100, 1),  # exactly level with F2: ties at the cut get the better grade, so F3 alone becomes A
    (1099, 2),  # F3 overtakes F2: F3 becomes A and F2 drops to B
])
def test_sensitivity_a_move_to_a_tie_at_the_cut_changes_exactly_one_grade(f2_land, crossing):
    figure = run_figure(cohort(f2_land))
    assert figure["groups"]["energy"] == {"weight": 35, "up": crossing, "down": 0}


def test_sensitivity_counts_each_group_and_direction_of_a_hand_computed_cohort():
    figure = run_figure(cohort(1100))
    # land −10 %: F2 = (1,000 + 990) ÷ 99 = 20.1010 < F3 = 2,000 ÷ 99 = 20.2020, a swap at the A cut (2 grades);
    # land +10 %: F2 = 2,210 ÷ 101 = 21.8812 > F3 = 19.8020, nothing moves; the groups where every factory
    # scores 0 scale every composite alike, so no grade changes.
    assert figure == {"shift": 0.1, "graded": 5, "groups": {
        "energy": {"weight": 35, "up": 1, "down": 0}, "resources": {"weight": 25, "up": 0, "down": 0},
        "clean": {"weight": 20, "up": 0, "down": 0}, "products": {"weight": 10, "up": 0, "down": 0},
        "land": {"weight": 10, "up": 0, "down": 2}}}


def test_sensitivity_the_a_plus_cut_counts_like_the_a_cut():
    # 21 factories: A+ is ranks 1–2, A ranks 3–9. F3 (A) draws level with F2 (A+) when energy rises 10 %.
    factories = [{"energy": 3500, "land": 1000}, {"energy": 1000, "land": 2100}, {"energy": 2000, "land": 1000}]
    factories += [{"energy": 100 + i} for i in range(18)]
    figure = run_figure(factories)
    assert (figure["groups"]["energy"]["up"], figure["groups"]["energy"]["down"]) == (1, 0)


@pytest.mark.parametrize("f2_land", [1101, 1100, 1099])
def test_sensitivity_one_weight_for_the_whole_cohort_gives_the_same_figure(f2_land):
    """v1.1 without exceptions: every factory has the same Σwᵢ per group, passed once instead of per factory."""
    factories = cohort(f2_land)
    composites = [sum(f.values()) / 100 for f in factories]
    shared = {g: ([float(f.get(g, 0)) for f in factories], float(w)) for g, w in GROUP_WEIGHTS.items()}
    assert sensitivity.figure(composites, shared, GROUP_WEIGHTS, 1, 2) == run_figure(factories)


def test_sensitivity_of_an_empty_run_is_zero_everywhere():
    figure = sensitivity.figure([], {g: ([], []) for g in GROUP_WEIGHTS}, GROUP_WEIGHTS, 0, 0)
    assert figure["graded"] == 0
    assert {g: (r["up"], r["down"]) for g, r in figure["groups"].items()} == {g: (0, 0) for g in GROUP_WEIGHTS}


def test_sensitivity_rounds_half_up_like_the_run():
    # 0.00005 more than 12.3456 rounds up, as ROUND(x::numeric, 4) does; 0.0000499… does not.
    assert sensitivity.moved_keys([1234.565], [100.0], [0.0], [0.0], 1.1) == [123457]
    assert sensitivity.moved_keys([1234.56499], [100.0], [0.0], [0.0], 1.1) == [123456]


def oracle(factories: list[tuple[list[int], list[int]]], group: int, factor: Fraction) -> int:
    """Exact: each composite as a fraction, rounded half up, ranked r = 1 + strictly higher, cuts ⌈5 %·n⌉, ⌈40 %·n⌉."""
    n = len(factories)
    a_plus, a = math.ceil(0.05 * n), math.ceil(0.40 * n)

    def grades(composites):
        return [0 if r <= a_plus else 1 if r <= a else 2
                for r in (1 + sum(1 for d in composites if d > c) for c in composites)]

    def rounded(x: Fraction) -> Fraction:
        return Fraction(math.floor(x * 10000 + Fraction(1, 2)), 10000)

    base = [rounded(Fraction(sum(s), sum(w))) for s, w in factories]
    moved = [rounded(Fraction(sum(s) + (factor - 1) * s[group], sum(w) + (factor - 1) * w[group]))
             for s, w in factories]
    return sum(1 for x, y in zip(grades(base), grades(moved), strict=True) if x != y)


factory = st.tuples(st.lists(st.integers(0, 100), min_size=3, max_size=3), st.lists(st.sampled_from([0, 1]),
                    min_size=3, max_size=3)).map(
    # three groups of weights 50, 30, 20; a group that does not apply has weight and sum 0 (at least one applies)
    lambda t: ([s * w * a for s, w, a in zip(t[0], (50, 30, 20), (1, *t[1][1:]), strict=True)],
               [w * a for w, a in zip((50, 30, 20), (1, *t[1][1:]), strict=True)]))


@settings(max_examples=60, deadline=None)
@given(st.lists(factory, min_size=1, max_size=25))
def test_sensitivity_agrees_with_an_exact_rational_oracle(factories):
    composites = [float(Fraction(math.floor(Fraction(sum(s), sum(w)) * 10000 + Fraction(1, 2)), 10000))
                  for s, w in factories]
    sums = {g: ([float(s[i]) for s, _w in factories], [float(w[i]) for _s, w in factories])
            for i, g in enumerate(("a", "b", "c"))}
    n = len(factories)
    figure = sensitivity.figure(composites, sums, {"a": 50, "b": 30, "c": 20}, math.ceil(0.05 * n), math.ceil(0.4 * n))
    for i, g in enumerate(("a", "b", "c")):
        assert figure["groups"][g]["up"] == oracle(factories, i, Fraction(11, 10))
        assert figure["groups"][g]["down"] == oracle(factories, i, Fraction(9, 10))
