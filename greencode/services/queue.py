"""Coalesced re-scoring: at most one run per cohort at a time; requests during a run cause exactly one more.

State lives in CohortState (one row per cohort), changed only with conditional UPDATEs, so two workers
or a burst of accepted filings cannot start two runs of one cohort:
- request_rescore: sets `pending`; queues a task only if the cohort was neither pending nor running.
- the task (run_pending): claims the cohort (pending and not running → running), runs it, then releases
  it and queues one more task if a request arrived meanwhile.
- sweep_due: re-queues every cohort with an accepted filing newer than its last finished run, and frees a
  cohort whose worker died mid-run, so a lost message or a broker outage delays a code by a sweep period.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from registry.enums import UnitKind
from reviews.enums import FilingState
from reviews.models import Filing

from ..enums import SCORED_LEVELS, RunStatus
from ..models import CohortState, ScoreRun
from . import scoring

log = logging.getLogger("greenmfg.greencode")
STALE_RUN = dt.timedelta(hours=1)


def _state(year: int, level: str) -> CohortState:
    state, _created = CohortState.objects.get_or_create(year=year, level=level)
    return state


def _publish(year: int, level: str) -> None:
    """Send the task; if the broker is down, say so and carry on. The cohort stays `pending`, and the
    periodic sweep queues it again once the broker is back, so the accepted filing is never lost."""
    from ..tasks import rescore_cohort

    try:
        rescore_cohort.delay(year, level)
    except Exception:  # any broker failure (connection refused, timeout, auth): the sweep recovers
        log.warning("green code: broker unreachable; re-score of %s %s left for the sweep", year, level,
                    exc_info=True)


def _enqueue(year: int, level: str) -> None:
    transaction.on_commit(lambda: _publish(year, level))


def request_rescore(year: int, level: str, *, reason: str = "") -> bool:
    """Ask for a re-score of the cohort; True if a task was queued (False: one is already due)."""
    if level not in SCORED_LEVELS:
        return False
    _state(year, level)
    now = timezone.now()
    queued = CohortState.objects.filter(year=year, level=level, pending=False).update(pending=True, requested_at=now)
    if not queued:
        return False
    if CohortState.objects.filter(year=year, level=level, running=True).exists():
        return False  # the running task queues the next one when it finishes
    log.info("green code: re-score of %s %s queued (%s)", year, level, reason)
    _enqueue(year, level)
    return True


def run_pending(year: int, level: str) -> scoring.RunResult | None:
    """What the task does: claim the cohort, run it, release it. Idempotent: nothing due, nothing done."""
    _state(year, level)
    now = timezone.now()
    claimed = CohortState.objects.filter(year=year, level=level, pending=True, running=False).update(
        pending=False, running=True, run_started_at=now)
    if not claimed:
        return None
    result = None
    try:
        result = scoring.run_cohort(year, level, trigger="queue")
    finally:
        update = {"running": False}
        if result is not None:
            update.update(last_run=result.run, last_started_at=result.run.started_at)
        CohortState.objects.filter(year=year, level=level).update(**update)
        if CohortState.objects.filter(year=year, level=level, pending=True).exists():
            _enqueue(year, level)
    return result


def due_cohorts() -> list[tuple[int, str]]:
    """Cohorts with an accepted factory filing newer than the start of their last finished run (however that
    run was started: queue, command or demo)."""
    newest = (Filing.objects.filter(state=FilingState.ACCEPTED, unit__kind=UnitKind.FACTORY,
                                    unit__level__in=SCORED_LEVELS, accepted_at__isnull=False)
              .values_list("campaign__year", "unit__level").annotate(last=Max("accepted_at")).order_by())
    states = {(y, lv): started for y, lv, started in ScoreRun.objects.filter(status=RunStatus.FINISHED)
              .values_list("year", "level").annotate(started=Max("started_at")).order_by()}
    due = []
    for year, level, last in newest:
        started = states.get((year, level))
        if started is None or last >= started:
            due.append((year, level))
    return sorted(due)


def sweep_due(now=None) -> list[tuple[int, str]]:
    """Re-queue every due cohort, even one whose message was lost (pending but never run)."""
    now = now or timezone.now()
    CohortState.objects.filter(running=True, run_started_at__lt=now - STALE_RUN).update(running=False)
    scoring.fail_stale_runs(before=now - STALE_RUN)
    queued = []
    for year, level in due_cohorts():
        _state(year, level)
        CohortState.objects.filter(year=year, level=level).update(pending=True, requested_at=now)
        if not CohortState.objects.filter(year=year, level=level, running=True).exists():
            _enqueue(year, level)
            queued.append((year, level))
    pruned = scoring.prune_runs(now=now)
    if pruned:
        log.info("green code: %s old runs pruned", pruned)
    return queued
