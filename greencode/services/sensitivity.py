"""How stable a run's grades are: the grades that change when one indicator group's weight moves ±10 %.

For each group and each direction the group's indicator weights are multiplied by 1.1 (or 0.9), the others
kept, so each factory's composite Σwᵢsᵢ ÷ Σwᵢ over the indicators that apply to it is renormalised by the
new weights; the composites are rounded half up to 4 decimals, ranked again with the same cuts
(A+ r ≤ ⌈5 %·n⌉, A r ≤ ⌈40 %·n⌉, r = 1 + factories strictly higher), and the factories whose grade differs
from the run's are counted.

One pass over the run's sub-scores: per factory, the weighted sum and the applicable weight of each group
(read by greencode.services.scoring from its working table, one row per factory). Each of the ten moves is then
a list of integers (composites in units of 0.0001), one sort for its two cut values and one count, in plain
Python; where every factory has the same applicable weights (v1.1 without exceptions) a move is one multiply-add
per factory. About 0.03 s of CPU per move at 100,000 factories.
"""

from __future__ import annotations

from collections.abc import Sequence

SHIFT = 0.10
DIRECTIONS = (("up", 1 + SHIFT), ("down", 1 - SHIFT))
# Rounding half up to 4 decimals as PostgreSQL's ROUND(x::numeric, 4) does for the run's composites: it first
# keeps 15 significant digits, so a composite that lands within 5·10⁻¹⁴ below a half (float error for a
# true half) rounds up. In units of 0.0001 that is 5·10⁻¹⁰ for composites of 10 to 100.
HALF_UP = 0.5 + 5e-10

Weights = Sequence[float] | float  # per factory, or one value when every factory has the same


def keys_of(composites: Sequence[float]) -> list[int]:
    """Rounded composites (already at 4 decimals) as integers in units of 0.0001."""
    return [round(c * 10000) for c in composites]


def cuts(keys: Sequence[int], a_plus: int, a: int) -> tuple[int, int]:
    """The lowest A+ and the lowest A composite: r ≤ k exactly when the composite is at least the k-th highest,
    so ties at a cut get the better grade, as in the run."""
    ordered = sorted(keys, reverse=True)
    return ordered[a_plus - 1], ordered[a - 1]


def grades(keys: Sequence[int], a_plus: int, a: int) -> list[int]:
    """0 for A+, 1 for A, 2 for B: the number of cuts the composite falls below."""
    if not keys:
        return []
    cut_plus, cut_a = cuts(keys, a_plus, a)
    return [(k < cut_plus) + (k < cut_a) for k in keys]


def changed(base: Sequence[int], keys: Sequence[int], a_plus: int, a: int) -> int:
    """How many factories' grade under `keys` differs from `base` (their grades in the run)."""
    if not keys:
        return 0
    cut_plus, cut_a = cuts(keys, a_plus, a)
    return sum((k < cut_plus) + (k < cut_a) != before for before, k in zip(base, keys, strict=True))


def moved_keys(total: Sequence[float], weight: Weights, group_total: Sequence[float], group_weight: Weights,
               factor: float) -> list[int]:
    """Composites with one group's weights multiplied by `factor`, rounded half up, in units of 0.0001."""
    d = factor - 1
    if isinstance(weight, float) and isinstance(group_weight, float):  # one denominator for every factory
        scale = 10000.0 / (weight + d * group_weight)
        return [int((s + d * gs) * scale + HALF_UP) for s, gs in zip(total, group_total, strict=True)]
    return [int((s + d * gs) / (w + d * gw) * 10000.0 + HALF_UP)
            for s, w, gs, gw in zip(total, _each(weight, total), group_total, _each(group_weight, total), strict=True)]


def _each(weights: Weights, like: Sequence) -> Sequence[float]:
    return [weights] * len(like) if isinstance(weights, float) else weights


def _add(x: Weights, y: Weights, like: Sequence) -> Weights:
    if isinstance(x, float) and isinstance(y, float):
        return x + y
    return [p + q for p, q in zip(_each(x, like), _each(y, like), strict=True)]


def figure(composites: Sequence[float], sums: dict[str, tuple[Sequence[float], Weights]],
           group_weights: dict[str, float], a_plus: int, a: int) -> dict:
    """The run's sensitivity figure.

    composites: each graded factory's rounded composite (as the run stored it); sums: per group, each factory's
    Σwᵢsᵢ and Σwᵢ over the group's indicators that apply to it (same order; Σwᵢ may be one float when every
    factory has the same); a_plus, a: the last A+ and A ranks.
    Returns {"shift": 0.1, "graded": n, "groups": {group: {"weight", "up", "down"}}}.
    """
    base = grades(keys_of(composites), a_plus, a)
    total: Weights = 0.0
    weight: Weights = 0.0
    for group_total, group_weight in sums.values():
        total, weight = _add(total, group_total, base), _add(weight, group_weight, base)
    groups = {}
    for group, (group_total, group_weight) in sums.items():
        row = {"weight": group_weights.get(group, 0)}
        for direction, factor in DIRECTIONS:
            row[direction] = changed(base, moved_keys(total, weight, group_total, group_weight, factor), a_plus, a)
        groups[group] = row
    return {"shift": SHIFT, "graded": len(base), "groups": groups}
