"""Re-scoring through Celery: signals queue it, bursts coalesce, the sweep recovers a lost message."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from greencode import tasks
from greencode.models import CohortState, ScoreRun
from greencode.services import queue
from reviews.enums import FilingState
from reviews.models import Filing
from reviews.signals import filing_accepted

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def test_accepting_a_filing_queues_and_runs_a_rescore(make_factory, django_capture_on_commit_callbacks):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    filing = Filing.objects.get(unit=units[0])
    with django_capture_on_commit_callbacks(execute=True):
        filing_accepted.send(sender=Filing, filing=filing)
    run = ScoreRun.objects.get()
    assert (run.year, run.level, run.status, run.graded, run.trigger) == (YEAR, "national", "finished", 3, "queue")
    state = CohortState.objects.get()
    assert (state.pending, state.running, state.last_run_id) == (False, False, run.pk)


def test_burst_of_requests_coalesces_into_one_run(make_factory, django_capture_on_commit_callbacks):
    make_factory({"energy_per_output": 10})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = [queue.request_rescore(YEAR, "national") for _ in range(5)]
    assert queued == [True, False, False, False, False]
    assert len(callbacks) == 1
    callbacks[0]()
    assert ScoreRun.objects.count() == 1


def test_requests_during_a_run_cause_exactly_one_more(make_factory, django_capture_on_commit_callbacks):
    make_factory({"energy_per_output": 10})
    queue.request_rescore(YEAR, "national")  # pending; its message is "in the broker" (not executed here)
    CohortState.objects.filter(year=YEAR).update(running=True, pending=False)  # a worker has claimed it
    with django_capture_on_commit_callbacks(execute=False) as during:
        assert [queue.request_rescore(YEAR, "national") for _ in range(3)] == [False, False, False]
    assert during == []  # nothing queued while it runs
    assert CohortState.objects.get().pending is True
    # the running task finishes: simulate its release, which re-queues exactly once
    CohortState.objects.filter(year=YEAR).update(running=False)
    with django_capture_on_commit_callbacks(execute=True) as after:
        tasks.rescore_cohort(YEAR, "national")
    assert ScoreRun.objects.count() == 1
    assert len(after) == 0
    # the one more run consumed the pending flag; a duplicate message finds nothing to do
    assert tasks.rescore_cohort(YEAR, "national") is None
    assert ScoreRun.objects.count() == 1


def test_task_is_idempotent_when_nothing_is_pending(make_factory):
    make_factory({"energy_per_output": 10})
    assert tasks.rescore_cohort(YEAR, "national") is None
    assert ScoreRun.objects.count() == 0


def test_sweep_recovers_a_lost_message(make_factory, django_capture_on_commit_callbacks):
    make_factory({"energy_per_output": 10})
    # the request was made but its message was lost (the broker was down): pending, never run
    with django_capture_on_commit_callbacks(execute=False):
        assert queue.request_rescore(YEAR, "national") is True
    assert ScoreRun.objects.count() == 0
    assert queue.due_cohorts() == [(YEAR, "national")]
    with django_capture_on_commit_callbacks(execute=True):
        assert queue.sweep_due() == [(YEAR, "national")]
    assert ScoreRun.objects.filter(status="finished").count() == 1
    assert queue.due_cohorts() == []
    # a filing accepted after that run makes the cohort due again
    later = make_factory({"energy_per_output": 11})
    Filing.objects.filter(unit=later).update(accepted_at=timezone.now() + dt.timedelta(seconds=1))
    assert queue.due_cohorts() == [(YEAR, "national")]


def test_sweep_frees_a_cohort_whose_worker_died(make_factory, django_capture_on_commit_callbacks):
    make_factory({"energy_per_output": 10})
    CohortState.objects.create(year=YEAR, level="national", running=True, pending=False,
                               run_started_at=timezone.now() - dt.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        queue.sweep_due()
    assert ScoreRun.objects.filter(status="finished").count() == 1


def test_rescore_command_prints_a_summary(make_factory, capsys):
    from django.core.management import call_command

    [make_factory({"energy_per_output": 10 + i}) for i in range(20)]
    call_command("rescore", "--year", str(YEAR))
    out = capsys.readouterr().out
    assert out.startswith(f"{YEAR} national: run #")
    assert "20 factories, 20 graded (A+ 1, A 7, B 12), 0 without a code" in out


def test_rescore_due_command_queues_due_cohorts(make_factory, capsys, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    make_factory({"energy_per_output": 10})
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rescore", "--due")
    assert capsys.readouterr().out.strip() == f"due: {YEAR} national"
    assert ScoreRun.objects.count() == 1


def test_beat_schedule_has_the_sweep():
    assert settings.CELERY_BEAT_SCHEDULE["greencode-sweep"]["task"] == "greencode.sweep"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_rescores_through_the_broker():
    from celery.contrib.testing.worker import start_worker

    from greenmfg.celery import app

    from .conftest import campaign, factory

    campaign()
    units = [factory({"energy_per_output": 10 + i}) for i in range(4)]
    assert app.conf.task_always_eager is False
    app.conf.result_backend = settings.CELERY_BROKER_URL  # as tests/greenmfg/test_celery.py does
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[settings.CELERY_TASK_DEFAULT_QUEUE]):
            filing_accepted.send(sender=Filing, filing=Filing.objects.get(unit=units[0]))
            deadline = timezone.now() + dt.timedelta(seconds=30)
            while timezone.now() < deadline and not ScoreRun.objects.filter(status="finished").exists():
                import time

                time.sleep(0.2)
    finally:
        app.conf.result_backend = None
    run = ScoreRun.objects.get()
    assert (run.status, run.graded, run.trigger) == ("finished", 4, "queue")
    assert Filing.objects.filter(state=FilingState.ACCEPTED).count() == 4


def test_sweep_counts_runs_started_by_the_command(make_factory):
    from greencode.services import scoring

    make_factory({"energy_per_output": 10})
    scoring.run_cohort(YEAR, "national", trigger="command")
    assert queue.due_cohorts() == []


def test_a_park_filing_accepted_queues_nothing(db, django_capture_on_commit_callbacks):
    from tests.factories import UnitFactory

    from .conftest import campaign

    park = UnitFactory(kind="park", industry=None)
    filing = Filing.objects.create(campaign=campaign(), unit=park, state=FilingState.ACCEPTED,
                                   accepted_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        filing_accepted.send(sender=Filing, filing=filing)
    assert callbacks == [] and not CohortState.objects.exists()


def test_sweep_prunes_old_runs_but_keeps_recent_ones_and_those_a_code_points_at(make_factory):
    from greencode.models import GreenCode, Score
    from greencode.services import codes, scoring
    from tests import factories

    unit = make_factory({"energy_per_output": 10})
    make_factory({"energy_per_output": 20})
    first = scoring.run_cohort(YEAR, "national").run
    code = codes.apply_for_code(factories.enterprise_user(unit), unit, YEAR)
    runs = [scoring.run_cohort(YEAR, "national").run for _ in range(4)]
    GreenCode.objects.filter(pk=code.pk).update(score=Score.objects.get(run=first, unit=unit))  # a code still on run 1
    queue.sweep_due()
    kept = set(ScoreRun.objects.values_list("pk", flat=True))
    assert kept == {first.pk, runs[1].pk, runs[2].pk, runs[3].pk}  # newest three, and the one a code uses
    assert not Score.objects.filter(run=runs[0]).exists()
    assert scoring.latest_run(YEAR, "national").pk == runs[3].pk
