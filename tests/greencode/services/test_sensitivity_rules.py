"""greencode/services/sensitivity.py's arithmetic, pinned: the moved composites in ten-thousandths rounded half
up (with one denominator for the cohort and with one per factory), and the figure over factories whose applicable
weights differ."""

import pytest

from greencode.services import sensitivity


def test_moved_keys_one_denominator_for_the_cohort_rounds_half_up():
    # energy +10 %: (1,234.5 + 0.1 × 0) ÷ (100 + 0.1 × 10) = 12.22277… → 122,228 ten-thousandths
    assert sensitivity.moved_keys([1234.5, 0.0], 100.0, [0.0, 0.0], 10.0, 1.1) == [122228, 0]
    # −10 % of a group that carries the whole total: (1,000 − 0.1 × 1,000) ÷ (100 − 0.1 × 100) = 10
    assert sensitivity.moved_keys([1000.0], 100.0, [1000.0], 100.0, 0.9) == [100000]


def test_moved_keys_one_denominator_per_factory():
    # (1,234.5 + 0.1 × 0) ÷ (100 + 0.1 × 10) and (50 + 0.1 × 50) ÷ (1 + 0.1 × 1)
    assert sensitivity.moved_keys([1234.5, 50.0], [100.0, 1.0], [0.0, 50.0], [10.0, 1.0], 1.1) == [122228, 500000]


def test_moved_keys_a_composite_just_below_half_a_ten_thousandth_rounds_down_and_at_it_up():
    assert sensitivity.moved_keys([0.0049, 0.005], 1.0, [0.0, 0.0], 0.0, 1.1) == [49, 50]
    assert sensitivity.moved_keys([0.00004, 0.00005], 1.0, [0.0, 0.0], 0.0, 1.1) == [0, 1]


def test_figure_of_factories_whose_applicable_weights_differ():
    # F1 scores 50 on an applicable weight of 0.2, F2 52 on 1.0: F2 is A+ (n = 2: A+ and A are rank 1), F1 B.
    # Moving energy scales each factory's numerator and denominator alike, and land weighs nothing for either:
    # no grade changes. (A total that started at 1 instead of 0 would lift F1 to 55 and swap them.)
    sums = {"energy": ([10.0, 52.0], [0.2, 1.0]), "land": ([0.0, 0.0], [0.0, 0.0])}
    figure = sensitivity.figure([50.0, 52.0], sums, {"energy": 35.0}, 1, 1)
    assert figure == {"shift": 0.1, "graded": 2, "groups": {
        "energy": {"weight": 35.0, "up": 0, "down": 0},
        "land": {"weight": 0, "up": 0, "down": 0},  # a group without a weight of its own shows 0
    }}


@pytest.mark.parametrize(("keys", "a_plus", "a", "cuts"), [
    ([5, 9, 7, 9], 1, 2, (9, 9)),  # a tie at the top: both are at least the 2nd highest
    ([1, 2, 3, 4, 5], 1, 2, (5, 4)),
    ([1, 2, 3, 4, 5], 2, 4, (4, 2)),
])
def test_cuts_are_the_kth_highest_keys(keys, a_plus, a, cuts):
    assert sensitivity.cuts(keys, a_plus, a) == cuts
