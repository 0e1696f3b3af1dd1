# ruff: noqa: S608  (SQL is built from model table names and constants; every value is a parameter)
"""Methods v1 and v1.1: score one cohort (a year and a level) in a handful of set-based SQL statements.

The whole run is one transaction: readers see the previous finished run until this one commits, and a
failure leaves the previous run as it was (the failed ScoreRun row is kept, marked failed, for operators).

Phases (each one statement or a few, whatever the cohort size):
1. eligibility — every factory of the cohort, with its no-code reason or none (a working table of the run);
2. indicators  — per graded factory and scored indicator, a mid-rank percentile in the better direction
   within the peer group (division → MIIT group → cohort below 10 peers), or the linear 基准值/引领值 score
   where the province set them; then the weighted composite over the indicators that apply (one statement
   of window functions and a GROUP BY, into a working table). v1: an indicator applies where the factory
   reported it. v1.1 (against omission): every indicator of greencode.applicability applies; one left blank
   scores 0 and counts as the worst value among its peers, so leaving a weak value out never helps;
3. write       — ranks, overall and industry mid-rank percentiles and grades, inserted as the run's Score
   rows in one INSERT … SELECT;
4. sensitivity — how many grades change when one indicator group's weight moves ±10 % (recomputed from the
   sub-scores in one read, greencode.services.sensitivity, in a thread while the scores are written), stored
   on the run;
5. codes       — applied-for codes of the cohort follow the new grade (or are revoked with the reason).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from registry.enums import UnitKind, UnitStatus
from registry.models import Industry, Unit
from reviews.enums import FilingState, FlagVerdict
from reviews.indicators import HIGHER_IS_BETTER, indicators_for
from reviews.models import Campaign, DataFlag, Filing, FilingIndicator, IncidentReport
from reviews.queries import FILED_STATES  # one definition of "filed": a draft-only unit is 未填报 here too

from .. import applicability
from ..enums import METHOD_V1_1, METHOD_VERSIONS, RUN_MACHINE, Grade, NoCodeReason, PeerLevel, RunStatus
from ..models import SCORED_CODES, Benchmark, GreenCode, Score, ScoreRun
from . import sensitivity

log = logging.getLogger("greenmfg.greencode")

GROUP_WEIGHTS = {"energy": 35, "resources": 25, "clean": 20, "products": 10, "land": 10}
MIN_PEERS = 10
A_PLUS_SHARE = 0.05
A_SHARE = 0.40
REQUIRED_ANY = ("energy_per_output", "co2_per_output")
PEER_RULES = {
    "min_peers": MIN_PEERS,
    "order": [PeerLevel.DIVISION.value, PeerLevel.GROUP.value, PeerLevel.COHORT.value],
    "formula": "s = 100 × (strictly worse + ½ × equal incl. itself) ÷ peers",
    "benchmark": "linear: 0 at or worse than baseline, 100 at or better than leading",
    "grades": {"A+": "r ≤ ⌈0.05·n⌉", "A": "r ≤ ⌈0.40·n⌉", "B": "otherwise"},
    "rounding": "composite rounded half up to 4 decimals",
}
BLANK_RULE_V1_1 = "an applicable indicator left blank scores 0 and ranks below every reported value"


def current_method() -> str:
    """The method a new run uses (GREENCODE_METHOD_VERSION); runs of earlier versions stay as they were."""
    version = getattr(settings, "GREENCODE_METHOD_VERSION", METHOD_V1_1)
    if version not in METHOD_VERSIONS:
        raise ScoringError(f"unknown method version {version!r}; choose one of {', '.join(METHOD_VERSIONS)}")
    return version


class ScoringError(Exception):
    """The cohort cannot be scored (e.g. its campaign does not exist)."""


def scored_indicators() -> list:
    return indicators_for(UnitKind.FACTORY, scored_only=True)


def indicator_weights() -> dict[str, float]:
    """v1 weights: each group's weight shared equally by its scored indicators."""
    by_group = defaultdict(list)
    for ind in scored_indicators():
        by_group[str(ind.group)].append(ind.code)
    weights = {}
    for group, codes in by_group.items():
        for code in codes:
            weights[code] = GROUP_WEIGHTS[group] / len(codes)
    return weights


def cut_ranks(n: int) -> tuple[int, int]:
    """The last rank of A+ and of A for a cohort of n graded factories (rounding up)."""
    return math.ceil(A_PLUS_SHARE * n), math.ceil(A_SHARE * n)


def valid_until(year: int) -> dt.date:
    """One month after the next year's filing deadline (assumed on the same day next year if not set yet)."""
    campaigns = {c.year: c.filing_due for c in Campaign.objects.filter(year__in=(year, year + 1))}
    due = campaigns.get(year + 1)
    if due is None:
        this = campaigns.get(year) or dt.date(year, 3, 31)
        due = _add_months(this, 12)
    return _add_months(due, 1)


def _add_months(d: dt.date, months: int) -> dt.date:
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


def _t(name):
    return connection.ops.quote_name(name)


def _values_cte(name: str, columns: tuple[str, ...], rows: list[tuple]) -> tuple[str, list]:
    """`name(cols) AS (VALUES (...), ...)` with parameters; portable between SQLite and PostgreSQL."""
    placeholders = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _ in rows)
    params = [v for row in rows for v in row]
    return f"{name}({', '.join(columns)}) AS (VALUES {placeholders})", params


@dataclass
class RunResult:
    run: ScoreRun

    def summary(self) -> str:
        r = self.run
        c = r.counts.get("grades", {})
        return (f"{r.year} {r.level}: run #{r.pk} {r.status}, {r.inputs} factories, {r.graded} graded "
                f"(A+ {c.get('A+', 0)}, A {c.get('A', 0)}, B {c.get('B', 0)}), "
                f"{sum(r.counts.get('reasons', {}).values())} without a code, "
                f"{r.timings.get('total', 0):.2f} s")


def latest_run(year: int, level: str) -> ScoreRun | None:
    return (ScoreRun.objects.filter(year=year, level=level, status=RunStatus.FINISHED)
            .order_by("-finished_at", "-id").first())


def run_cohort(year: int, level: str, *, trigger: str = "manual", method: str | None = None) -> RunResult:
    """Score the cohort now with `method` (default: current_method()). Returns the finished run; raises (after
    marking the run failed) on failure."""
    campaign = Campaign.objects.filter(year=year).first()
    if campaign is None:
        raise ScoringError(f"no campaign for {year}")
    method = method or current_method()
    if method not in METHOD_VERSIONS:
        raise ScoringError(f"unknown method version {method!r}")
    not_applicable = None
    rules = dict(PEER_RULES)
    if method == METHOD_V1_1:  # the applicability table as it stands now, and its version, kept with the run
        not_applicable, table_version = applicability.snapshot()
        rules.update(blank=BLANK_RULE_V1_1, not_applicable=[list(p) for p in not_applicable],
                     applicability_version=table_version)
    weights = indicator_weights()
    benchmarks = list(Benchmark.objects.filter(code__in=list(weights)).values_list("industry_id", "code", "baseline",
                                                                                    "leading"))
    run = ScoreRun.objects.create(
        year=year, level=level, method_version=method, weights=weights, peer_rules=rules,
        benchmarks=[[i, c, str(b), str(lead)] for i, c, b, lead in benchmarks], started_at=timezone.now(),
        trigger=trigger[:40],
    )
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        with transaction.atomic():
            _tune()
            tables = _tables(run)
            _phase(timings, "eligibility", _eligibility, campaign, level, tables)
            _phase(timings, "indicators", _indicators, run, weights, benchmarks, not_applicable)
            # The sensitivity figure is plain Python over one read of the sub-scores: it is computed in a
            # thread while the database writes the scores (the thread never touches the database).
            figure_args = _phase(timings, "sensitivity", _sensitivity_inputs, run)
            with ThreadPoolExecutor(max_workers=1) as pool:
                figure = pool.submit(sensitivity.figure, *figure_args)
                graded = _phase(timings, "write", _write, run)
                _phase(timings, "summary", _summary, run, graded)
                t = time.perf_counter()
                run.sensitivity = figure.result()
                timings["sensitivity"] = round(timings["sensitivity"] + time.perf_counter() - t, 4)
            _phase(timings, "codes", _follow_codes, run)
            _drop(tables)
            run.status = RUN_MACHINE.check("finish", run.status)
            run.finished_at = timezone.now()
            timings["total"] = round(time.perf_counter() - t0, 4)
            run.timings = timings
            run.save()
    except Exception as exc:
        timings["total"] = round(time.perf_counter() - t0, 4)
        ScoreRun.objects.filter(pk=run.pk).update(status=RUN_MACHINE.check("fail", RunStatus.RUNNING), error=repr(exc)[:2000],
                                                  finished_at=timezone.now(), timings=timings)
        log.exception("green-code run %s (%s %s) failed", run.pk, year, level)
        raise
    return RunResult(run)


def _phase(timings, name, fn, *args):
    t = time.perf_counter()
    result = fn(*args)
    timings[name] = round(time.perf_counter() - t, 4)
    return result


@dataclass(frozen=True)
class _Tables:
    """A run's two working tables, named after the run: `elig` (one row per factory of the cohort, with its
    no-code reason) and `unit` (one row per graded factory: its sub-scores and composite). On PostgreSQL they
    are unlogged tables, which the parallel workers of a query can read (a temporary table they cannot), so
    the big sort of the indicator phase is shared among the cores; the names keep two cohorts' runs apart; both
    are dropped before the run commits (a rollback drops them too). On SQLite, temporary tables."""

    elig: str
    unit: str

    def create(self, name: str, select: str) -> str:
        kind = "UNLOGGED" if connection.vendor == "postgresql" else "TEMPORARY"
        return f"CREATE {kind} TABLE {name} AS {select}"


def _tables(run: ScoreRun) -> _Tables:
    return _Tables(f"gc_elig_{int(run.pk)}", f"gc_unit_{int(run.pk)}")


def _exec(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def _tune() -> None:
    """PostgreSQL: sort the windows in memory and let the indicator phase's scan, join and sort run in
    parallel workers (tuning settings for this transaction only)."""
    if connection.vendor == "postgresql":
        _exec("SET LOCAL work_mem = '512MB'")
        _exec("SET LOCAL jit = off")  # compiling the plan costs more than it saves here
        # The default cost of passing a row from a worker to the leader (0.1) keeps the planner from sharing a
        # sort whose every row goes back to the leader; measured, sharing it is faster (bench/README.md).
        _exec("SET LOCAL parallel_setup_cost = 0")
        _exec("SET LOCAL parallel_tuple_cost = 0.001")


def _drop(tables: _Tables) -> None:
    """Before the commit: the run's tables are named after it, so no earlier run's can be in the way."""
    for name in (tables.elig, tables.unit):
        _exec(f"DROP TABLE IF EXISTS {name}")


def _analyze(*tables: str) -> None:
    """Fresh planner statistics for tables just filled (PostgreSQL; SQLite plans from its indexes)."""
    if connection.vendor == "postgresql":
        for table in tables:
            _exec(f"ANALYZE {table}")


def _eligibility(campaign: Campaign, level: str, tables: _Tables) -> None:
    """tables.elig: every factory of the cohort with its no-code reason ('' when it is graded)."""
    unit, ind, filing = _t(Unit._meta.db_table), _t(Industry._meta.db_table), _t(Filing._meta.db_table)
    fi, flag = _t(FilingIndicator._meta.db_table), _t(DataFlag._meta.db_table)
    inc, camp = _t(IncidentReport._meta.db_table), _t(Campaign._meta.db_table)
    since = dt.date(campaign.year - 1, 1, 1)
    sql = tables.create(tables.elig, f"""
    SELECT u.id AS unit_id, f.id AS filing_id, u.industry_id AS industry_id, i.{_t("group")} AS grp,
      CASE
        WHEN u.status = %s THEN %s
        WHEN EXISTS (SELECT 1 FROM {inc} ir LEFT JOIN {camp} c2 ON c2.id = ir.campaign_id
                     WHERE ir.unit_id = u.id AND (c2.year >= %s OR (ir.campaign_id IS NULL AND ir.occurred_on >= %s)))
          THEN %s
        WHEN f.id IS NULL OR f.state NOT IN (%s, %s, %s) THEN %s
        WHEN f.state <> %s THEN %s
        WHEN NOT EXISTS (SELECT 1 FROM {fi} x WHERE x.filing_id = f.id AND x.code IN (%s, %s)) THEN %s
        WHEN EXISTS (SELECT 1 FROM {flag} df WHERE df.filing_id = f.id AND df.verdict <> %s) THEN %s
        ELSE ''
      END AS reason
    FROM {unit} u
    JOIN {ind} i ON i.id = u.industry_id
    LEFT JOIN {filing} f ON f.unit_id = u.id AND f.campaign_id = %s
    WHERE u.kind = %s AND u.level = %s
      AND (f.id IS NOT NULL OR (u.status = %s AND u.year_listed < %s)
           OR (u.status = %s AND (u.status_date IS NULL OR u.status_date >= %s)))
    """)
    params = [
        UnitStatus.REMOVED, NoCodeReason.REMOVED,
        campaign.year, since, NoCodeReason.INCIDENT,
        *FILED_STATES, NoCodeReason.NOT_FILED,
        FilingState.ACCEPTED, NoCodeReason.IRREGULAR,
        *REQUIRED_ANY, NoCodeReason.IRREGULAR,
        FlagVerdict.CONFIRMED, NoCodeReason.ANOMALOUS,
        campaign.pk, UnitKind.FACTORY, level,
        UnitStatus.LISTED, campaign.year,
        UnitStatus.REMOVED, since,
    ]
    _exec(sql, params)
    _analyze(tables.elig)


# A LIMIT no cohort reaches: it keeps the planner from copying the sub-score expression into each of the
# aggregates that read it (PostgreSQL would otherwise compute it once per aggregate); portable, unlike MATERIALIZED.
FENCE = 2**62
DIVISION_KEY = 1_000_000_000  # (indicator index, industry id) as one integer: index × DIVISION_KEY + industry id


def _mid_rank(suffix: str, blanks: bool) -> str:
    """100 × (strictly worse + ½ × equal incl. itself) ÷ peers = 50 × (worse + worse-or-equal) ÷ peers, from
    RANK, CUME_DIST and COUNT of one window over the reported values: integers, then one division in double
    precision. With `blanks` (v1.1) the peers are r.pn_<suffix> (pn's n_<suffix>), every graded factory of the window's
    partition to which the indicator applies: those that left it blank rank below every value, so they add
    (peers − reported) to both counts (they have no row of their own: a blank scores 0)."""
    counts = f"r.rk_{suffix} - 1 + CAST(ROUND(r.cd_{suffix} * r.n_{suffix}) AS INTEGER)"
    peers = f"r.n_{suffix}"
    if blanks:
        counts, peers = f"2 * (r.pn_{suffix} - r.n_{suffix}) + {counts}", f"r.pn_{suffix}"
    return f"CAST(50 * ({counts}) AS DOUBLE PRECISION) / {peers}"


def _peer_counts(tables: _Tables) -> list[tuple]:
    """(indicator index, industry id, MIIT group, graded factories reporting it), read from tables.unit (one row
    per graded factory, a sub-score column per indicator: NULL where it does not apply)."""
    counts = ", ".join(f"COUNT(u.s_{c})" for c in SCORED_CODES)
    with connection.cursor() as cursor:
        cursor.execute(f"""
        SELECT e.industry_id, e.grp, {counts}
        FROM {tables.unit} u JOIN {tables.elig} e ON e.unit_id = u.unit_id
        GROUP BY e.industry_id, e.grp
        """)
        rows = cursor.fetchall()
    return [(idx, industry, grp, n) for industry, grp, *ns in rows for idx, n in enumerate(ns) if n]


def applicable_peers(graded: list[tuple[int, str, int]], indicators: int,
                     not_applicable: set[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """v1.1: for each (indicator index, industry) that applies, the graded factories to which the indicator
    applies in the division, in its MIIT group and in the cohort — reported or blank, the peers of each level.
    `graded`: (industry id, group, graded factories). Rows: (division key, division, group, cohort)."""
    rows = []
    for idx in range(indicators):
        applies = [(industry, grp, n) for industry, grp, n in graded if (industry, idx) not in not_applicable]
        by_group: dict[str, int] = defaultdict(int)
        for _industry, grp, n in applies:
            by_group[grp] += n
        cohort = sum(by_group.values())
        rows += [(idx * DIVISION_KEY + industry, n, by_group[grp], cohort) for industry, grp, n in applies]
    return rows


def peer_groups(counts: list[tuple], codes: list[str], benchmarked: set[tuple[int, str]]) -> dict:
    """{industry id: {indicator: [peer level, peers]}}: the division's factories reporting the indicator,
    widened to the MIIT group, then to the whole cohort, below MIN_PEERS; or the baseline/leading values."""
    by_group, by_code = defaultdict(int), defaultdict(int)
    for idx, _industry, grp, n in counts:
        by_group[(idx, grp)] += n
        by_code[idx] += n
    groups: dict = defaultdict(dict)
    for idx, industry, grp, n in counts:
        code = codes[idx]
        if (industry, code) in benchmarked:
            groups[str(industry)][code] = [PeerLevel.BENCHMARK.value, 0]
        elif n >= MIN_PEERS:
            groups[str(industry)][code] = [PeerLevel.DIVISION.value, n]
        elif by_group[(idx, grp)] >= MIN_PEERS:
            groups[str(industry)][code] = [PeerLevel.GROUP.value, by_group[(idx, grp)]]
        else:
            groups[str(industry)][code] = [PeerLevel.COHORT.value, by_code[idx]]
    return dict(groups)


@dataclass
class _Cohort:
    """What both passes of _unit_scores read: the reported values' CTEs and, under v1.1, the peers per level."""

    reported: str
    params: list
    codes: list[str]
    index: dict[str, int]
    weights: dict[str, float]
    benchmarks: list
    peers: list[tuple] | None  # v1.1: applicable_peers(); v1: None (the peers are the factories reporting it)
    not_applicable: dict[int, list[int]]  # v1.1: {indicator index: industries where it does not apply}
    tables: _Tables


def _indicators(run: ScoreRun, weights: dict[str, float], benchmarks: list,
                not_applicable: list[tuple[int, str]] | None = None) -> None:
    """tables.unit: per graded factory, its sub-score per scored indicator and its composite, from one pass of
    window functions over the reported values and one GROUP BY.

    Each sub-score is a mid-rank percentile in the better direction within the peer group, widened from the
    division to the MIIT group to the cohort below MIN_PEERS, or the linear baseline/leading score.
    With `not_applicable` (v1.1, possibly empty), every other indicator applies to every graded factory: one
    left blank scores 0 and counts, for its peers, as ranking below every reported value.
    """
    fi, tables = _t(FilingIndicator._meta.db_table), _tables(run)
    directions = {i.code: (1 if i.direction == HIGHER_IS_BETTER else -1) for i in scored_indicators()}
    codes = list(SCORED_CODES)
    index = {c: n for n, c in enumerate(codes)}
    ctes, params = _values_cte("dirs", ("code", "idx", "dir"), [(c, index[c], directions[c]) for c in codes])
    na_where, peers, na_by_code = "", None, {}
    if not_applicable is not None:  # v1.1
        pairs = {(industry, index[code]) for industry, code in not_applicable}
        if pairs:
            na, na_params = _values_cte("na", ("industry_id", "idx"), sorted(pairs))
            ctes, params = ctes + ",\n    " + na, params + na_params
            na_where = "AND NOT EXISTS (SELECT 1 FROM na WHERE na.industry_id = e.industry_id AND na.idx = dirs.idx)"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT industry_id, grp, COUNT(*) FROM {tables.elig} WHERE reason = '' GROUP BY industry_id, grp")
            peers = applicable_peers(cursor.fetchall(), len(codes), pairs)
        for industry, idx in pairs:
            na_by_code.setdefault(idx, []).append(industry)
    # Only the values reported (a blank has no row: v1 leaves it out, v1.1 scores it 0 and counts it among the
    # peers through `peers`): one pass over the filing indicators against two small hash tables.
    reported = f"""{ctes},
    v AS (
      SELECT e.unit_id, e.industry_id, e.grp, dirs.idx AS code, dirs.dir AS dir,
             CAST(dirs.idx AS BIGINT) * {DIVISION_KEY} + e.industry_id AS division_key,
             CAST(x.value AS DOUBLE PRECISION) * dirs.dir AS better
      FROM {fi} x
      JOIN dirs ON dirs.code = x.code
      JOIN {tables.elig} e ON e.filing_id = x.filing_id
      WHERE e.reason = '' {na_where}
    )"""
    cohort = _Cohort(reported, params, codes, index, weights, benchmarks, peers, na_by_code, tables)
    benchmarked = {(i, c) for i, c, _b, _l in benchmarks}
    # First pass with the division windows only (large cohorts need no more). peer_groups() alone decides each
    # (industry, indicator)'s peer group from the counts; where it widens any, a second pass scores every
    # factory by the group it chose (the SQL never re-decides).
    _unit_scores(cohort, None)
    run.peer_groups = peer_groups(_peer_counts(tables), codes, benchmarked)
    wide = {(int(industry), index[code]): level for industry, per in run.peer_groups.items()
            for code, (level, _n) in per.items() if level in (PeerLevel.GROUP.value, PeerLevel.COHORT.value)}
    if wide:
        _exec(f"DROP TABLE {tables.unit}")
        _unit_scores(cohort, wide)
    if _scalar(f"SELECT COUNT(*) FROM {tables.unit} WHERE missing > 0 OR c IS NULL"):
        raise ScoringError("an indicator score could not be computed (check the baseline and leading values)")
    _analyze(tables.unit)


def _unit_scores(cohort: _Cohort, wide: dict | None) -> None:
    """cohort.tables.unit from the division windows; with `wide` ({(industry id, indicator index): peer level}), the
    (industry, indicator) pairs it names are scored in the wider window peer_groups() chose for them."""
    codes, index, blanks = cohort.codes, cohort.index, cohort.peers is not None
    params = list(cohort.params)
    ctes, joins, source = "", [], "v"
    if blanks:
        # a cohort with nobody graded has no peers: one row that matches no division keeps the SQL valid
        pn, pn_params = _values_cte("pn", ("division_key", "n_d", "n_g", "n_c"), cohort.peers or [(-1, 0, 0, 0)])
        ctes, params = ctes + ", " + pn, params + pn_params
        # joined before the windows, not after: the join then runs in the parallel workers, not in the leader
        source = ("(SELECT v.*, pn.n_d AS pn_d, pn.n_g AS pn_g, pn.n_c AS pn_c FROM v "
                  "JOIN pn ON pn.division_key = v.division_key) v")
    bm_case = ""
    if cohort.benchmarks:
        bm_cte, bm_params = _values_cte("bm", ("industry_id", "code", "base", "lead"),
                                        [(i, index[c], float(b), float(lead)) for i, c, b, lead in cohort.benchmarks])
        ctes, params = ctes + ", " + bm_cte, params + bm_params
        joins.append("LEFT JOIN bm ON bm.industry_id = r.industry_id AND bm.code = r.code")
        linear = "100.0 * (r.better * r.dir - bm.base) / (bm.lead - bm.base)"
        bm_case = (f"WHEN bm.code IS NOT NULL THEN CASE WHEN {linear} < 0 THEN 0.0 "
                   f"WHEN {linear} > 100 THEN 100.0 ELSE {linear} END")
    # One window per level: RANK and CUME_DIST ignore the frame, COUNT(*) over the whole frame is the
    # partition's size, so the three share one sort and one pass.
    whole = "RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"
    # (indicator, division) as one integer key: one sort key fewer for the biggest sort of the run
    window_defs = [f"wd AS (PARTITION BY division_key ORDER BY better {whole})"]
    windows = ["COUNT(*) OVER wd AS n_d", "RANK() OVER wd AS rk_d", "CUME_DIST() OVER wd AS cd_d"]
    points = []
    levels = set((wide or {}).values())
    if wide:
        lv, lv_params = _values_cte("lv", ("division_key", "lvl"),
                                    [(idx * DIVISION_KEY + industry, level) for (industry, idx), level in wide.items()])
        ctes, params = ctes + ", " + lv, params + lv_params
        joins.append("LEFT JOIN lv ON lv.division_key = r.division_key")
    if PeerLevel.GROUP.value in levels:
        window_defs.append(f"wg AS (PARTITION BY code, grp ORDER BY better {whole})")
        windows += ["COUNT(*) OVER wg AS n_g", "RANK() OVER wg AS rk_g", "CUME_DIST() OVER wg AS cd_g"]
        points.append(f"WHEN lv.lvl = '{PeerLevel.GROUP.value}' THEN {_mid_rank('g', blanks)}")
    if PeerLevel.COHORT.value in levels:
        window_defs.append(f"wc AS (PARTITION BY code ORDER BY better {whole})")
        windows += ["COUNT(*) OVER wc AS n_c", "RANK() OVER wc AS rk_c", "CUME_DIST() OVER wc AS cd_c"]
        points.append(f"WHEN lv.lvl = '{PeerLevel.COHORT.value}' THEN {_mid_rank('c', blanks)}")
    expression = _mid_rank("d", blanks)
    if bm_case or points:
        expression = f"CASE {bm_case} {' '.join(points)} ELSE {expression} END"
    columns, applied, numerator, denominator, weight_params = [], [], [], [], []
    for c in codes:
        columns.append(f"MAX(CASE WHEN p.code = {index[c]} THEN p.points END) AS s_{c}")
        if blanks:  # v1.1: a blank that applies scores 0; where the indicator does not apply, NULL
            value = f"COALESCE(q.s_{c}, 0.0)"
            excluded = cohort.not_applicable.get(index[c])
            if excluded:
                value = f"CASE WHEN e.industry_id IN ({', '.join(str(int(i)) for i in excluded)}) THEN NULL ELSE {value} END"
            applied.append(f"{value} AS s_{c}")
        numerator.append(f"%s * COALESCE(q.s_{c}, 0)")
        denominator.append(f"CASE WHEN q.s_{c} IS NULL THEN 0 ELSE %s END")
        weight_params.append(cohort.weights[c])
    params += weight_params * 2
    pivot = ",\n        ".join(columns)
    # v1.1: every graded factory, also one none of whose reported values applies (it has no row in p: it scores
    # 0 on each indicator that applies, all of them blanks)
    scored, qa = "q", ""
    if blanks:
        scored, qa = "qa q", f""",
    qa AS (
      SELECT e.unit_id, COALESCE(q.missing, 0) AS missing, {", ".join(applied)}
      FROM {cohort.tables.elig} e LEFT JOIN q ON q.unit_id = e.unit_id
      WHERE e.reason = ''
    )"""
    sql = cohort.tables.create(cohort.tables.unit, f"""
    WITH {cohort.reported}{ctes},
    r AS (SELECT v.unit_id, v.industry_id, v.code, v.division_key, v.better{", v.dir" if cohort.benchmarks else ""}
            {", v.pn_d, v.pn_g, v.pn_c" if blanks else ""}, {", ".join(windows)} FROM {source} WINDOW {", ".join(window_defs)}),
    p AS (
      SELECT r.unit_id, r.industry_id, r.code, CAST({expression} AS DOUBLE PRECISION) AS points
      FROM r {" ".join(joins)}
      LIMIT {FENCE}
    ),
    q AS (
      SELECT p.unit_id, SUM(CASE WHEN p.points IS NULL THEN 1 ELSE 0 END) AS missing,
        {pivot}
      FROM p
      GROUP BY p.unit_id, p.industry_id
    ){qa}
    SELECT q.unit_id AS unit_id,
      ROUND(CAST(({" + ".join(numerator)}) / ({" + ".join(denominator)}) AS NUMERIC), 4) AS c,
      q.missing, {", ".join(f"q.s_{c}" for c in codes)}
    FROM {scored}
    """)
    _exec(sql, params)


def _write(run: ScoreRun) -> int:
    """Ranks, percentiles and grades, and the run's Score rows, in one INSERT … SELECT.

    r = RANK in descending composite (1 + strictly higher); e = factories with the same composite; so the
    factories strictly lower number n − r + 1 − e, and the mid-rank percentile is 100 × (n − r + 1 − ½e) ÷ n.
    """
    score, tables = _t(Score._meta.db_table), _tables(run)
    graded = _scalar(f"SELECT COUNT(*) FROM {tables.unit}")
    a_plus, a = cut_ranks(graded)
    sub_cols = ", ".join(f"s_{c}" for c in SCORED_CODES)
    sub_vals = ", ".join(f"r.s_{c}" for c in SCORED_CODES)
    _exec(f"""
    WITH ranked AS (
      SELECT u.*, e.industry_id,
        RANK() OVER wo AS rk,
        COUNT(*) OVER (wo RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS e,
        RANK() OVER wi AS irk,
        COUNT(*) OVER (wi RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS ie,
        COUNT(*) OVER (wi RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS ni
      FROM {tables.unit} u JOIN {tables.elig} e ON e.unit_id = u.unit_id
      WINDOW wo AS (ORDER BY u.c DESC), wi AS (PARTITION BY e.industry_id ORDER BY u.c DESC)
    )
    INSERT INTO {score} (run_id, unit_id, filing_id, industry_id, industry_group, reason, composite, rank,
                         percentile, industry_rank, industry_size, industry_percentile, grade, {sub_cols})
    SELECT %s, e.unit_id, e.filing_id, e.industry_id, e.grp, e.reason, r.c, r.rk,
      CAST(100.0 * (%s - r.rk + 1 - 0.5 * r.e) / %s AS DOUBLE PRECISION), r.irk, r.ni,
      CAST(100.0 * (r.ni - r.irk + 1 - 0.5 * r.ie) / r.ni AS DOUBLE PRECISION),
      CASE WHEN r.rk IS NULL THEN '' WHEN r.rk <= %s THEN %s WHEN r.rk <= %s THEN %s ELSE %s END,
      {sub_vals}
    FROM {tables.elig} e LEFT JOIN ranked r ON r.unit_id = e.unit_id
    ORDER BY e.unit_id
    """, [run.pk, graded, max(graded, 1), a_plus, Grade.A_PLUS, a, Grade.A, Grade.B])
    return graded


def _summary(run: ScoreRun, graded: int) -> None:
    # one pass over the run's scores: per (reason, grade), how many and the lowest composite
    rows = (Score.objects.filter(run=run).values_list("reason", "grade")
            .annotate(n=Count("id"), low=Min("composite")).order_by())
    grades = {g: n for reason, g, n, _low in rows if not reason}
    reasons = {reason: n for reason, _g, n, _low in rows if reason}
    cuts = {g: low for reason, g, _n, low in rows if not reason}
    run.inputs = sum(grades.values()) + sum(reasons.values())
    run.graded = graded
    run.rank_a_plus, run.rank_a = cut_ranks(graded)
    run.cut_a_plus = cuts.get(Grade.A_PLUS)
    run.cut_a = cuts.get(Grade.A)
    run.counts = {"grades": {g: grades.get(g, 0) for g in Grade.values}, "reasons": reasons}


def indicator_groups(weights: dict[str, float]) -> dict[str, list[str]]:
    """{group: its scored indicators that carry a weight in `weights`}, in the method's order."""
    groups: dict[str, list[str]] = {}
    for ind in scored_indicators():
        if ind.code in weights:
            groups.setdefault(str(ind.group), []).append(ind.code)
    return groups


def _sensitivity_inputs(run: ScoreRun) -> tuple:
    """The arguments of sensitivity.figure() for run.sensitivity (per group, the grades that change when its
    weight moves up or down 10 %), read from the run's working table: per factory its composite and each group's
    Σwᵢsᵢ, and each group's Σwᵢ over the indicators that apply — one value for the whole cohort where it is the
    same for every factory (v1.1 without exceptions), which a first, one-row query finds out."""
    groups, table = indicator_groups(run.weights), _tables(run).unit
    totals, weights, params_totals = [], [], []
    for codes in groups.values():
        totals.append(" + ".join(f"%s * COALESCE(s_{c}, 0)" for c in codes))
        weights.append(" + ".join(f"CASE WHEN s_{c} IS NULL THEN 0 ELSE %s END" for c in codes))
        params_totals += [run.weights[c] for c in codes]
    with connection.cursor() as cursor:
        spread = ", ".join(f"MIN({w}), MAX({w})" for w in weights)
        cursor.execute(f"SELECT {spread} FROM {table}", [p for c in groups.values() for p in
                                                         [run.weights[x] for x in c] * 2])
        bounds = cursor.fetchone()
        same = [bounds[2 * i] is not None and bounds[2 * i] == bounds[2 * i + 1] for i in range(len(groups))]
        varying = [w for w, fixed in zip(weights, same, strict=True) if not fixed]
        varying_params = [p for (codes, fixed) in zip(groups.values(), same, strict=True) if not fixed
                          for p in [run.weights[c] for c in codes]]
        columns = ", ".join(f"CAST({col} AS DOUBLE PRECISION)" for col in [*totals, *varying])
        cursor.execute(f"SELECT CAST(c AS DOUBLE PRECISION), {columns} FROM {table}",
                       params_totals + varying_params)
        rows = cursor.fetchall()
    values = list(zip(*rows, strict=True)) if rows else [()] * (1 + len(totals) + len(varying))
    sums, next_varying = {}, 1 + len(totals)
    for i, group in enumerate(groups):
        if same[i]:
            weight = float(bounds[2 * i])
        else:
            weight, next_varying = values[next_varying], next_varying + 1
        sums[group] = (values[1 + i], weight)
    group_weights = {group: round(sum(run.weights[c] for c in codes), 4) for group, codes in groups.items()}
    return (values[0], sums, group_weights, *cut_ranks(len(rows)))


def _follow_codes(run: ScoreRun) -> None:
    """Applied codes of the cohort take the new grade; a code whose factory lost its grade is revoked (both with
    their history, by the codes service that owns a code's state)."""
    from . import codes  # codes reads valid_until from this module

    codes.follow_run(run)


def fail_stale_runs(*, before) -> int:
    """Runs still "running" that started before `before`: their worker died; they are marked failed."""
    return ScoreRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=before).update(
        status=RUN_MACHINE.check("fail", RunStatus.RUNNING), error="the worker stopped during the run",
        finished_at=timezone.now())


KEEP_RUNS = 3  # finished runs kept per cohort (the current one, and enough to compare with)
KEEP_FAILED_DAYS = 30


def prune_runs(keep: int = KEEP_RUNS, now=None) -> int:
    """Delete old runs and their scores so the score table does not grow with every accepted filing.

    Kept: the newest `keep` finished runs of each cohort (so each year's final scores stay, for the code
    page's earlier years), every run a green code still points at, running runs, and failed runs younger
    than KEEP_FAILED_DAYS (for operators). Set-based deletes. Returns the number of runs deleted.
    """
    now = now or timezone.now()
    referenced = set(GreenCode.objects.exclude(score=None).values_list("score__run_id", flat=True))
    kept_per_cohort: dict[tuple, int] = defaultdict(int)
    doomed = []
    runs = ScoreRun.objects.exclude(status=RunStatus.RUNNING).order_by("-started_at", "-pk").values_list(
        "pk", "year", "level", "status", "started_at")
    for pk, year, level, status, started_at in runs:
        if status == RunStatus.FINISHED and kept_per_cohort[(year, level)] < keep:
            kept_per_cohort[(year, level)] += 1
            continue
        if pk in referenced:
            continue
        if status == RunStatus.FAILED and started_at > now - dt.timedelta(days=KEEP_FAILED_DAYS):
            continue
        doomed.append(pk)
    if not doomed:
        return 0
    marks = ", ".join(["%s"] * len(doomed))
    with transaction.atomic():
        # One statement for all their scores (no green code points at them, so nothing to cascade).
        _exec(f"DELETE FROM {_t(Score._meta.db_table)} WHERE run_id IN ({marks})", doomed)  # noqa: S608 (table name from the model; values are parameters)
        ScoreRun.objects.filter(pk__in=doomed).delete()
    return len(doomed)
