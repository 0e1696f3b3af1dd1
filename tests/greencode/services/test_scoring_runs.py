"""The run as a record: which method it used and the rules it kept, its timings, what a failure leaves behind, its
one-line summary; and the housekeeping around runs (stale runs failed, old runs pruned) at their edges."""

import datetime as dt
import time

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from greencode import applicability
from greencode.enums import RunStatus
from greencode.models import Score, ScoreRun
from greencode.services import scoring
from greencode.services.scoring import RunResult
from tests.greencode.conftest import YEAR

pytestmark = pytest.mark.django_db

ENERGY = "energy_per_output"
PHASES = ("eligibility", "indicators", "write", "summary", "sensitivity", "codes")


def run_at(started_at, *, status=RunStatus.FINISHED, year=YEAR, level="national") -> ScoreRun:
    return ScoreRun.objects.create(year=year, level=level, status=status, started_at=started_at,
                                   finished_at=None if status == RunStatus.RUNNING else started_at)


def remaining() -> set[int]:
    return set(ScoreRun.objects.values_list("pk", flat=True))


# --- the method and the rules a run records -----------------------------------------------------------------

def test_current_method_is_v1_1_when_not_configured(settings):
    del settings.GREENCODE_METHOD_VERSION
    assert scoring.current_method() == "v1.1"


def test_current_method_follows_the_setting(settings):
    settings.GREENCODE_METHOD_VERSION = "v1"
    assert scoring.current_method() == "v1"


def test_an_unknown_configured_method_names_the_versions_to_choose_from(settings):
    settings.GREENCODE_METHOD_VERSION = "v9"
    with pytest.raises(scoring.ScoringError) as refused:
        scoring.current_method()
    assert str(refused.value) == "unknown method version 'v9'; choose one of v1, v1.1"


def test_a_run_with_an_unknown_method_is_refused_before_it_starts(make_factory):
    make_factory({ENERGY: 10})
    with pytest.raises(scoring.ScoringError) as refused:
        scoring.run_cohort(YEAR, "national", method="v2")
    assert str(refused.value) == "unknown method version 'v2'"
    assert not ScoreRun.objects.exists()


def test_a_run_for_a_year_without_a_campaign_is_refused(make_factory):
    make_factory({ENERGY: 10})
    with pytest.raises(scoring.ScoringError) as refused:
        scoring.run_cohort(YEAR + 3, "national")
    assert str(refused.value) == f"no campaign for {YEAR + 3}"
    assert not ScoreRun.objects.exists()


def test_a_v1_run_keeps_the_peer_rules_only(make_factory, settings):
    settings.GREENCODE_METHOD_VERSION = "v1"
    make_factory({ENERGY: 10})
    run = ScoreRun.objects.get(pk=scoring.run_cohort(YEAR, "national").run.pk)
    assert (run.method_version, run.peer_rules) == ("v1", scoring.PEER_RULES)


def test_a_v1_1_run_keeps_the_blank_rule_and_the_applicability_table_it_used(make_factory, monkeypatch):
    monkeypatch.setitem(applicability.NOT_APPLICABLE, "39", {"water_per_output": "不适用（测试）"})
    unit = make_factory({ENERGY: 10})
    run = ScoreRun.objects.get(pk=scoring.run_cohort(YEAR, "national").run.pk)
    assert run.method_version == "v1.1"
    assert run.peer_rules == {**scoring.PEER_RULES, "blank": scoring.BLANK_RULE_V1_1,
                              "not_applicable": [[unit.industry_id, "water_per_output"]],
                              "applicability_version": applicability.current_version()}
    assert len(run.peer_rules["applicability_version"]) == 12


def test_a_run_started_without_a_trigger_records_a_manual_one(make_factory):
    make_factory({ENERGY: 10})
    run = scoring.run_cohort(YEAR, "national").run
    assert ScoreRun.objects.get(pk=run.pk).trigger == "manual"


# --- timings ------------------------------------------------------------------------------------------------

def test_a_finished_run_times_each_phase_and_the_whole_in_seconds_to_four_decimals(make_factory):
    make_factory({ENERGY: 10})
    make_factory({ENERGY: 20})
    before = time.perf_counter()
    run = scoring.run_cohort(YEAR, "national").run
    elapsed = time.perf_counter() - before
    run = ScoreRun.objects.get(pk=run.pk)
    assert set(run.timings) == {*PHASES, "total"}  # a JSON object: PostgreSQL keeps no key order
    assert all(isinstance(v, float) and v == round(v, 4) and 0 <= v <= elapsed for v in run.timings.values())
    assert run.timings["total"] > 0
    assert run.timings["total"] >= round(sum(run.timings[p] for p in PHASES), 4) - 0.0006  # each rounded apart
    assert run.status == RunStatus.FINISHED and run.error == ""


# --- a failed run -------------------------------------------------------------------------------------------

def test_a_failed_run_is_marked_with_its_error_cut_to_2000_characters_and_the_phases_it_finished(make_factory):
    make_factory({ENERGY: 10})
    problem = DatabaseError("disk full " + "x" * 3000)

    def refuse_score_insert(execute, sql, params, many, context):
        if sql.lstrip().startswith("WITH ranked AS"):  # the write phase
            raise problem
        return execute(sql, params, many, context)

    before, started = timezone.now(), time.perf_counter()
    with connection.execute_wrapper(refuse_score_insert), pytest.raises(DatabaseError) as raised:
        scoring.run_cohort(YEAR, "national")
    elapsed = time.perf_counter() - started
    assert raised.value is problem
    failed = ScoreRun.objects.get()
    assert failed.status == RunStatus.FAILED
    assert failed.error == repr(problem)[:2000] and len(failed.error) == 2000
    assert failed.finished_at is not None and before <= failed.finished_at <= timezone.now()
    assert set(failed.timings) == {"eligibility", "indicators", "sensitivity", "total"}  # read before the write
    assert all(isinstance(v, float) and v == round(v, 4) and 0 <= v <= elapsed for v in failed.timings.values())
    assert failed.timings["total"] >= failed.timings["indicators"] and failed.timings["total"] > 0
    assert not Score.objects.exists()


# --- the summary line (the rescore command prints it) -----------------------------------------------------

def test_summary_of_a_finished_run():
    run = ScoreRun(pk=7, year=2026, level="national", status=RunStatus.FINISHED, inputs=6, graded=5,
                   counts={"grades": {"A+": 1, "A": 2, "B": 2}, "reasons": {"not_filed": 1, "removed": 2}},
                   timings={"eligibility": 0.5, "total": 1.236})
    assert RunResult(run).summary() == (
        "2026 national: run #7 finished, 6 factories, 5 graded (A+ 1, A 2, B 2), 3 without a code, 1.24 s")


def test_summary_of_a_run_without_counts_or_timings():
    run = ScoreRun(pk=8, year=2026, level="provincial", status=RunStatus.FAILED, counts={}, timings={})
    assert RunResult(run).summary() == (
        "2026 provincial: run #8 failed, 0 factories, 0 graded (A+ 0, A 0, B 0), 0 without a code, 0.00 s")


def test_summary_of_a_real_run(make_factory):
    make_factory({ENERGY: 10})
    make_factory(filed=False)
    result = scoring.run_cohort(YEAR, "national")
    total = result.run.timings["total"]
    assert result.summary() == (f"{YEAR} national: run #{result.run.pk} finished, 2 factories, 1 graded "
                                f"(A+ 1, A 0, B 0), 1 without a code, {total:.2f} s")


# --- stale runs ---------------------------------------------------------------------------------------------

def test_stale_runs_are_those_still_running_that_started_strictly_before_the_limit(db):
    limit = timezone.now() - dt.timedelta(hours=1)
    stale = run_at(limit - dt.timedelta(microseconds=1), status=RunStatus.RUNNING)
    at_limit = run_at(limit, status=RunStatus.RUNNING)
    finished = run_at(limit - dt.timedelta(days=1))
    before = timezone.now()
    assert scoring.fail_stale_runs(before=limit) == 1
    stale.refresh_from_db()
    assert (stale.status, stale.error) == (RunStatus.FAILED, "the worker stopped during the run")
    assert before <= stale.finished_at <= timezone.now()
    at_limit.refresh_from_db()
    assert (at_limit.status, at_limit.finished_at, at_limit.error) == (RunStatus.RUNNING, None, "")
    finished.refresh_from_db()
    assert (finished.status, finished.error, finished.finished_at) == (RunStatus.FINISHED, "", finished.started_at)


# --- pruning ------------------------------------------------------------------------------------------------

def test_pruning_keeps_three_finished_runs_per_cohort_by_default(db):
    now = timezone.now()
    runs = [run_at(now - dt.timedelta(hours=h)) for h in range(4)]
    assert scoring.prune_runs() == 1
    assert remaining() == {r.pk for r in runs[:3]}


def test_pruning_keeps_the_runs_that_started_last_not_the_last_created(db):
    now = timezone.now()
    newest = run_at(now)
    older = run_at(now - dt.timedelta(days=1))  # created later, started earlier
    assert scoring.prune_runs(keep=1) == 1
    assert remaining() == {newest.pk}
    assert older.pk > newest.pk


def test_pruning_breaks_a_tie_of_start_times_by_the_newer_run(db):
    now = timezone.now()
    first, second = run_at(now), run_at(now)
    assert scoring.prune_runs(keep=1) == 1
    assert remaining() == {second.pk}
    assert second.pk > first.pk


def test_pruning_drops_a_failed_run_once_it_is_30_days_old_by_default(db):
    now = timezone.now()
    kept = run_at(now - dt.timedelta(days=29, hours=23), status=RunStatus.FAILED)
    run_at(now - dt.timedelta(days=30, hours=1), status=RunStatus.FAILED)
    assert scoring.prune_runs() == 1
    assert remaining() == {kept.pk}


def test_a_failed_run_does_not_count_among_the_finished_runs_kept(db):
    now = timezone.now()
    finished = run_at(now - dt.timedelta(days=50))
    run_at(now - dt.timedelta(days=40), status=RunStatus.FAILED)  # newer than the finished run, too old to keep
    assert scoring.prune_runs(keep=1, now=now) == 1
    assert remaining() == {finished.pk}


def test_pruning_goes_on_past_a_referenced_run_and_a_young_failed_run(make_factory):
    from greencode.models import GreenCode
    from greencode.services import codes
    from tests import factories

    unit = make_factory({ENERGY: 10})
    now = timezone.now()
    newest = run_at(now)  # created first, so that the run a code points at has another id than the code
    referenced = scoring.run_cohort(YEAR, "national").run
    code = codes.apply_for_code(factories.enterprise_user(unit), unit, YEAR)
    assert GreenCode.objects.get().score.run_id == referenced.pk != code.pk
    ScoreRun.objects.filter(pk=referenced.pk).update(started_at=now - dt.timedelta(days=5))
    young_failed = run_at(now - dt.timedelta(days=10), status=RunStatus.FAILED)
    doomed = [run_at(now - dt.timedelta(days=d)) for d in (20, 21)]
    assert scoring.prune_runs(keep=1, now=now) == 2
    assert remaining() == {newest.pk, referenced.pk, young_failed.pk}
    assert not ScoreRun.objects.filter(pk__in=[r.pk for r in doomed]).exists()


# --- the current run ----------------------------------------------------------------------------------------

def test_the_current_run_of_two_that_finished_at_the_same_moment_is_the_newer(db):
    at = timezone.now()
    first, second = run_at(at), run_at(at)
    run_at(at, level="provincial")  # a neighbour's run, newer still
    assert second.pk > first.pk
    assert scoring.latest_run(YEAR, "national") == second
