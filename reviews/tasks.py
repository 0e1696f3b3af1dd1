"""Thin Celery tasks: they call the review services and return a count."""

from celery import shared_task

from .services.reminders import send_reminders


@shared_task(name="reviews.send_reminders")
def send_reminders_task() -> int:
    return send_reminders()
