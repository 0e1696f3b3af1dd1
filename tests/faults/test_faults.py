"""Faults: the broker down when a filing is accepted, a worker killed mid-run, replayed tasks, and two
people saving one filing at once. Each runs on SQLite and on PostgreSQL (the test database is a file or a
server, so a second process or thread sees the same data)."""

import io
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from greencode.models import CohortState, ScoreRun
from greencode.services import bench, queue, scoring
from greencode.tasks import rescore_cohort
from greenmfg.celery import app
from reviews.enums import FilingState
from reviews.models import Filing
from reviews.services import filings as filing_services
from reviews.services import review as review_services
from tests import factories
from tests.conftest import login
from tests.reviews import review_helpers as rh

ROOT = settings.BASE_DIR
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused at once


def _reset_pools():
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_down():
    """Celery configured for a real broker that is not there (as when Redis has stopped)."""
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = DEAD_BROKER, False
    _reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _reset_pools()


@pytest.mark.django_db
def test_fault_filing_accepted_while_broker_is_down_is_saved_and_coded_by_the_sweep(
        client, gz_unit, django_capture_on_commit_callbacks):
    campaign = rh.open_campaign()
    reviewer = factories.city_user("广州市", "gz_fault")
    filing = rh.submitted_filing(campaign, gz_unit)
    review_services.record_checks(filing, rh.all_compliant(filing), actor=reviewer)
    login(client, reviewer)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:filing_accept", args=[filing.pk]), {"comment": "数据核实无误"})
    assert response.status_code == 302  # no error page: the acceptance stands
    filing.refresh_from_db()
    assert filing.state == FilingState.ACCEPTED
    assert not ScoreRun.objects.exists()  # nothing could be queued
    assert CohortState.objects.get(year=campaign.year, level="national").pending is True

    # The broker is back (tasks in-process here); the periodic sweep finds the cohort and scores it.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rescore", "--due", stdout=io.StringIO())
    run = ScoreRun.objects.get(status="finished")
    assert (run.year, run.level, run.graded) == (campaign.year, "national", 1)
    assert run.scores.get(unit=gz_unit).grade == "A+"


@pytest.mark.django_db
def test_fault_replayed_task_does_no_harm(django_capture_on_commit_callbacks):
    build = bench.build(30)
    year = bench.BENCH_YEAR
    with django_capture_on_commit_callbacks(execute=True):
        assert queue.request_rescore(year, "national", reason="test") is True
    assert ScoreRun.objects.filter(status="finished").count() == 1
    # The same message delivered again, twice: nothing is pending, so nothing runs.
    assert rescore_cohort.apply(args=(year, "national")).get() is None
    assert rescore_cohort.apply(args=(year, "national")).get() is None
    assert ScoreRun.objects.filter(status="finished").count() == 1
    assert build["units"] == 30


@pytest.mark.django_db(transaction=True)
def test_fault_worker_killed_mid_rescore_keeps_the_previous_run_and_the_next_run_completes():
    bench.build(6000)
    year = bench.BENCH_YEAR
    first = scoring.run_cohort(year, "national", trigger="test").run
    graded_before = dict(first.scores.values_list("unit_id", "grade"))
    # A filing accepted after that run makes the cohort due again.
    Filing.objects.filter(pk=Filing.objects.filter(campaign__year=year).first().pk).update(accepted_at=timezone.now())
    # A worker process takes the cohort and is killed with SIGKILL in the middle of its run.
    name = connection.settings_dict["NAME"]
    url = (f"sqlite:///{name}" if connection.vendor == "sqlite"
           else f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST'] or '127.0.0.1'}:"
                f"{connection.settings_dict['PORT'] or 5432}/{name}")
    env = {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": ""}
    code = (f"from greencode.services import queue; queue.request_rescore({year}, 'national'); "
            f"queue.run_pending({year}, 'national')")
    worker = subprocess.Popen([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill only once the run itself has started (its ScoreRun row exists, written before the run's transaction),
    # not merely once the cohort is claimed.
    started = ScoreRun.objects.filter(year=year, level="national", status="running")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not started.exists():
        time.sleep(0.02)
    assert started.exists(), "the worker never started its run"
    assert CohortState.objects.filter(year=year, running=True).exists()
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    dead_run = started.get()

    # Readers still see the first run, whole.
    assert scoring.latest_run(year, "national").pk == first.pk
    assert dict(first.scores.values_list("unit_id", "grade")) == graded_before
    assert ScoreRun.objects.filter(status="finished").count() == 1
    # The next sweep (an hour on) frees the cohort the dead worker held and queues it; that run completes.
    assert queue.sweep_due(now=timezone.now() + queue.STALE_RUN + queue.STALE_RUN) == [(year, "national")]
    latest = scoring.latest_run(year, "national")
    assert latest.pk != first.pk and latest.status == "finished"
    assert latest.graded == first.graded
    assert CohortState.objects.get(year=year, level="national").running is False
    # the run the worker died in is marked failed, with the reason, for operators
    dead_run.refresh_from_db()
    assert (dead_run.status, dead_run.error) == ("failed", "the worker stopped during the run")


@pytest.mark.django_db(transaction=True)
def test_fault_two_people_saving_one_filing_at_once_one_is_told():
    campaign = rh.open_campaign()
    unit = factories.UnitFactory()
    user = factories.enterprise_user(unit)
    filing = filing_services.filing_for(campaign, unit)
    version = filing.version
    barrier = threading.Barrier(2)
    outcomes = []

    def save(value):
        try:
            mine = Filing.objects.select_related("unit", "campaign").get(pk=filing.pk)
            barrier.wait(timeout=10)
            filing_services.save_filing(mine, {"output_value": Decimal(value)}, actor=user, expected_version=version)
            outcomes.append(("saved", value))
        except filing_services.StaleFiling:
            outcomes.append(("told", value))
        except Exception as exc:  # a database lock error would be a failure of this test
            outcomes.append(("error", repr(exc)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(v,)) for v in ("111", "222")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(kind for kind, _v in outcomes) == ["saved", "told"], outcomes
    saved_value = next(v for kind, v in outcomes if kind == "saved")
    filing.refresh_from_db()
    assert filing.output_value == Decimal(saved_value)
    assert filing.version == version + 1
