"""The outgoing mail (reviews/notify.py): the sweep gives up on a message after MAX_ATTEMPTS failures, sends the
oldest first, within its limit, and never sends a message twice."""

import pytest
from django.core import mail as outbox

from reviews import notify
from reviews.models import OutgoingMail

pytestmark = pytest.mark.django_db


def queued(subject, attempts=0):
    return OutgoingMail.objects.create(subject=subject, body="正文", recipients=["officer@gdei.example"],
                                       attempts=attempts)


def test_notify_the_sweep_tries_until_the_last_attempt_and_then_gives_up():
    last_try = queued("第二十次", attempts=notify.MAX_ATTEMPTS - 1)
    given_up = queued("已放弃", attempts=notify.MAX_ATTEMPTS)

    assert notify.send_pending() == 1

    assert [m.subject for m in outbox.outbox] == ["第二十次"]
    last_try.refresh_from_db()
    given_up.refresh_from_db()
    assert (last_try.sent_at is not None, last_try.attempts) == (True, notify.MAX_ATTEMPTS)
    assert (given_up.sent_at, given_up.attempts) == (None, notify.MAX_ATTEMPTS)


def test_notify_the_sweep_sends_the_oldest_first_within_its_limit_and_never_twice():
    for subject in ("一", "二", "三"):
        queued(subject)

    assert notify.send_pending(limit=2) == 2
    assert notify.send_pending(limit=2) == 1
    assert notify.send_pending() == 0

    assert [m.subject for m in outbox.outbox] == ["一", "二", "三"]
    assert notify.MAX_ATTEMPTS == 20
