"""Reminders before and after each deadline: sent once per person and stage, by the command or by Celery beat."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from reviews.models import ReminderLog
from reviews.services.reminders import send_reminders, stage_for
from reviews.tasks import send_reminders_task
from tests import factories

from .review_helpers import campaign_2024, submitted_filing

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _at(day):
    return dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI)


@pytest.fixture
def people(gz_unit, sz_unit, gz_reviewer, province):
    ent_gz = factories.enterprise_user(gz_unit, "ent_gz")
    ent_sz = factories.enterprise_user(sz_unit, "ent_sz")
    for user, email in ((ent_gz, "gz@example.cn"), (ent_sz, "sz@example.cn"), (gz_reviewer, "gzcity@example.cn"),
                        (province, "prov@example.cn")):
        user.email = email
        user.save()
    return ent_gz, ent_sz


def test_reminder_stages_around_a_deadline():
    deadline = dt.date(2024, 3, 10)
    stages = {offset: stage_for(deadline, deadline + dt.timedelta(days=offset)) for offset in (-8, -7, -2, -1, 0, 1, 14, 15)}
    assert stages == {-8: None, -7: "before7", -2: "before7", -1: "before1", 0: "before1", 1: "overdue",
                      14: "overdue", 15: None}


@pytest.fixture
def run_reminders(django_capture_on_commit_callbacks):
    """send_reminders, with the queued mail sent after commit as in production (reviews.notify)."""
    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return send_reminders(now=now)
    return run


def test_reminders_go_to_units_that_have_not_filed_and_are_sent_once(people, sz_unit, run_reminders):
    ent_gz, ent_sz = people
    campaign = campaign_2024()
    submitted_filing(campaign, sz_unit, ent_sz)
    assert run_reminders(_at(dt.date(2024, 3, 5))) == 1  # five days before the filing deadline
    assert [m.to for m in mail.outbox] == [["gz@example.cn"]]
    assert "2024-03-10" in mail.outbox[0].body
    assert run_reminders(_at(dt.date(2024, 3, 6))) == 0  # same stage: nothing twice
    assert run_reminders(_at(dt.date(2024, 3, 10))) == 1  # the last day: a second, different reminder
    assert run_reminders(_at(dt.date(2024, 3, 11))) == 1  # overdue
    assert run_reminders(_at(dt.date(2024, 3, 12))) == 0
    assert sorted(ReminderLog.objects.values_list("key", flat=True)) == [
        "filing_due:before1", "filing_due:before7", "filing_due:overdue"]


def test_reminders_for_the_city_deadline_go_to_bureaus_without_a_package(people, run_reminders):
    campaign_2024()
    assert run_reminders(_at(dt.date(2024, 3, 25))) == 1
    assert mail.outbox[-1].to == ["gzcity@example.cn"]


def test_reminders_command_and_celery_task_share_the_log(people):
    campaign_2024()
    assert "reviews-send-reminders" in settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_BEAT_SCHEDULE["reviews-send-reminders"]["task"] == "reviews.send_reminders"
    out = io.StringIO()
    call_command("send_reminders", stdout=out)  # today, long after 2024: nothing is due
    assert out.getvalue().strip() == "reminders sent: 0"
    assert send_reminders_task.apply().get() == 0  # the task's own code, run here
