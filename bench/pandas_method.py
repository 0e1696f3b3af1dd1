"""The green-code method as an analyst would write it in pandas: read_sql → peer groups → ranks → COPY back.

The yardstick of `bench/versus_pandas.py`. It implements the published method independently of the portal's
SQL (greencode/services/scoring.py), reading the same tables:
1. the graded cohort (listed factories of the level with an accepted filing of the year, no incident since the
   previous year began, energy or CO₂ reported, no unconfirmed data flag) and their scored indicator values,
   in one read_sql;
2. each indicator scored within its peer group — the division's factories to which it applies, widened to the
   MIIT group, then to the cohort, below 10 — as the mid-rank percentile 100 × (rank_average − ½) ÷ peers in the
   better direction, or linearly between 基准值 and 引领值 where the province set them; under v1.1 a blank that
   applies scores 0 and ranks below every value, under v1 it does not apply;
3. the composite Σwᵢsᵢ ÷ Σwᵢ over the indicators that apply, rounded half up to 4 decimals (as PostgreSQL's
   ROUND(x::numeric, 4): 15 significant digits, then half away from zero);
4. rank, grade cuts (A+ r ≤ ⌈5 %·n⌉, A r ≤ ⌈40 %·n⌉), overall and industry percentiles;
5. the sensitivity figure (grades changed when a group's weight moves ±10 %);
6. the result COPYed back into a table of its own.

Needs pandas and numpy (requirements-bench.txt), which the portal itself does not.
"""

from __future__ import annotations

import io
import math
import warnings

import numpy as np
import pandas as pd

GRADES = np.array(["A+", "A", "B"], dtype=object)
OUT_TABLE = "bench_pandas_score"


def round_half_up_4(x: np.ndarray) -> np.ndarray:
    """PostgreSQL's ROUND(CAST(x AS NUMERIC), 4) of a double: 15 significant digits, then half away from zero."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        magnitude = np.floor(np.log10(np.abs(x)))
    decimals = np.where(np.isfinite(magnitude), 14 - magnitude, 15)  # 15 significant digits
    scale = 10.0 ** decimals
    fifteen = np.rint(x * scale) / scale
    return np.sign(fifteen) * np.floor(np.abs(fifteen) * 1e4 + 0.5) / 1e4


def grades_of(composite: np.ndarray, a_plus: int, a: int) -> np.ndarray:
    """0 (A+), 1 (A) or 2 (B): rank r = 1 + strictly higher; A+ iff r ≤ a_plus iff c ≥ the a_plus-th largest."""
    ordered = np.sort(composite)[::-1]
    cut_plus, cut_a = ordered[a_plus - 1], ordered[a - 1]
    return np.where(composite >= cut_plus, 0, np.where(composite >= cut_a, 1, 2))


def read_cohort(cursor, tables: dict, campaign: dict, level: str, codes: list[str]) -> pd.DataFrame:
    """One row per graded factory and scored indicator it reported (long format), as read_sql would give it."""
    t = tables
    since = f"{campaign['year'] - 1}-01-01"
    sql = f"""
    SELECT u.id AS unit_id, u.industry_id, i."group" AS grp, x.code, CAST(x.value AS DOUBLE PRECISION) AS value
    FROM {t['unit']} u
    JOIN {t['industry']} i ON i.id = u.industry_id
    JOIN {t['filing']} f ON f.unit_id = u.id AND f.campaign_id = %(campaign)s AND f.state = 'accepted'
    LEFT JOIN {t['fi']} x ON x.filing_id = f.id AND x.code = ANY(%(codes)s)
    WHERE u.kind = 'factory' AND u.level = %(level)s AND u.status = 'listed'
      AND NOT EXISTS (SELECT 1 FROM {t['incident']} ir LEFT JOIN {t['campaign']} c ON c.id = ir.campaign_id
                      WHERE ir.unit_id = u.id
                        AND (c.year >= %(year)s OR (ir.campaign_id IS NULL AND ir.occurred_on >= %(since)s)))
      AND EXISTS (SELECT 1 FROM {t['fi']} e WHERE e.filing_id = f.id
                  AND e.code IN ('energy_per_output', 'co2_per_output'))
      AND NOT EXISTS (SELECT 1 FROM {t['flag']} df WHERE df.filing_id = f.id AND df.verdict <> 'confirmed')
    """  # noqa: S608 (table names from the models; values are parameters)
    params = {"campaign": campaign["id"], "level": level, "codes": codes, "year": campaign["year"], "since": since}
    with warnings.catch_warnings():  # pandas prefers SQLAlchemy; a DB-API connection is what an analyst has here
        warnings.simplefilter("ignore", UserWarning)
        return pd.read_sql(sql, cursor.connection, params=params)


def score(long: pd.DataFrame, *, codes: list[str], directions: dict, groups: dict, weights: dict,
          benchmarks: list, not_applicable: list, blank_scores_zero: bool, min_peers: int = 10,
          shares: tuple = (0.05, 0.40), group_weights: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """The method on the long table: per factory its sub-scores, composite, ranks and grade; and the sensitivity."""
    units = long.drop_duplicates("unit_id").set_index("unit_id")[["industry_id", "grp"]].sort_index()
    wide = (long.dropna(subset=["code"]).pivot(index="unit_id", columns="code", values="value")
            .reindex(index=units.index, columns=codes))
    better = wide * pd.Series(directions)[codes]
    applies = pd.DataFrame(True, index=units.index, columns=codes)
    if not blank_scores_zero:
        applies = better.notna()
    for industry, code in not_applicable:
        applies.loc[units["industry_id"] == industry, code] = False
    # Blanks that apply rank below every value: −inf before ranking; what does not apply is left out (NaN).
    ranked = better.fillna(-np.inf).where(applies)
    ranked["industry_id"], ranked["grp"], ranked["all"] = units["industry_id"], units["grp"], 0
    sub = pd.DataFrame(np.nan, index=units.index, columns=codes)
    division_n = ranked.groupby("industry_id")[codes].count()
    group_n = ranked.groupby("grp")[codes].count()
    bench = {(i, c): (b, lead) for i, c, b, lead in benchmarks}
    thin = division_n.reindex(units["industry_id"]).set_axis(units.index) < min_peers
    group_ok = group_n.reindex(units["grp"]).set_axis(units.index) >= min_peers
    levels = [("industry_id", pd.DataFrame(True, index=units.index, columns=codes))]
    if thin.to_numpy().any():  # wider windows only where some division is thin
        levels += [("grp", thin & group_ok), ("all", thin & ~group_ok)]
    for key, use in levels:
        grouped = ranked.groupby(key)[codes]
        points = 100.0 * (grouped.rank(method="average") - 0.5) / grouped.transform("count")
        sub = sub.mask(use & applies, points)
    for (industry, code), (base, lead) in bench.items():
        rows = units["industry_id"] == industry
        linear = (100.0 * (wide.loc[rows, code] - base) / (lead - base)).clip(0, 100)
        sub.loc[rows, code] = linear.where(applies.loc[rows, code])
    sub = sub.mask(applies & better.isna(), 0.0)  # a blank that applies scores 0
    w = pd.Series(weights)[codes]
    applied_w = applies.astype(float) * w
    total = (sub.fillna(0.0) * w).sum(axis=1)
    raw = total / applied_w.sum(axis=1)
    composite = round_half_up_4(raw.to_numpy())
    n = len(composite)
    a_plus, a = math.ceil(shares[0] * n), math.ceil(shares[1] * n)
    out = pd.DataFrame(index=units.index)
    out["industry_id"] = units["industry_id"]
    out["composite"] = composite
    out["rank"] = out["composite"].rank(method="min", ascending=False).astype(int)
    equal = out.groupby("composite")["composite"].transform("size")
    out["percentile"] = 100.0 * (n - out["rank"] + 1 - 0.5 * equal) / n
    out["industry_rank"] = out.groupby("industry_id")["composite"].rank(method="min", ascending=False).astype(int)
    out["industry_size"] = out.groupby("industry_id")["composite"].transform("size")
    ind_equal = out.groupby(["industry_id", "composite"])["composite"].transform("size")
    out["industry_percentile"] = 100.0 * (out["industry_size"] - out["industry_rank"] + 1 - 0.5 * ind_equal) / \
        out["industry_size"]
    base_grades = grades_of(composite, a_plus, a)
    out["grade"] = GRADES[base_grades]
    for code in codes:
        out[f"s_{code}"] = sub[code]
    sensitivity = {}
    if group_weights:
        weighted = sub.fillna(0.0) * w
        for group, members in group_weights.items():
            s_g = weighted[members].sum(axis=1).to_numpy()
            w_g = applied_w[members].sum(axis=1).to_numpy()
            changed = []
            for delta in (0.1, -0.1):
                moved = round_half_up_4((total.to_numpy() + delta * s_g) / (applied_w.sum(axis=1).to_numpy()
                                                                          + delta * w_g))
                changed.append(int((grades_of(moved, a_plus, a) != base_grades).sum()))
            sensitivity[group] = changed
    return out, sensitivity


def copy_back(cursor, out: pd.DataFrame) -> None:
    """The analyst's result table, written with COPY (created afresh)."""
    cursor.execute(f"DROP TABLE IF EXISTS {OUT_TABLE}")
    columns = ["unit_id", *out.columns]
    types = {"unit_id": "bigint", "industry_id": "bigint", "grade": "varchar(2)", "rank": "integer",
             "industry_rank": "integer", "industry_size": "integer"}
    spec = ", ".join(f"{c} {types.get(c, 'double precision')}" for c in columns)
    cursor.execute(f"CREATE TABLE {OUT_TABLE} ({spec})")
    buf = io.StringIO()
    out.to_csv(buf, header=False, na_rep="")
    buf.seek(0)
    cursor.copy_expert(f"COPY {OUT_TABLE} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buf)
