"""reviews/services/reminders.py rule by rule: who is reminded (a draft is not a filing; the province's reminder goes
to its active people alone), what each mail says (subject, text, recipient, whole), a reminder another run sent
a moment ago, and what a run costs (a second run the same day tries nobody again)."""

import datetime as dt
import zoneinfo

import pytest
from django.db.models.signals import post_save
from django.utils import timezone, translation

from reviews.enums import Outcome, ProposalState
from reviews.models import AdjustmentProposal, CityPackage, OutgoingMail, ReminderLog
from reviews.services import filings as filing_services
from reviews.services import reminders
from tests import factories
from tests.reviews.review_helpers import campaign_2024

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _at(day):
    return dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI)


def _with_email(user, email, active=True):
    user.email, user.is_active = email, active
    user.save()
    return user


def _mails():
    return [(m.subject, m.body, m.recipients) for m in OutgoingMail.objects.order_by("pk")]


def _awaiting_province(campaign, reviewer):
    AdjustmentProposal.objects.create(campaign=campaign, unit=factories.UnitFactory(), outcome=Outcome.KEEP,
                                      reason="保留", state=ProposalState.SUBMITTED, created_by=reviewer)


def test_a_unit_whose_filing_is_only_a_draft_is_still_reminded(gz_unit):
    campaign = campaign_2024()
    user = _with_email(factories.enterprise_user(gz_unit), "gz@example.cn")
    filing_services.filing_for(campaign, gz_unit, actor=user)  # a draft, never submitted
    assert reminders.send_reminders(now=_at(dt.date(2024, 3, 5))) == 1
    assert _mails() == [("Reminder: 2024 dynamic management, due 2024-03-10",
                         f"Please submit the dynamic-management filing of {gz_unit.name} by 2024-03-10 (Beijing time).",
                         ["gz@example.cn"])]


def test_the_provinces_reminder_goes_to_its_active_people_alone(gz_reviewer, province):
    campaign = campaign_2024()
    _awaiting_province(campaign, gz_reviewer)
    _with_email(province, "prov@gd.gov.cn")
    _with_email(factories.province_user("retired"), "retired@gd.gov.cn", active=False)
    _with_email(gz_reviewer, "gz@city.cn")  # a city bureau: its own deadline is long past on the 15th of April
    assert reminders.send_reminders(now=_at(dt.date(2024, 4, 15))) == 1
    assert _mails() == [("Reminder: 2024 dynamic management, due 2024-04-15",
                         "Please decide the cities' adjustment proposals and report to MIIT by 2024-04-15 "
                         "(Beijing time).", ["prov@gd.gov.cn"])]


def test_a_city_reminder_names_the_city(gz_reviewer):
    campaign_2024()
    _with_email(gz_reviewer, "gz@city.cn")
    with translation.override("zh-hans"):
        city = str(gz_reviewer.memberships.get().city.name)
    assert reminders.send_reminders(now=_at(dt.date(2024, 3, 25))) == 1
    assert _mails() == [("Reminder: 2024 dynamic management, due 2024-03-31",
                         f"Please finish the review and submit the adjustment proposals of {city} by 2024-03-31 "
                         "(Beijing time).", ["gz@city.cn"])]


def test_an_overdue_reminder_says_it_is_overdue(gz_unit):
    campaign_2024()
    _with_email(factories.enterprise_user(gz_unit), "gz@example.cn")
    assert reminders.send_reminders(now=_at(dt.date(2024, 3, 11))) == 1
    assert _mails() == [("Overdue: 2024 dynamic management",
                         f"The deadline of 2024-03-10 has passed. Please submit the dynamic-management filing of "
                         f"{gz_unit.name} as soon as possible; late work is marked late.", ["gz@example.cn"])]


def test_a_reminder_another_run_sent_a_moment_ago_is_skipped_and_the_rest_go_out():
    campaign = campaign_2024()
    for name in ("广州市", "深圳市", "佛山市"):
        _with_email(factories.city_user(name), f"{factories.city(name).code}@city.cn")
    first, second, third = [m.user for m in reminders._city_recipients(campaign)]  # the order the run meets them

    def another_run(sender, instance, created, **kwargs):
        """While this run reminds the first, another run reminds the second."""
        if created and instance.user_id == first.pk:
            ReminderLog.objects.create(campaign=instance.campaign, key=instance.key, user=second)

    post_save.connect(another_run, sender=ReminderLog)
    try:
        sent = reminders.send_reminders(now=_at(dt.date(2024, 3, 25)))
    finally:
        post_save.disconnect(another_run, sender=ReminderLog)
    assert sent == 2
    assert [r for _s, _b, r in _mails()] == [[first.email], [third.email]]
    assert sorted(ReminderLog.objects.values_list("user", flat=True)) == sorted([first.pk, second.pk, third.pk])


# --- what a run costs ------------------------------------------------------------------------------------------------

@pytest.fixture
def city_and_province_due(gz_reviewer, sz_reviewer, province):
    """The 10th of April 2024: the cities are overdue and the province's deadline is five days away."""
    for _i in range(20):  # people of no role: the others' ids are not the reminder log's
        factories.UserFactory()
    campaign = campaign_2024()
    _awaiting_province(campaign, gz_reviewer)
    _with_email(gz_reviewer, "gz@city.cn")
    _with_email(sz_reviewer, "sz@city.cn")
    _with_email(factories.city_user("佛山市"), "fs@city.cn")
    CityPackage.objects.create(campaign=campaign, city=factories.city("佛山市"), submitted_by=province,
                               submitted_at=timezone.now())  # 佛山 has sent its package
    _with_email(province, "prov@gd.gov.cn")
    _with_email(factories.province_user("prov2"), "prov2@gd.gov.cn")
    return _at(dt.date(2024, 4, 10))


def test_a_run_reads_every_recipient_with_their_person_and_city(city_and_province_due, django_assert_num_queries):
    # the campaigns; the province's check for waiting work; for each of the two reminders who has had it, the
    # recipients (with person and city) and for each of the two people a savepoint, the log, the mail, the release
    with django_assert_num_queries(1 + 1 + 2 * (2 + 2 * 4)):
        assert reminders.send_reminders(now=city_and_province_due) == 4
    assert sorted(r for _s, _b, r in _mails()) == [["gz@city.cn"], ["prov2@gd.gov.cn"], ["prov@gd.gov.cn"],
                                                   ["sz@city.cn"]]


def test_a_second_run_the_same_day_tries_nobody_again(city_and_province_due, django_assert_num_queries):
    reminders.send_reminders(now=city_and_province_due)
    # the campaigns, the province's check, and for each reminder who has had it and the recipients: nobody is tried
    with django_assert_num_queries(1 + 1 + 2 * 2):
        assert reminders.send_reminders(now=city_and_province_due) == 0
    assert OutgoingMail.objects.count() == 4


def test_a_person_acting_for_two_units_is_reminded_once_and_tried_once(django_assert_num_queries):
    campaign_2024()
    enterprise = factories.UnitFactory().enterprise
    factories.UnitFactory(enterprise=enterprise)
    user = _with_email(factories.enterprise_user(enterprise.units.first()), "ent@example.cn")
    assert enterprise.units.count() == 2
    # the campaigns, who has had it, the people acting for the units (3), then one savepoint, log, mail and release
    with django_assert_num_queries(1 + 1 + 3 + 4):
        assert reminders.send_reminders(now=_at(dt.date(2024, 3, 5))) == 1
    assert [r for _s, _b, r in _mails()] == [[user.email]]
