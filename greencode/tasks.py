"""Celery tasks: thin, take primitives, call the services (the same ones the commands call)."""

from celery import shared_task

from .services import queue


@shared_task(name="greencode.rescore_cohort", ignore_result=True)
def rescore_cohort(year: int, level: str) -> int | None:
    result = queue.run_pending(int(year), str(level))
    return result.run.pk if result else None


@shared_task(name="greencode.sweep", ignore_result=True)
def sweep() -> int:
    return len(queue.sweep_due())
