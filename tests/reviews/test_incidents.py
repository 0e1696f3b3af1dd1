"""Incidents: the revocation is part of the incident's transaction; the province's mail is written with it and
sent after commit, so a failing mail server is logged and retried, never a 500 (finding 3)."""

import socket

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from greencode.enums import CodeState
from greencode.models import GreenCode
from registry.models import Unit
from reviews import notify
from reviews.models import IncidentReport, OutgoingMail
from reviews.services import incidents
from tests.conftest import login
from tests.registry.test_services import live_code
from tests.reviews.review_helpers import open_campaign

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once, like a mail server that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mail_server_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    return settings


def test_incidents_mail_server_down_is_not_a_500_and_nothing_is_lost(client, gz_unit, gz_reviewer, province,
                                                                    mail_server_down,
                                                                    django_capture_on_commit_callbacks):
    province.email = "officer@gdei.example"
    province.save()
    code = live_code(gz_unit)
    open_campaign()
    login(client, gz_reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:incident_create"), {
            "unit": gz_unit.pk, "kind": "safety", "occurred_on": timezone.localdate().isoformat(),
            "description": "车间爆炸"})
    assert response.status_code == 302
    assert IncidentReport.objects.filter(unit=gz_unit).count() == 1
    assert GreenCode.objects.get(pk=code.pk).state == CodeState.REVOKED
    queued = OutgoingMail.objects.get()
    assert (queued.sent_at, queued.attempts, queued.recipients) == (None, 1, ["officer@gdei.example"])
    assert queued.last_error.startswith("ConnectionRefusedError(")

    # the mail server is back: the sweep sends what was left
    mail_server_down.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notify.send_pending() == 1
    queued.refresh_from_db()
    assert queued.sent_at is not None and queued.attempts == 2
    assert [m.to for m in mail.outbox] == [["officer@gdei.example"]]
    assert notify.send_pending() == 0  # sent once, never twice


def test_incidents_a_name_with_a_newline_still_reaches_the_province(gz_unit, gz_reviewer, province,
                                                                   django_capture_on_commit_callbacks):
    province.email = "officer@gdei.example"
    province.save()
    Unit.objects.filter(pk=gz_unit.pk).update(name="旧数据\n换行工厂")  # data from before names were checked
    gz_unit.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        incidents.report_incident(gz_unit, kind="environment", occurred_on=timezone.localdate(),
                                  description="泄漏", actor=gz_reviewer, campaign=open_campaign())
    assert len(mail.outbox) == 1
    assert "\n" not in mail.outbox[0].subject
    assert "旧数据 换行工厂" in mail.outbox[0].subject


def test_incidents_revocation_rolls_back_with_a_refused_incident(gz_unit, gz_reviewer):
    code = live_code(gz_unit)
    with pytest.raises(incidents.ReviewError):
        incidents.report_incident(gz_unit, kind="safety", occurred_on=timezone.localdate(), description="  ",
                                  actor=gz_reviewer, campaign=open_campaign())
    assert GreenCode.objects.get(pk=code.pk).state == CodeState.ISSUED
    assert not OutgoingMail.objects.exists()


@pytest.mark.parametrize(("text", "expected"), [
    ("甲\n乙", "甲 乙"), ("甲\r\n乙", "甲 乙"), ("甲\t乙", "甲 乙"), ("甲\u2028乙", "甲 乙"), ("  甲  ", "甲"),
    ("x" * 300, "x" * 200),
    ("甲\x00乙", "甲 乙"), ("甲\x1b[31m乙", "甲 [31m乙"), ("甲\u200b乙", "甲 乙"),  # controls that are not white space
])
def test_incidents_mail_subject_is_one_clean_line(text, expected):
    assert notify.clean_subject(text) == expected


def test_incidents_the_mail_is_written_in_the_incident_transaction(gz_unit, gz_reviewer, province):
    province.email = "officer@gdei.example"
    province.save()
    incidents.report_incident(gz_unit, kind="safety", occurred_on=timezone.localdate(), description="事故",
                              actor=gz_reviewer, campaign=open_campaign())
    # not yet sent (the transaction of this test never commits), but already stored with the incident
    assert OutgoingMail.objects.filter(sent_at__isnull=True).count() == 1
    assert mail.outbox == []


def test_incidents_send_pending_mail_command_sends_what_is_left(gz_unit, gz_reviewer, province, capsys):
    from django.core.management import call_command

    province.email = "officer@gdei.example"
    province.save()
    incidents.report_incident(gz_unit, kind="safety", occurred_on=timezone.localdate(), description="事故",
                              actor=gz_reviewer, campaign=open_campaign())
    call_command("send_pending_mail")
    assert capsys.readouterr().out == "notifications sent: 1\n"
    assert OutgoingMail.objects.get().sent_at is not None


def test_incidents_form_labels_are_chinese(client, gz_reviewer):
    from lxml import html

    page = html.fromstring(login(client, gz_reviewer).get(reverse("reviews:incident_create")).content.decode())
    label = page.xpath("//label[@for='id_unit']")[0]
    assert label.text_content().split() == ["名单单位*"]
