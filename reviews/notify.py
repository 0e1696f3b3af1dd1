"""Notifications that never undo the business: written with it, sent after it commits, retried until sent.

`queue_mail` stores the message in the caller's transaction and asks for it to be sent once that commits.
`send_pending` sends what is due (the task, and the periodic sweep for anything a lost message left behind);
a failing mail server is logged and counted, never raised into a request.
"""

from __future__ import annotations

import logging
import unicodedata

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import OutgoingMail

log = logging.getLogger("greenmfg.reviews")
MAX_ATTEMPTS = 20


def clean_subject(text: str) -> str:
    """One line: control characters (a newline in a unit's name, say) become spaces; at most 200 characters."""
    flat = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in str(text))
    return " ".join(flat.split())[:200]


def queue_mail(subject: str, body: str, recipients: list[str]) -> OutgoingMail | None:
    if not recipients:
        return None
    mail = OutgoingMail.objects.create(subject=clean_subject(subject), body=body, recipients=sorted(set(recipients)))
    transaction.on_commit(lambda: _publish(mail.pk))
    return mail


def _publish(mail_id: int) -> None:
    """Hand the message to the sender task; if the broker is down, the sweep sends it later."""
    from .tasks import send_mail_task

    try:
        send_mail_task.delay(mail_id)
    except Exception:  # any broker or mail failure: the row stays unsent for the sweep
        log.warning("mail %s: left for the sweep", mail_id, exc_info=True)


def send_one(mail_id: int) -> bool:
    """Send one queued message; True once it is sent (now or before). A failure is recorded, not raised."""
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().filter(pk=mail_id, sent_at__isnull=True).first()
        if mail is None:
            return True
        try:
            send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, list(mail.recipients))
        except Exception as exc:  # the mail server's failure of any kind is kept for the next try
            mail.attempts += 1
            mail.last_error = repr(exc)[:2000]
            mail.save(update_fields=["attempts", "last_error"])
            log.warning("mail %s: sending failed (attempt %s): %r", mail.pk, mail.attempts, exc)
            return False
        mail.attempts += 1
        mail.sent_at = timezone.now()
        mail.last_error = ""
        mail.save(update_fields=["attempts", "sent_at", "last_error"])
        return True


def send_pending(limit: int = 200) -> int:
    """Send every unsent message that has not given up; returns how many went out."""
    ids = list(OutgoingMail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
               .order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if send_one(pk))
