"""The benchmark's yardstick (bench/pandas_method.py) implements the published method: on a cohort with thin
divisions (widened to the MIIT group and the cohort), blanks, an indicator that does not apply and a linear
baseline/leading pair, it gives every factory the portal's grade and composite, and the same sensitivity figure.
Runs where `make bench` runs: PostgreSQL with pandas installed (requirements-bench.txt); skipped elsewhere, except
in CI's service pass (REQUIRE_SERVICES), which installs pandas and must run it."""

import os
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

if os.environ.get("REQUIRE_SERVICES"):
    import pandas  # noqa: F401  (CI installs requirements-bench.txt: a missing pandas fails the run there)
else:
    pytest.importorskip("pandas")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import versus_pandas  # noqa: E402

from greencode import applicability  # noqa: E402
from greencode.models import Benchmark, Score  # noqa: E402
from greencode.services import scoring  # noqa: E402
from registry.models import Industry  # noqa: E402
from tests.greencode.conftest import YEAR  # noqa: E402

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the analyst's pipeline reads with PostgreSQL's SQL")


def test_pandas_pipeline_gives_the_portals_grades_on_a_cohort_that_uses_every_rule(make_factory, province,
                                                                                    monkeypatch):
    monkeypatch.setattr(versus_pandas.bench, "BENCH_YEAR", YEAR)
    for i in range(14):  # 38: a full division; 36 and 39 thin (group, then cohort)
        make_factory({"energy_per_output": 10 + i, "water_per_output": 5 + (i * 7) % 11,
                      **({"output_per_land": 3 + i % 4} if i % 3 else {})}, industry="38")
    for i in range(4):
        make_factory({"energy_per_output": 12 + 3 * i, "co2_per_output": 40 - i}, industry="36")
    for i in range(3):
        make_factory({"co2_per_output": 30 + i, "renewable_share": 10 * i, "water_reuse_rate": 50 + i}, industry="39")
    Benchmark.objects.create(industry=Industry.objects.get(code="38"), code="water_per_output",
                             baseline=Decimal(15), leading=Decimal(5))
    applicability.set_not_applicable(Industry.objects.get(code="39"), "water_reuse_rate", "示例", actor=province)
    run = scoring.run_cohort(YEAR, "national").run
    levels = {(industry, code): level for industry, per in run.peer_groups.items() for code, (level, _n) in per.items()}
    ids = {code: str(Industry.objects.get(code=code).pk) for code in ("36", "38", "39")}
    assert (levels[(ids["38"], "energy_per_output")], levels[(ids["36"], "energy_per_output")],
            levels[(ids["39"], "co2_per_output")], levels[(ids["38"], "water_per_output")]) == (
        "division", "group", "cohort", "benchmark")
    _seconds, out, extra = versus_pandas.run_pandas("national")
    portal = {s.unit_id: (s.grade, float(s.composite)) for s in Score.objects.filter(run=run)}
    assert versus_pandas.mismatches(run, out)["grade_mismatches"] == 0
    assert {u: (row.grade, row.composite) for u, row in out.iterrows()} == portal
    assert extra["sensitivity"] == {g: [v["up"], v["down"]] for g, v in run.sensitivity["groups"].items()}
