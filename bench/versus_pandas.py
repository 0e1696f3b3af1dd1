"""`make bench`: the portal's re-score against an analyst's pandas pipeline, on the same cohort, in one job.

    python bench/versus_pandas.py [--factories 100000] [--rounds 1] [--keep] [--reuse]

Builds the synthetic benchmark cohort (greencode.services.bench: units "BENCH-…", campaign 2999), then, for
each round, runs the portal's full re-score (greencode.services.scoring.run_cohort: one ScoreRun, its Score
rows, the sensitivity figure, one transaction) and the pandas pipeline of bench/pandas_method.py (read_sql,
peer groups, ranks, cuts, sensitivity, COPY back, commit), alternately. Before any time is printed it checks
that both give every factory the same grade (and the same sensitivity counts), and prints the mismatches.
One JSON line per round, then a summary line with the best times and portal ÷ pandas. Each round also gives
the CPU seconds of each side (the Python process and its PostgreSQL backend, from /proc, when the database runs
on this machine) and their ratio: on a shared machine, wall time also counts the waits for a core.
Needs requirements-bench.txt (pandas, numpy); `make bench` installs it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenmfg.settings")

import django  # noqa: E402

django.setup()

import pandas_method  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from greencode import applicability  # noqa: E402
from greencode.enums import METHOD_V1_1  # noqa: E402
from greencode.models import Benchmark, Score  # noqa: E402
from greencode.services import bench, scoring  # noqa: E402
from registry.models import Industry, Unit  # noqa: E402
from reviews.indicators import HIGHER_IS_BETTER  # noqa: E402
from reviews.models import Campaign, DataFlag, Filing, FilingIndicator, IncidentReport  # noqa: E402


def _tables() -> dict:
    q = connection.ops.quote_name
    models = {"unit": Unit, "industry": Industry, "filing": Filing, "fi": FilingIndicator, "flag": DataFlag,
              "incident": IncidentReport, "campaign": Campaign}
    return {k: q(m._meta.db_table) for k, m in models.items()}


def cpu_seconds() -> float | None:
    """CPU time so far of this process and of its database backend (user + system), or None when the backend
    is not on this machine. On a shared machine CPU time is steadier than wall time: it does not count the
    time a process waits for a core. It does not count PostgreSQL's parallel workers either, which the
    portal's indicator phase uses: its CPU seconds are then too low, so compare the wall times."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return time.process_time() + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(fn, *args):
    """(wall seconds, CPU seconds of this process and its backend or None, fn's result)."""
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    result = fn(*args)
    wall, cpu1 = time.perf_counter() - t0, cpu_seconds()
    return wall, (None if cpu0 is None or cpu1 is None else cpu1 - cpu0), result


def run_pandas(level: str) -> tuple[float, object, dict]:
    """The analyst's pipeline, timed from the read to the commit of its COPY."""
    campaign = Campaign.objects.values("id", "year").get(year=bench.BENCH_YEAR)
    method = scoring.current_method()
    indicators = scoring.scored_indicators()
    codes = [i.code for i in indicators]
    groups = {}
    for ind in indicators:
        groups.setdefault(str(ind.group), []).append(ind.code)
    benchmarks = [(i, c, float(b), float(lead)) for i, c, b, lead in
                  Benchmark.objects.filter(code__in=codes).values_list("industry_id", "code", "baseline", "leading")]
    not_applicable = applicability.not_applicable_pairs() if method == METHOD_V1_1 else []
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        long = pandas_method.read_cohort(cursor.cursor, _tables(), campaign, level, codes)
        t_read = time.perf_counter()
        out, sensitivity = pandas_method.score(
            long, codes=codes, directions={i.code: 1 if i.direction == HIGHER_IS_BETTER else -1 for i in indicators},
            groups=groups, weights=scoring.indicator_weights(), benchmarks=benchmarks,
            not_applicable=not_applicable, blank_scores_zero=method == METHOD_V1_1, group_weights=groups)
        t_score = time.perf_counter()
        pandas_method.copy_back(cursor.cursor, out)
    t_end = time.perf_counter()
    phases = {"read": round(t_read - t0, 3), "score": round(t_score - t_read, 3), "copy": round(t_end - t_score, 3)}
    return t_end - t0, out, {"phases": phases, "sensitivity": sensitivity}


def run_portal(level: str):
    t0 = time.perf_counter()
    run = scoring.run_cohort(bench.BENCH_YEAR, level, trigger="bench").run
    return time.perf_counter() - t0, run


def mismatches(run, out) -> dict:
    portal = dict(Score.objects.filter(run=run, reason="").values_list("unit_id", "grade"))
    theirs = out["grade"].to_dict()
    only_portal = len(portal.keys() - theirs.keys())
    only_pandas = len(theirs.keys() - portal.keys())
    differ = sum(1 for unit, grade in theirs.items() if unit in portal and portal[unit] != grade)
    return {"grade_mismatches": differ + only_portal + only_pandas, "graded_by_portal": len(portal),
            "graded_by_pandas": len(theirs)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factories", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=1, help="alternate portal and pandas this many times")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic cohort afterwards")
    parser.add_argument("--reuse", action="store_true", help="score the cohort left by an earlier --keep")
    args = parser.parse_args()
    level = "national"
    if connection.vendor != "postgresql":  # the analyst's pipeline reads with PostgreSQL's SQL and COPYs back
        print(json.dumps({"bench": "portal_vs_pandas", "skipped": "needs PostgreSQL (DATABASE_URL)",
                          "database": connection.vendor}))
        return 0
    built = {"setup_seconds": 0.0}
    if not (args.reuse and Unit.objects.filter(year_listed=bench.BENCH_YEAR).exists()):
        built = bench.build(args.factories)
    factories = Unit.objects.filter(year_listed=bench.BENCH_YEAR).count()
    status, best_portal, best_pandas = 0, None, None
    try:
        for round_ in range(1, args.rounds + 1):
            _wall, portal_cpu, (portal_s, run) = timed(run_portal, level)
            _wall, pandas_cpu, (pandas_s, out, extra) = timed(run_pandas, level)
            check = mismatches(run, out)
            portal_sensitivity = {g: [v["up"], v["down"]] for g, v in run.sensitivity.get("groups", {}).items()}
            check["sensitivity_equal"] = portal_sensitivity == extra["sensitivity"]
            if check["grade_mismatches"] or not check["sensitivity_equal"]:
                status = 1
            best_portal = min(best_portal or portal_s, portal_s)
            best_pandas = min(best_pandas or pandas_s, pandas_s)
            print(json.dumps({"bench": "portal_vs_pandas", "round": round_, "factories": factories,
                              "database": connection.vendor, "method": run.method_version, **check,
                              "portal_seconds": round(portal_s, 3), "portal_phases": run.timings,
                              # creating the run row and the commit (deferred foreign-key checks of the scores)
                              "portal_outside_phases": round(portal_s - run.timings["total"], 3),
                              "pandas_seconds": round(pandas_s, 3), "pandas_phases": extra["phases"],
                              "ratio": round(portal_s / pandas_s, 3),
                              "portal_cpu_seconds": portal_cpu and round(portal_cpu, 3),
                              "pandas_cpu_seconds": pandas_cpu and round(pandas_cpu, 3),
                              "cpu_ratio": portal_cpu and pandas_cpu and round(portal_cpu / pandas_cpu, 3),
                              "load_average": round(os.getloadavg()[0], 2), "sensitivity": portal_sensitivity}),
                  flush=True)
        print(json.dumps({"bench": "portal_vs_pandas_summary", "factories": factories, "rounds": args.rounds,
                          "database": connection.vendor, "portal_best_seconds": round(best_portal, 3),
                          "pandas_best_seconds": round(best_pandas, 3),
                          "ratio": round(best_portal / best_pandas, 3), "setup_seconds": built["setup_seconds"],
                          "identical_grades": status == 0}), flush=True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {pandas_method.OUT_TABLE}")
        if not args.keep:
            bench.clear()
    return status


if __name__ == "__main__":
    sys.exit(main())
