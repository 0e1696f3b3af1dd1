"""The queue and the run records keep each cohort (year × level) apart, and every time limit holds at its edge.

Cohorts share one table (CohortState) and one run table (ScoreRun): a filter dropped from any of their
queries would let one cohort's request, claim, run or prune act on another. Each test here sets up a
neighbouring cohort that must stay untouched.
"""

import datetime as dt

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from greencode import tasks
from greencode.enums import RunStatus
from greencode.models import CohortState, GreenCode, Score, ScoreRun
from greencode.services import codes, queue, scoring
from reviews.models import Campaign, Filing
from tests import factories

from .conftest import YEAR

pytestmark = pytest.mark.django_db

NATIONAL, PROVINCIAL = "national", "provincial"


def states() -> dict[tuple[int, str], tuple[bool, bool]]:
    return {(s.year, s.level): (s.pending, s.running) for s in CohortState.objects.all()}


def neighbours():
    """The same year at the other level, and the year before at the same level: both idle."""
    for year, level in ((YEAR, PROVINCIAL), (YEAR - 1, NATIONAL)):
        CohortState.objects.create(year=year, level=level)


# --- request_rescore ---------------------------------------------------------------------------------------

def test_a_request_marks_only_its_own_cohort(make_factory, django_capture_on_commit_callbacks):
    make_factory({"energy_per_output": 10})
    neighbours()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert queue.request_rescore(YEAR, NATIONAL) is True
    assert len(queued) == 1
    assert states() == {(YEAR, NATIONAL): (True, False), (YEAR, PROVINCIAL): (False, False),
                        (YEAR - 1, NATIONAL): (False, False)}
    requested = CohortState.objects.get(year=YEAR, level=NATIONAL).requested_at
    assert requested is not None and abs((timezone.now() - requested).total_seconds()) < 60


def test_a_pending_neighbour_does_not_swallow_a_request(make_factory, django_capture_on_commit_callbacks):
    make_factory({"energy_per_output": 10})
    CohortState.objects.create(year=YEAR, level=PROVINCIAL, pending=True)
    CohortState.objects.create(year=YEAR - 1, level=NATIONAL, pending=True)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert queue.request_rescore(YEAR, NATIONAL) is True
    assert len(queued) == 1


def test_a_running_neighbour_does_not_hold_a_request_back(make_factory, django_capture_on_commit_callbacks):
    make_factory({"energy_per_output": 10})
    CohortState.objects.create(year=YEAR, level=PROVINCIAL, running=True, run_started_at=timezone.now())
    CohortState.objects.create(year=YEAR - 1, level=NATIONAL, running=True, run_started_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert queue.request_rescore(YEAR, NATIONAL) is True
    assert len(queued) == 1


def test_a_request_for_an_unscored_level_does_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert queue.request_rescore(YEAR, "municipal") is False
    assert queued == [] and not CohortState.objects.exists()


# --- run_pending: the claim and the release ----------------------------------------------------------------

def test_the_task_runs_only_its_own_cohort(make_factory, django_capture_on_commit_callbacks):
    make_factory({"energy_per_output": 10})
    make_factory({"energy_per_output": 11}, level=PROVINCIAL)
    CohortState.objects.create(year=YEAR, level=PROVINCIAL, pending=True)
    CohortState.objects.create(year=YEAR - 1, level=NATIONAL, pending=True)
    assert tasks.rescore_cohort(YEAR, NATIONAL) is None  # the national cohort itself was not pending
    assert not ScoreRun.objects.exists()
    CohortState.objects.filter(year=YEAR, level=NATIONAL).update(pending=True)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        result = queue.run_pending(YEAR, NATIONAL)
    assert (result.run.year, result.run.level) == (YEAR, NATIONAL)
    assert queued == []  # the pending neighbours have their own messages
    assert states() == {(YEAR, NATIONAL): (False, False), (YEAR, PROVINCIAL): (True, False),
                        (YEAR - 1, NATIONAL): (True, False)}
    mine = CohortState.objects.get(year=YEAR, level=NATIONAL)
    assert (mine.last_run_id, mine.last_started_at) == (result.run.pk, result.run.started_at)
    assert mine.run_started_at is not None and mine.run_started_at <= result.run.started_at
    assert CohortState.objects.get(year=YEAR, level=PROVINCIAL).last_run_id is None
    assert CohortState.objects.get(year=YEAR - 1, level=NATIONAL).last_run_id is None


def test_a_cohort_claimed_by_another_worker_is_left_alone(make_factory):
    make_factory({"energy_per_output": 10})
    started = timezone.now() - dt.timedelta(minutes=5)
    CohortState.objects.create(year=YEAR, level=NATIONAL, pending=True, running=True, run_started_at=started)
    assert queue.run_pending(YEAR, NATIONAL) is None
    assert not ScoreRun.objects.exists()
    state = CohortState.objects.get()
    assert (state.pending, state.running, state.run_started_at) == (True, True, started)


def test_a_failed_run_releases_the_cohort_and_keeps_the_last_good_run(make_factory,
                                                                      django_capture_on_commit_callbacks):
    make_factory({"energy_per_output": 10})
    make_factory({"energy_per_output": 12})
    with django_capture_on_commit_callbacks(execute=True):
        queue.request_rescore(YEAR, NATIONAL)
    good = CohortState.objects.get().last_run
    asked = []

    def fail_mid_run(execute, sql, params, many, context):
        # A filing is accepted (and committed elsewhere) once the run has started, then the run fails. The
        # request is made as the run's record is written, outside the run's own transaction, which rolls back.
        if sql.startswith('INSERT INTO "greencode_scorerun"') and not asked:
            asked.append(queue.request_rescore(YEAR, NATIONAL, reason="accepted during the run"))
        if sql.lstrip().startswith("WITH ranked AS"):
            raise DatabaseError("disk full")
        return execute(sql, params, many, context)

    CohortState.objects.filter(year=YEAR).update(pending=True)
    with (connection.execute_wrapper(fail_mid_run), django_capture_on_commit_callbacks(execute=False) as queued,
          pytest.raises(DatabaseError, match="disk full")):
        queue.run_pending(YEAR, NATIONAL)
    assert asked == [False]
    state = CohortState.objects.get()
    assert (state.pending, state.running, state.last_run_id) == (True, False, good.pk)
    assert len(queued) == 1  # the request made during the failed run is queued once
    assert ScoreRun.objects.filter(status=RunStatus.FAILED).count() == 1


def test_a_run_that_cannot_start_releases_the_cohort(db, django_capture_on_commit_callbacks):
    CohortState.objects.create(year=YEAR + 5, level=NATIONAL, pending=True)  # no campaign for that year
    with pytest.raises(scoring.ScoringError, match=f"no campaign for {YEAR + 5}"):
        queue.run_pending(YEAR + 5, NATIONAL)
    state = CohortState.objects.get()
    assert (state.pending, state.running, state.last_run_id) == (False, False, None)


# --- due cohorts and the sweep ------------------------------------------------------------------------------

def test_a_filing_accepted_at_the_very_start_of_the_last_run_is_still_due(make_factory):
    unit = make_factory({"energy_per_output": 10})
    run = scoring.run_cohort(YEAR, NATIONAL).run
    Filing.objects.filter(unit=unit).update(accepted_at=run.started_at)
    assert queue.due_cohorts() == [(YEAR, NATIONAL)]
    Filing.objects.filter(unit=unit).update(accepted_at=run.started_at - dt.timedelta(microseconds=1))
    assert queue.due_cohorts() == []


def test_only_accepted_factories_of_scored_levels_make_a_cohort_due(db):
    from tests.factories import UnitFactory

    from .conftest import campaign

    c = campaign()
    park = UnitFactory(kind="park", industry=None)
    city_level = UnitFactory(level="municipal")
    submitted = UnitFactory()
    for unit, state in ((park, "accepted"), (city_level, "accepted"), (submitted, "submitted")):
        Filing.objects.create(campaign=c, unit=unit, state=state, accepted_at=timezone.now())
    assert queue.due_cohorts() == []


def test_only_the_cohorts_own_finished_run_makes_it_not_due(make_factory):
    make_factory({"energy_per_output": 10})
    make_factory({"energy_per_output": 11}, level=PROVINCIAL)
    scoring.run_cohort(YEAR, PROVINCIAL)
    assert queue.due_cohorts() == [(YEAR, NATIONAL)]
    later = timezone.now() + dt.timedelta(hours=1)
    ScoreRun.objects.create(year=YEAR, level=NATIONAL, status=RunStatus.FAILED, started_at=later)
    ScoreRun.objects.create(year=YEAR - 1, level=NATIONAL, status=RunStatus.FINISHED, started_at=later)
    assert queue.due_cohorts() == [(YEAR, NATIONAL)]  # neither a failed run nor another year's counts


def test_the_sweep_frees_a_run_older_than_the_limit_and_no_younger(make_factory, django_capture_on_commit_callbacks):
    make_factory({"energy_per_output": 10})
    now = timezone.now()
    at_limit = now - queue.STALE_RUN
    CohortState.objects.create(year=YEAR, level=NATIONAL, running=True, run_started_at=at_limit)
    ScoreRun.objects.create(year=YEAR, level=NATIONAL, status=RunStatus.RUNNING, started_at=at_limit)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert queue.sweep_due(now=now) == []  # exactly one hour: still allowed to run
    assert queued == [] and CohortState.objects.get().running is True
    assert ScoreRun.objects.get().status == RunStatus.RUNNING
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert queue.sweep_due(now=now + dt.timedelta(microseconds=1)) == [(YEAR, NATIONAL)]
    assert len(queued) == 1
    state = CohortState.objects.get()
    assert (state.pending, state.running) == (True, False)
    dead = ScoreRun.objects.get()
    assert (dead.status, dead.error) == (RunStatus.FAILED, "the worker stopped during the run")


def test_the_sweep_leaves_a_neighbours_fresh_run_alone(make_factory, django_capture_on_commit_callbacks):
    make_factory({"energy_per_output": 10})
    now = timezone.now()
    CohortState.objects.create(year=YEAR, level=PROVINCIAL, running=True, run_started_at=now)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert queue.sweep_due(now=now) == [(YEAR, NATIONAL)]
    assert len(queued) == 1
    assert states()[(YEAR, PROVINCIAL)] == (False, True)


# --- run records ---------------------------------------------------------------------------------------------

def test_latest_run_is_the_newest_finished_run_of_that_cohort_only(make_factory):
    make_factory({"energy_per_output": 10})
    mine = scoring.run_cohort(YEAR, NATIONAL).run
    later = mine.finished_at + dt.timedelta(hours=1)
    ScoreRun.objects.create(year=YEAR, level=PROVINCIAL, status=RunStatus.FINISHED, started_at=later, finished_at=later)
    ScoreRun.objects.create(year=YEAR - 1, level=NATIONAL, status=RunStatus.FINISHED, started_at=later,
                            finished_at=later)
    ScoreRun.objects.create(year=YEAR, level=NATIONAL, status=RunStatus.FAILED, started_at=later, finished_at=later)
    assert scoring.latest_run(YEAR, NATIONAL) == mine
    # started later but finished first: the one that finished last is current
    slow = ScoreRun.objects.create(year=YEAR, level=NATIONAL, status=RunStatus.FINISHED, started_at=mine.started_at,
                                   finished_at=later + dt.timedelta(minutes=1))
    ScoreRun.objects.create(year=YEAR, level=NATIONAL, status=RunStatus.FINISHED, started_at=later,
                            finished_at=later)
    assert scoring.latest_run(YEAR, NATIONAL) == slow


def test_a_run_records_its_method_weights_peer_rules_and_benchmarks(make_factory):
    from greencode.models import Benchmark
    from registry.models import Industry

    make_factory({"energy_per_output": 10})
    Benchmark.objects.create(industry=Industry.objects.get(code="39"), code="energy_per_output",
                             baseline="20", leading="5")
    run = scoring.run_cohort(YEAR, NATIONAL, trigger="t" * 50).run
    assert run.method_version == scoring.current_method()
    assert run.weights == scoring.indicator_weights()
    assert sum(run.weights.values()) == pytest.approx(100)
    assert run.peer_rules["min_peers"] == scoring.MIN_PEERS
    assert run.peer_rules["blank"] == scoring.BLANK_RULE_V1_1
    industry = Industry.objects.get(code="39").pk
    assert run.benchmarks == [[industry, "energy_per_output", str(Benchmark.objects.get().baseline),
                               str(Benchmark.objects.get().leading)]]
    assert [float(v) for v in run.benchmarks[0][2:]] == [20, 5]
    assert run.trigger == "t" * 40
    assert run.status == RunStatus.FINISHED and run.finished_at >= run.started_at
    assert set(run.timings) >= {"eligibility", "indicators", "write", "summary", "codes", "total"}


# --- pruning -------------------------------------------------------------------------------------------------

def test_pruning_counts_kept_runs_per_cohort(make_factory):
    make_factory({"energy_per_output": 10})
    make_factory({"energy_per_output": 11}, level=PROVINCIAL)
    national = [scoring.run_cohort(YEAR, NATIONAL).run for _ in range(2)]
    provincial = [scoring.run_cohort(YEAR, PROVINCIAL).run for _ in range(3)]
    assert scoring.prune_runs(keep=2) == 1  # only the provincial cohort has more than two
    kept = set(ScoreRun.objects.values_list("pk", flat=True))
    assert kept == {r.pk for r in national} | {r.pk for r in provincial[1:]}


def test_pruning_drops_a_failed_run_once_it_is_thirty_days_old(make_factory):
    make_factory({"energy_per_output": 10})
    scoring.run_cohort(YEAR, NATIONAL)
    now = timezone.now()
    limit = dt.timedelta(days=scoring.KEEP_FAILED_DAYS)
    young = ScoreRun.objects.create(year=YEAR, level=NATIONAL, status=RunStatus.FAILED,
                                    started_at=now - limit + dt.timedelta(seconds=1))
    old = ScoreRun.objects.create(year=YEAR, level=NATIONAL, status=RunStatus.FAILED, started_at=now - limit)
    running = ScoreRun.objects.create(year=YEAR, level=NATIONAL, status=RunStatus.RUNNING,
                                      started_at=now - 10 * limit)
    assert scoring.prune_runs(now=now) == 1
    assert not ScoreRun.objects.filter(pk=old.pk).exists()
    assert ScoreRun.objects.filter(pk__in=[young.pk, running.pk]).count() == 2


def test_pruning_a_run_clears_the_cohort_pointer_and_deletes_its_scores(make_factory,
                                                                         django_capture_on_commit_callbacks):
    unit = make_factory({"energy_per_output": 10})
    first = scoring.run_cohort(YEAR, NATIONAL).run
    CohortState.objects.create(year=YEAR, level=NATIONAL, last_run=first)
    neighbour = CohortState.objects.create(year=YEAR, level=PROVINCIAL, last_run=first)
    scoring.run_cohort(YEAR, NATIONAL)
    assert scoring.prune_runs(keep=1) == 1
    assert CohortState.objects.get(pk=neighbour.pk).last_run_id is None
    assert not Score.objects.filter(run_id=first.pk).exists()
    assert Score.objects.filter(unit=unit).count() == 1


def test_pruning_keeps_a_run_that_a_withdrawn_code_still_points_at(make_factory):
    unit = make_factory({"energy_per_output": 10})
    make_factory({"energy_per_output": 20})
    first = scoring.run_cohort(YEAR, NATIONAL).run
    user = factories.enterprise_user(unit)
    code = codes.apply_for_code(user, unit, YEAR)
    codes.withdraw_code(user, code)
    scoring.run_cohort(YEAR, NATIONAL)
    GreenCode.objects.filter(pk=code.pk).update(score=Score.objects.get(run=first, unit=unit))
    assert scoring.prune_runs(keep=1) == 0
    assert ScoreRun.objects.filter(pk=first.pk).exists()


# --- valid_until: a month after next year's filing deadline, at month ends too -----------------------------

@pytest.mark.parametrize(("next_due", "expected"), [
    (dt.date(2027, 1, 31), dt.date(2027, 2, 28)),
    (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),
    (dt.date(2027, 3, 31), dt.date(2027, 4, 30)),
    (dt.date(2027, 12, 15), dt.date(2028, 1, 15)),
])
def test_valid_until_at_month_ends(db, next_due, expected):
    Campaign.objects.create(year=4000, filing_opens=dt.date(2026, 1, 1), filing_due=dt.date(2026, 3, 15),
                            city_review_due=dt.date(2026, 4, 1), province_report_due=dt.date(2026, 4, 15))
    Campaign.objects.create(year=4001, filing_opens=next_due - dt.timedelta(days=30), filing_due=next_due,
                            city_review_due=next_due + dt.timedelta(days=10),
                            province_report_due=next_due + dt.timedelta(days=20))
    assert scoring.valid_until(4000) == expected


def test_valid_until_without_next_years_campaign_assumes_the_same_day_next_year(db):
    Campaign.objects.create(year=4000, filing_opens=dt.date(4000, 1, 1), filing_due=dt.date(4000, 2, 29),
                            city_review_due=dt.date(4000, 3, 10), province_report_due=dt.date(4000, 3, 20))
    assert scoring.valid_until(4000) == dt.date(4001, 3, 28)  # 29 Feb + 12 months = 28 Feb, + 1 month
    Campaign.objects.create(year=3999, filing_opens=dt.date(3999, 1, 1), filing_due=dt.date(3999, 1, 20),
                            city_review_due=dt.date(3999, 2, 1), province_report_due=dt.date(3999, 2, 10))
    assert scoring.valid_until(3998) == dt.date(3999, 2, 20)  # the next year's campaign decides
    assert scoring.valid_until(3990) == dt.date(3991, 4, 30)  # nothing known: 31 March + 12 months + 1



@pytest.mark.parametrize("method", ["v1", "v1.1"])
def test_a_cohort_with_nobody_graded_still_finishes(make_factory, method):
    units = [make_factory(filed=False) for _ in range(3)]  # listed before the year, none filed
    run = scoring.run_cohort(YEAR, NATIONAL, method=method).run
    assert (run.status, run.graded, run.inputs) == (RunStatus.FINISHED, 0, 3)
    assert set(Score.objects.filter(run=run).values_list("unit_id", "reason")) == {
        (u.pk, "not_filed") for u in units}
