"""Thin Celery tasks: they call the review services and return a count."""

from celery import shared_task

from . import notify
from .services.reminders import send_reminders


@shared_task(name="reviews.send_reminders")
def send_reminders_task() -> int:
    return send_reminders()


@shared_task(name="reviews.send_mail", bind=True, ignore_result=True, max_retries=5)
def send_mail_task(self, mail_id: int) -> bool:
    sent = notify.send_one(int(mail_id))
    if not sent and not self.request.is_eager:
        raise self.retry(countdown=60 * 2 ** self.request.retries)  # the sweep takes over after the last retry
    return sent


@shared_task(name="reviews.send_pending_mail", ignore_result=True)
def send_pending_mail_task() -> int:
    return notify.send_pending()
