"""reviews/services/incidents.py, reminders.py and campaigns.py rule by rule: what an incident does to the unit's
proposal, who gets which reminder, and what a campaign's audit record says."""

import datetime as dt
import zoneinfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from registry.enums import UnitStatus
from reviews.enums import Outcome, ProposalState, RemoveReason
from reviews.models import (
    AdjustmentProposal,
    Campaign,
    CityPackage,
    IncidentReport,
    OutgoingMail,
    ReminderLog,
    Transition,
)
from reviews.services import campaigns, incidents, reminders
from reviews.workflow import ReviewError
from tests import factories

from .review_helpers import campaign_2024, open_campaign, submitted_filing

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def report(unit, actor, **kw):
    values = {"kind": "environment", "occurred_on": timezone.localdate(), "description": "  泄漏  "}
    values.update(kw)
    return incidents.report_incident(unit, actor=actor, **values)


# --- incidents -----------------------------------------------------------------------------------------------

def test_an_incident_opens_a_removal_for_an_accident(gz_unit, gz_reviewer):
    campaign = open_campaign()
    incident = report(gz_unit, gz_reviewer)
    assert (incident.campaign, incident.description, incident.reported_by) == (campaign, "泄漏", gz_reviewer)
    proposal = AdjustmentProposal.objects.get(unit=gz_unit)
    assert (proposal.campaign, proposal.outcome, proposal.remove_reason, proposal.is_default, proposal.created_by) == (
        campaign, Outcome.REMOVE, RemoveReason.ACCIDENT, True, gz_reviewer)
    assert proposal.state == ProposalState.DRAFT
    assert str(timezone.localdate()) in proposal.reason


def test_an_incident_turns_an_editable_proposal_into_a_removal_and_clears_its_other_terms(gz_unit, gz_reviewer):
    campaign = open_campaign()
    proposal = AdjustmentProposal.objects.create(
        campaign=campaign, unit=gz_unit, outcome=Outcome.RENAME, new_name="新名", reason="更名",
        rectify_due=timezone.localdate() + dt.timedelta(days=30), created_by=gz_reviewer)
    with translation.override("en"):
        report(gz_unit, gz_reviewer, occurred_on=dt.date(2026, 5, 4))
    proposal.refresh_from_db()
    assert (proposal.outcome, proposal.remove_reason, proposal.new_name, proposal.rectify_due) == (
        Outcome.REMOVE, RemoveReason.ACCIDENT, "", None)
    assert proposal.reason == "Major environmental-pollution accident on 2026-05-04 (incident report)"
    assert AdjustmentProposal.objects.filter(unit=gz_unit).count() == 1


def test_an_incident_leaves_a_proposal_already_with_the_province_on_its_course(gz_unit, gz_reviewer):
    campaign = open_campaign()
    proposal = AdjustmentProposal.objects.create(campaign=campaign, unit=gz_unit, outcome=Outcome.KEEP, reason="保留",
                                                 state=ProposalState.SUBMITTED, created_by=gz_reviewer)
    report(gz_unit, gz_reviewer)
    proposal.refresh_from_db()
    assert (proposal.state, proposal.outcome, proposal.reason) == (ProposalState.SUBMITTED, Outcome.KEEP, "保留")
    assert IncidentReport.objects.filter(unit=gz_unit).count() == 1


def test_an_incident_without_a_campaign_opens_no_proposal(gz_unit, gz_reviewer):
    incident = report(gz_unit, gz_reviewer)
    assert incident.campaign is None
    assert not AdjustmentProposal.objects.exists()


@pytest.mark.parametrize(("values", "message"), [
    ({"description": "  \n "}, "Describe what happened."),
    ({"kind": "flood"}, "Choose the kind of accident."),
])
def test_an_incident_needs_a_description_and_a_known_kind(gz_unit, gz_reviewer, values, message):
    open_campaign()
    with translation.override("en"), pytest.raises(ReviewError, match=message):
        report(gz_unit, gz_reviewer, **values)
    assert not IncidentReport.objects.exists() and not AdjustmentProposal.objects.exists()


def test_an_incident_is_reported_by_the_units_city_for_a_listed_unit_only(gz_unit, sz_reviewer, gz_reviewer):
    with pytest.raises(PermissionDenied):
        report(gz_unit, sz_reviewer)
    removed = factories.UnitFactory(status=UnitStatus.REMOVED)
    with pytest.raises(ReviewError):
        report(removed, gz_reviewer)
    assert not IncidentReport.objects.exists()


def test_the_province_is_told_by_every_active_address_once(gz_unit, gz_reviewer):
    for name, email, active in (("p1", "a@gd.gov.cn", True), ("p2", "a@gd.gov.cn", True), ("p3", "", True),
                                ("p4", "z@gd.gov.cn", False), ("p5", "b@gd.gov.cn", True)):
        user = factories.province_user(name)
        user.email, user.is_active = email, active
        user.save()
    assert incidents.province_emails() == ["a@gd.gov.cn", "b@gd.gov.cn"]
    report(gz_unit, gz_reviewer)
    outgoing = OutgoingMail.objects.get()
    assert outgoing.recipients == ["a@gd.gov.cn", "b@gd.gov.cn"]
    assert gz_unit.name in outgoing.subject


# --- reminders: who gets which ---------------------------------------------------------------------------------

def _at(day):
    return dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI)


def _with_email(user, email, active=True):
    user.email, user.is_active = email, active
    user.save()
    return user


def _queued_to() -> list[list[str]]:
    return [m.recipients for m in OutgoingMail.objects.order_by("pk")]


def test_filing_reminders_skip_filed_removed_and_addressless_units(gz_unit, sz_unit):
    campaign = campaign_2024()
    removed = factories.UnitFactory(status=UnitStatus.REMOVED)
    draft_only = factories.UnitFactory()
    _with_email(factories.enterprise_user(gz_unit), "gz@example.cn")
    sz_user = _with_email(factories.enterprise_user(sz_unit), "sz@example.cn")
    _with_email(factories.enterprise_user(removed), "removed@example.cn")
    _with_email(factories.enterprise_user(draft_only), "")
    submitted_filing(campaign, sz_unit, sz_user)
    assert reminders.send_reminders(now=_at(dt.date(2024, 3, 3))) == 1  # 7 days before: the first stage
    assert _queued_to() == [["gz@example.cn"]]


def test_no_filing_reminder_before_the_window_or_after_the_last_overdue_day(gz_unit):
    campaign_2024()
    _with_email(factories.enterprise_user(gz_unit), "gz@example.cn")
    assert reminders.send_reminders(now=_at(dt.date(2024, 3, 2))) == 0  # 8 days before
    assert reminders.send_reminders(now=_at(dt.date(2024, 3, 25))) == 0  # 15 days after the filing deadline
    assert not ReminderLog.objects.exists()


def test_a_campaign_not_yet_open_or_long_over_sends_nothing(gz_unit):
    _with_email(factories.enterprise_user(gz_unit), "gz@example.cn")
    Campaign.objects.create(year=2024, filing_opens=dt.date(2024, 3, 5), filing_due=dt.date(2024, 3, 10),
                            city_review_due=dt.date(2024, 3, 31), province_report_due=dt.date(2024, 4, 15))
    assert reminders.send_reminders(now=_at(dt.date(2024, 3, 4))) == 0  # before it opens
    assert reminders.send_reminders(now=_at(dt.date(2024, 3, 5))) == 1  # the day it opens
    assert reminders.send_reminders(now=_at(dt.date(2024, 4, 30))) == 0  # province deadline + 15 days


def test_city_reminders_skip_bureaus_with_a_package_and_inactive_people(gz_reviewer, sz_reviewer):
    campaign = campaign_2024()
    _with_email(gz_reviewer, "gz@city.cn")
    _with_email(sz_reviewer, "sz@city.cn")
    _with_email(factories.city_user("佛山市"), "fs@city.cn", active=False)
    CityPackage.objects.create(campaign=campaign, city=sz_reviewer.memberships.get().city,
                               submitted_by=sz_reviewer, submitted_at=timezone.now())
    assert reminders.send_reminders(now=_at(dt.date(2024, 3, 25))) == 1
    assert _queued_to() == [["gz@city.cn"]]


def test_the_province_is_reminded_only_while_proposals_await_it(gz_unit, gz_reviewer, province):
    campaign = campaign_2024()
    _with_email(province, "prov@gd.gov.cn")
    day = _at(dt.date(2024, 4, 10))  # 5 days before the province's deadline (after the city's overdue window)
    assert reminders.send_reminders(now=day) == 0
    AdjustmentProposal.objects.create(campaign=campaign, unit=gz_unit, outcome=Outcome.KEEP, reason="保留",
                                      state=ProposalState.DRAFT, created_by=gz_reviewer)
    assert reminders.send_reminders(now=day) == 0  # a draft is not with the province yet
    AdjustmentProposal.objects.filter(unit=gz_unit).update(state=ProposalState.SUBMITTED)
    assert reminders.send_reminders(now=day) == 1
    assert _queued_to() == [["prov@gd.gov.cn"]]


def test_reminder_texts_name_the_deadline_and_what_to_do(gz_unit):
    campaign = campaign_2024()
    with translation.override("en"):
        membership = type("M", (), {"unit": gz_unit, "city": None})()
        subject, body = reminders._message("filing_due", "before7", campaign, campaign.filing_due, membership)
        assert subject == "Reminder: 2024 dynamic management, due 2024-03-10"
        assert body == (f"Please submit the dynamic-management filing of {gz_unit.name} by 2024-03-10 "
                        "(Beijing time).")
        subject, body = reminders._message("filing_due", "overdue", campaign, campaign.filing_due, membership)
        assert subject == "Overdue: 2024 dynamic management"
        assert body.startswith("The deadline of 2024-03-10 has passed. Please submit the dynamic-management filing")


# --- campaigns ----------------------------------------------------------------------------------------------------

def test_a_campaign_edit_records_exactly_what_changed(province):
    data = {"year": 2031, "title": "", "filing_opens": dt.date(2031, 1, 10), "filing_due": dt.date(2031, 3, 10),
            "city_review_due": dt.date(2031, 3, 31), "province_report_due": dt.date(2031, 4, 15)}
    campaign = campaigns.save_campaign(data, actor=province)
    campaigns.save_campaign({**data, "filing_due": dt.date(2031, 3, 12)}, actor=province, campaign=campaign)
    campaigns.save_campaign({**data, "filing_due": dt.date(2031, 3, 12)}, actor=province, campaign=campaign)
    records = list(Transition.objects.filter(content_type=ContentType.objects.get_for_model(Campaign),
                                             object_id=campaign.pk).order_by("pk").values_list("action", "comment", "actor"))
    assert records == [
        ("create", "filing_opens: — → 2031-01-10; filing_due: — → 2031-03-10; city_review_due: — → 2031-03-31; "
                   "province_report_due: — → 2031-04-15", province.pk),
        ("edit", "filing_due: 2031-03-10 → 2031-03-12", province.pk),
        ("edit", "", province.pk),
    ]


def test_only_the_province_saves_a_campaign(gz_reviewer):
    data = {"year": 2031, "title": "", "filing_opens": dt.date(2031, 1, 10), "filing_due": dt.date(2031, 3, 10),
            "city_review_due": dt.date(2031, 3, 31), "province_report_due": dt.date(2031, 4, 15)}
    with pytest.raises(PermissionDenied):
        campaigns.save_campaign(data, actor=gz_reviewer)
    assert not Campaign.objects.filter(year=2031).exists()


def _campaign_2023() -> Campaign:
    return Campaign.objects.create(year=2023, filing_opens=dt.date(2023, 1, 15), filing_due=dt.date(2023, 3, 10),
                                   city_review_due=dt.date(2023, 3, 31), province_report_due=dt.date(2023, 4, 15))


def test_reminders_judge_each_campaign_by_its_own_filings_packages_proposals_and_log(gz_unit, gz_reviewer, province):
    campaign_2024()
    earlier = _campaign_2023()
    ent = _with_email(factories.enterprise_user(gz_unit), "gz@example.cn")
    _with_email(gz_reviewer, "gz@city.cn")
    _with_email(province, "prov@gd.gov.cn")
    submitted_filing(earlier, gz_unit, ent)  # last year's filing does not count as this year's
    CityPackage.objects.create(campaign=earlier, city=gz_unit.city, submitted_by=gz_reviewer,
                               submitted_at=timezone.now())  # nor last year's package
    AdjustmentProposal.objects.create(campaign=earlier, unit=gz_unit, outcome=Outcome.KEEP, reason="保留",
                                      state=ProposalState.SUBMITTED, created_by=gz_reviewer)
    ReminderLog.objects.create(campaign=earlier, key="filing_due:before7", user=ent)  # nor last year's log
    assert reminders.send_reminders(now=_at(dt.date(2024, 3, 5))) == 1
    assert _queued_to() == [["gz@example.cn"]]
    message = OutgoingMail.objects.get()
    assert gz_unit.name in message.body and "2024-03-10" in message.body
    assert reminders.send_reminders(now=_at(dt.date(2024, 3, 25))) == 1  # the city bureau, no package this year
    assert _queued_to()[-1] == ["gz@city.cn"]
    reminders.send_reminders(now=_at(dt.date(2024, 4, 10)))  # the city is overdue; no 2024 proposal awaits the province
    assert ["prov@gd.gov.cn"] not in _queued_to() and _queued_to()[-1] == ["gz@city.cn"]


def test_every_reminder_sent_is_counted(gz_unit, sz_unit):
    campaign_2024()
    for unit, email in ((gz_unit, "gz@example.cn"), (sz_unit, "sz@example.cn")):
        _with_email(factories.enterprise_user(unit), email)
    _with_email(factories.enterprise_user(factories.UnitFactory()), "")  # no address: skipped, the loop goes on
    _with_email(factories.enterprise_user(factories.UnitFactory()), "third@example.cn")
    assert reminders.send_reminders(now=_at(dt.date(2024, 3, 5))) == 3
    assert sorted(r[0] for r in _queued_to()) == ["gz@example.cn", "sz@example.cn", "third@example.cn"]
