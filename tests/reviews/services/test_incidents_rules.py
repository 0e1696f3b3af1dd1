"""reviews/services/incidents.py rule by rule: who at the province is told, what the incident's and the proposal's
audit rows say (who, which move, the reason), which proposal an incident turns into a removal (this unit's, this
campaign's), every refusal with its reason, and the signal greencode listens to."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from registry.enums import UnitStatus
from reviews import signals
from reviews.enums import Outcome, ProposalState
from reviews.models import AdjustmentProposal, Campaign, IncidentReport, Transition
from reviews.services import incidents
from reviews.workflow import ReviewError
from tests import factories
from tests.reviews.review_helpers import open_campaign

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 5, 4)
KIND = "Major environmental-pollution accident"
REASON = f"{KIND} on 2026-05-04 (incident report)"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _report(unit, actor, **kw):
    values = {"kind": "environment", "occurred_on": DAY, "description": "泄漏"}
    values.update(kw)
    return incidents.report_incident(unit, actor=actor, **values)


def _audit(obj):
    return list(Transition.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
                .order_by("pk").values_list("action", "from_state", "to_state", "actor", "comment"))


def test_province_emails_are_the_provinces_alone(gz_reviewer, province):
    for user, email in ((gz_reviewer, "gz@city.cn"), (province, "prov@gd.gov.cn")):
        user.email = email
        user.save()
    assert incidents.province_emails() == ["prov@gd.gov.cn"]


def test_report_incident_records_who_reported_what_in_the_incidents_audit_row(gz_unit, gz_reviewer):
    incident = _report(gz_unit, gz_reviewer, campaign=open_campaign())
    assert _audit(incident) == [("report", "", "", gz_reviewer.pk, KIND)]


def test_report_incident_opens_the_removal_with_its_reason_in_the_audit_row(gz_unit, gz_reviewer):
    campaign = open_campaign()
    _report(gz_unit, gz_reviewer, campaign=campaign)
    proposal = AdjustmentProposal.objects.get(campaign=campaign, unit=gz_unit)
    assert _audit(proposal) == [("open_incident", "", ProposalState.DRAFT, gz_reviewer.pk, REASON)]


def test_report_incident_turns_an_editable_proposal_with_its_reason_in_the_audit_row(gz_unit, gz_reviewer):
    campaign = open_campaign()
    proposal = AdjustmentProposal.objects.create(campaign=campaign, unit=gz_unit, outcome=Outcome.KEEP, reason="保留",
                                                 state=ProposalState.RETURNED)
    _report(gz_unit, gz_reviewer, campaign=campaign)
    assert _audit(proposal) == [
        ("open_incident", ProposalState.RETURNED, ProposalState.DRAFT, gz_reviewer.pk, REASON)]


def test_report_incident_leaves_another_units_proposal_alone(gz_unit, gz_reviewer):
    campaign = open_campaign()
    other = AdjustmentProposal.objects.create(campaign=campaign, unit=factories.UnitFactory(), outcome=Outcome.KEEP,
                                              reason="保留")
    _report(gz_unit, gz_reviewer, campaign=campaign)
    other.refresh_from_db()
    assert (other.outcome, other.reason, other.state) == (Outcome.KEEP, "保留", ProposalState.DRAFT)
    assert AdjustmentProposal.objects.get(campaign=campaign, unit=gz_unit).outcome == Outcome.REMOVE


def test_report_incident_leaves_last_years_proposal_alone(gz_unit, gz_reviewer):
    campaign = open_campaign()
    earlier = Campaign.objects.create(year=campaign.year - 1, filing_opens=dt.date(2020, 1, 15),
                                      filing_due=dt.date(2020, 3, 10), city_review_due=dt.date(2020, 3, 31),
                                      province_report_due=dt.date(2020, 4, 15))
    old = AdjustmentProposal.objects.create(campaign=earlier, unit=gz_unit, outcome=Outcome.KEEP, reason="保留")
    _report(gz_unit, gz_reviewer, campaign=campaign)
    old.refresh_from_db()
    assert (old.outcome, old.reason) == (Outcome.KEEP, "保留")
    assert AdjustmentProposal.objects.get(campaign=campaign, unit=gz_unit).outcome == Outcome.REMOVE


@pytest.mark.parametrize(("status", "values", "message"), [
    (UnitStatus.REMOVED, {}, "This unit is no longer on the list."),
    (UnitStatus.LISTED, {"description": None}, "Describe what happened."),
])
def test_report_incident_refusals_say_why(gz_reviewer, status, values, message):
    unit = factories.UnitFactory(status=status)
    with pytest.raises(ReviewError) as exc:
        _report(unit, gz_reviewer, campaign=open_campaign(), **values)
    assert str(exc.value) == message
    assert not IncidentReport.objects.exists()


def test_report_incident_sends_incident_reported_from_the_incident_model(gz_unit, gz_reviewer):
    received = []

    def listener(sender, incident, **kwargs):
        received.append((sender, incident))

    signals.incident_reported.connect(listener)
    try:
        incident = _report(gz_unit, gz_reviewer)
    finally:
        signals.incident_reported.disconnect(listener)
    assert received == [(IncidentReport, incident)]


def test_report_incident_reads_the_units_city_with_the_unit(gz_unit, gz_reviewer, province, django_assert_num_queries):
    province.email = "prov@gd.gov.cn"
    province.save()
    campaign = open_campaign()
    # 12, none of them for the unit's city (read with the locked unit; the mail names it)
    with django_assert_num_queries(12):
        _report(gz_unit, gz_reviewer, campaign=campaign)
