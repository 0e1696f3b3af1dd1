"""Method v1 on hand-made cohorts whose answers are worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from greencode.enums import RunStatus
from greencode.models import GreenCode, Score, ScoreRun
from greencode.services import scoring
from reviews.enums import FilingState, FlagKind, FlagVerdict
from reviews.models import DataFlag, IncidentReport
from tests import factories

from .conftest import YEAR, campaign

pytestmark = pytest.mark.django_db


def grades(run):
    return {u: g for u, g in Score.objects.filter(run=run).values_list("unit_id", "grade")}


def score_of(run, unit):
    return Score.objects.get(run=run, unit=unit)


def test_grades_n20_one_a_plus_seven_a_twelve_b(make_factory):
    units = [make_factory({"energy_per_output": 100 + i}) for i in range(20)]  # lower energy is better
    run = scoring.run_cohort(YEAR, "national", method="v1").run  # v1's formula on one-indicator filings
    g = grades(run)
    assert [g[u.pk] for u in units] == ["A+"] + ["A"] * 7 + ["B"] * 12
    assert run.counts["grades"] == {"A+": 1, "A": 7, "B": 12}
    assert (run.rank_a_plus, run.rank_a, run.graded) == (1, 8, 20)
    best = score_of(run, units[0])
    # 19 strictly worse + ½ × itself, of 20 peers
    assert best.composite == Decimal("97.5000")
    assert (best.rank, best.position, best.industry_position) == (1, 5, 5)
    assert best.percentile == 97.5
    assert run.cut_a_plus == Decimal("97.5000")
    assert run.cut_a == score_of(run, units[7]).composite == Decimal("62.5000")
    assert score_of(run, units[19]).position == 100


def test_grades_n7_ties_at_the_cut_get_the_better_grade(make_factory):
    # ⌈0.05·7⌉ = 1, ⌈0.40·7⌉ = 3. Values: two tied best, two tied third, then three.
    values = [10, 10, 20, 20, 30, 40, 50]
    units = [make_factory({"energy_per_output": v}) for v in values]
    run = scoring.run_cohort(YEAR, "national", method="v1").run  # v1's formula on one-indicator filings
    g = grades(run)
    assert [g[u.pk] for u in units] == ["A+", "A+", "A", "A", "B", "B", "B"]
    ranks = [score_of(run, u).rank for u in units]
    assert ranks == [1, 1, 3, 3, 5, 6, 7]
    # mid-rank: the tied best pair has 5 worse + ½ × 2 equal = 6 of 7
    assert score_of(run, units[0]).composite == Decimal(str(round(600 / 7, 4)))
    assert score_of(run, units[0]).position == 15  # ⌈100·1/7⌉


def test_direction_lower_energy_and_higher_renewable_rank_higher(make_factory):
    low = make_factory({"energy_per_output": 50, "renewable_share": 5})
    high = make_factory({"energy_per_output": 500, "renewable_share": 40})
    run = scoring.run_cohort(YEAR, "national").run
    sub = {(s.unit_id, r["code"]): r["points"] for s in Score.objects.filter(run=run) for r in s.indicator_rows()}
    assert sub[(low.pk, "energy_per_output")] == 75.0
    assert sub[(high.pk, "energy_per_output")] == 25.0
    assert sub[(low.pk, "renewable_share")] == 25.0
    assert sub[(high.pk, "renewable_share")] == 75.0


def test_peer_group_widens_to_miit_group_then_cohort_below_ten(make_factory):
    # 12 in division 38 (equipment group) reporting energy; 4 in 36 (equipment); 3 in 39 (electronics, alone).
    d38 = [make_factory({"energy_per_output": 10 + i}, industry="38") for i in range(12)]
    d36 = [make_factory({"energy_per_output": 100 + i}, industry="36") for i in range(4)]
    d39 = [make_factory({"energy_per_output": 1000 + i}, industry="39") for i in range(3)]
    run = scoring.run_cohort(YEAR, "national").run
    rows = {s.unit_id: s.indicator_rows()[0] for s in Score.objects.filter(run=run)}
    assert (rows[d38[0].pk]["peer"], rows[d38[0].pk]["peers"]) == ("division", 12)
    assert rows[d38[0].pk]["points"] == round(100 * 11.5 / 12, 4)
    # 36 has 4 peers: widened to the equipment group (12 + 4 = 16); its best is better than none of 38's
    assert (rows[d36[0].pk]["peer"], rows[d36[0].pk]["peers"]) == ("group", 16)
    assert rows[d36[0].pk]["points"] == round(100 * 3.5 / 16, 4)
    # 39 is alone in its group (3): the whole cohort of 19
    assert (rows[d39[0].pk]["peer"], rows[d39[0].pk]["peers"]) == ("cohort", 19)
    assert rows[d39[0].pk]["points"] == round(100 * 2.5 / 19, 4)


def test_weights_renormalised_over_the_indicators_that_apply(make_factory):
    # Factory a reports energy and water; b and c report energy, water and green-material share.
    a = make_factory({"energy_per_output": 10, "water_per_output": 3})
    make_factory({"energy_per_output": 20, "water_per_output": 2, "green_material_rate": 50})
    make_factory({"energy_per_output": 30, "water_per_output": 1, "green_material_rate": 40})
    run = scoring.run_cohort(YEAR, "national", method="v1").run  # v1's formula on one-indicator filings
    w = scoring.indicator_weights()
    assert w["energy_per_output"] == 35 / 3 and w["water_per_output"] == 25 / 4 and w["green_material_rate"] == 5
    # a: energy best of 3 → 100×2.5/3; water worst of 3 → 100×0.5/3; green material does not apply.
    expected = (35 / 3 * (250 / 3) + 6.25 * (50 / 3)) / (35 / 3 + 6.25)
    assert score_of(run, a).composite == Decimal(str(round(expected, 4)))
    assert sum(run.weights.values()) == pytest.approx(100)


def test_benchmark_scores_linearly_and_clamps(make_factory):
    from greencode.models import Benchmark
    from registry.models import Industry

    Benchmark.objects.create(industry=Industry.objects.get(code="39"), code="energy_per_output",
                             baseline=Decimal(200), leading=Decimal(100))
    u = [make_factory({"energy_per_output": v}) for v in (50, 150, 300)]
    run = scoring.run_cohort(YEAR, "national").run
    pts = {s.unit_id: (s.indicator_rows()[0]["points"], s.indicator_rows()[0]["peer"])
           for s in Score.objects.filter(run=run)}
    assert pts[u[0].pk] == (100.0, "benchmark")
    assert pts[u[1].pk] == (50.0, "benchmark")
    assert pts[u[2].pk] == (0.0, "benchmark")


def test_every_no_code_reason(make_factory, gz_reviewer):
    ok = make_factory({"energy_per_output": 10})
    not_filed = make_factory(filed=False)
    returned = make_factory({"energy_per_output": 10}, state=FilingState.RETURNED)
    no_energy = make_factory({"water_per_output": 3})
    co2_only = make_factory({"co2_per_output": 30})
    anomalous = make_factory({"energy_per_output": 12})
    confirmed = make_factory({"energy_per_output": 13})
    removed = make_factory({"energy_per_output": 14}, status="removed")
    incident = make_factory({"energy_per_output": 15})
    later_incident = make_factory({"energy_per_output": 16})
    flagged = anomalous.filings.get()
    DataFlag.objects.create(filing=flagged, code="energy_per_output", kind=FlagKind.OUTLIER, value=12,
                            verdict=FlagVerdict.PENDING)
    DataFlag.objects.create(filing=confirmed.filings.get(), code="energy_per_output", kind=FlagKind.OUTLIER, value=13,
                            verdict=FlagVerdict.CONFIRMED)
    IncidentReport.objects.create(unit=incident, campaign=campaign(YEAR), kind="safety", occurred_on=dt.date(2024, 2, 1),
                                  description="x", reported_by=gz_reviewer)
    IncidentReport.objects.create(unit=later_incident, campaign=campaign(YEAR + 1), kind="quality",
                                  occurred_on=dt.date(2025, 2, 1), description="x", reported_by=gz_reviewer)
    run = scoring.run_cohort(YEAR, "national").run
    reasons = {u: r for u, r in Score.objects.filter(run=run).values_list("unit_id", "reason")}
    assert reasons == {
        ok.pk: "", co2_only.pk: "", confirmed.pk: "",
        not_filed.pk: "not_filed", returned.pk: "irregular", no_energy.pk: "irregular",
        anomalous.pk: "anomalous", removed.pk: "removed", incident.pk: "incident", later_incident.pk: "incident",
    }
    assert run.counts["reasons"] == {"not_filed": 1, "irregular": 2, "anomalous": 1, "removed": 1, "incident": 2}
    assert run.graded == 3 and run.inputs == 10


def test_cohort_is_one_year_and_one_level(make_factory):
    nat = make_factory({"energy_per_output": 10})
    prov = make_factory({"energy_per_output": 10}, level="provincial")
    other_year = make_factory({"energy_per_output": 10}, year=2023)
    park = factories.UnitFactory(kind="park", industry=None)
    run = scoring.run_cohort(YEAR, "national").run
    # a listed factory without a 2024 filing is in the cohort, without a code
    assert dict(Score.objects.filter(run=run).values_list("unit_id", "reason")) == {nat.pk: "", other_year.pk: "not_filed"}
    prun = scoring.run_cohort(YEAR, "provincial").run
    assert set(Score.objects.filter(run=prun).values_list("unit_id", flat=True)) == {prov.pk}
    assert not Score.objects.filter(unit=park).exists()


def test_run_is_atomic_a_failure_leaves_the_previous_run(make_factory, monkeypatch):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(5)]
    first = scoring.run_cohort(YEAR, "national").run
    before = list(Score.objects.filter(run=first).values_list("unit_id", "grade", "composite").order_by("unit_id"))
    real_execute = CursorWrapper.execute

    def failing_execute(self, sql, params=None):
            # the summary, after the new run's Score rows were inserted in the same transaction
        if 'COUNT("greencode_score"."id")' in sql:
            raise OperationalError("could not extend file: No space left on device (simulated)")
        return real_execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", failing_execute)
    with pytest.raises(OperationalError):
        scoring.run_cohort(YEAR, "national")
    monkeypatch.undo()
    failed = ScoreRun.objects.exclude(pk=first.pk).get()
    assert failed.status == RunStatus.FAILED
    assert not Score.objects.filter(run=failed).exists()
    assert scoring.latest_run(YEAR, "national") == first
    after = list(Score.objects.filter(run=first).values_list("unit_id", "grade", "composite").order_by("unit_id"))
    assert after == before and len(after) == len(units)


def test_run_with_a_bad_benchmark_fails_whole(make_factory):
    [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    first = scoring.run_cohort(YEAR, "national").run
    # 基准值 = 引领值 cannot be stored at all any more (the database refuses it; see test_benchmarks.py), so the
    # failure is made by the database itself: the run's INSERT of its scores is refused.
    from django.db import DatabaseError, connection

    def refuse_score_insert(execute, sql, params, many, context):
        if sql.lstrip().startswith("WITH ranked AS"):
            raise DatabaseError("disk full")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_score_insert), pytest.raises(DatabaseError, match="disk full"):
        scoring.run_cohort(YEAR, "national")
    assert scoring.latest_run(YEAR, "national") == first
    failed = ScoreRun.objects.get(status=RunStatus.FAILED)
    assert "disk full" in failed.error
    assert ScoreRun.objects.filter(status=RunStatus.FAILED).count() == 1
    assert Score.objects.count() == 3


def test_rescore_updates_applied_codes_and_revokes_lost_grades(make_factory):
    from greencode.services import codes
    from tests.factories import enterprise_user

    units = [make_factory({"energy_per_output": 10 + i}) for i in range(20)]
    scoring.run_cohort(YEAR, "national")
    user = enterprise_user(units[1])
    code = codes.apply_for_code(user, units[1], YEAR)
    assert code.grade == "A"
    # the factory's value gets better: it becomes the best of the cohort
    units[1].filings.get().indicators.filter(code="energy_per_output").update(value=1)
    scoring.run_cohort(YEAR, "national")
    code.refresh_from_db()
    assert code.grade == "A+"
    units[1].filings.update(state=FilingState.RETURNED)
    scoring.run_cohort(YEAR, "national")
    code.refresh_from_db()
    assert code.revoked_at is not None and code.grade == "A+"
    assert GreenCode.objects.count() == 1


# ---------------------------------------------------------------- sensitivity of the grades, stored on the run

def _linear(code: str, baseline: int, leading: int):
    from greencode.models import Benchmark
    from registry.models import Industry

    Benchmark.objects.create(industry=Industry.objects.get(code="39"), code=code, baseline=Decimal(baseline),
                             leading=Decimal(leading))


def test_sensitivity_is_stored_on_the_run_from_its_sub_scores(make_factory):
    """Linear scores make the sub-scores what we choose: energy (lower is better) 100 − value, land output value.
    Five factories, A+ rank 1, A ranks 1–2; every other indicator blank (0 points, all fifteen apply).
    Composite = (35/3 · energy + 10/3 · land) ÷ 100. F2 (energy 40, land 77: 7.2333, A) leads F3 (energy 60:
    7.0000, B). Energy +10 %: both (38.5 · 40 + 770) = 38.5 · 60 = 2,310 ÷ 310.5 — level, so F3 alone becomes A
    (1). Land −10 %: F2 (1,400 + 693) ÷ 297 = 7.0471 < F3 2,100 ÷ 297 = 7.0707, a swap (2)."""
    _linear("energy_per_output", 100, 0)
    _linear("output_per_land", 0, 100)
    points = [(100, 100), (40, 77), (60, 0), (10, 0), (0, 10)]
    units = [make_factory({"energy_per_output": 100 - e, "output_per_land": land}) for e, land in points]
    run = scoring.run_cohort(YEAR, "national").run
    assert [grades(run)[u.pk] for u in units] == ["A+", "A", "B", "B", "B"]
    assert score_of(run, units[1]).composite == Decimal("7.2333")
    assert run.sensitivity == {"shift": 0.1, "graded": 5, "groups": {
        "energy": {"weight": 35.0, "up": 1, "down": 0}, "resources": {"weight": 25.0, "up": 0, "down": 0},
        "clean": {"weight": 20.0, "up": 0, "down": 0}, "products": {"weight": 10.0, "up": 0, "down": 0},
        "land": {"weight": 10.0, "up": 0, "down": 2}}}
    assert "sensitivity" in run.timings


def test_sensitivity_of_a_v1_run_renormalises_over_the_indicators_each_factory_reported(make_factory):
    """v1: a blank does not apply, so Σwᵢ is each factory's own. F2 reports energy only: its composite is its
    energy score, 74.7, whatever the weights. F3 reports energy 70 and land 90: (35·70 + 10·90) ÷ 45 = 74.4444, B.
    Land +10 %: F3 = (35·70 + 11·90) ÷ 46 = 74.7826 > 74.7, a swap at the A cut (2); energy −10 %:
    F3 = (31.5·70 + 10·90) ÷ 41.5 = 74.8193, a swap (2); land −10 % (74.0909) and energy +10 % (74.1237): none."""
    _linear("energy_per_output", 100, 0)
    _linear("output_per_land", 0, 100)
    units = [make_factory({"energy_per_output": 0, "output_per_land": 100}),  # 100
             make_factory({"energy_per_output": Decimal("25.3")}),  # 74.7
             make_factory({"energy_per_output": 30, "output_per_land": 90}),  # 74.4444
             make_factory({"energy_per_output": 90}), make_factory({"energy_per_output": 95})]
    run = scoring.run_cohort(YEAR, "national", method="v1").run
    assert [grades(run)[u.pk] for u in units] == ["A+", "A", "B", "B", "B"]
    assert [score_of(run, u).composite for u in units[1:3]] == [Decimal("74.7000"), Decimal("74.4444")]
    assert {g: (r["up"], r["down"]) for g, r in run.sensitivity["groups"].items()} == {
        "energy": (0, 2), "resources": (0, 0), "clean": (0, 0), "products": (0, 0), "land": (2, 0)}
