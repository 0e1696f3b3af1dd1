"""Deadlines: a package after 31 March is late; the not-filed list and its default removal proposals."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from registry.enums import UnitKind, UnitStatus
from reviews.enums import FilingState, Outcome, ProposalState, RemoveReason
from reviews.models import AdjustmentProposal, CityPackage, Transition
from reviews.services import review as review_services
from tests import factories
from tests.conftest import login

from .review_helpers import accepted_filing, campaign_2024, open_campaign, submitted_filing

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _keep(campaign, unit, reviewer):
    accepted_filing(campaign, unit, reviewer)
    review_services.save_proposal(campaign, unit, {"outcome": Outcome.KEEP}, actor=reviewer)


def test_package_on_31_march_beijing_time_is_on_time(gz_unit, gz_reviewer):
    campaign = campaign_2024()
    _keep(campaign, gz_unit, gz_reviewer)
    package = review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer,
                                             now=dt.datetime(2024, 3, 31, 23, 59, tzinfo=SHANGHAI))
    assert package.is_late is False
    assert AdjustmentProposal.objects.get(unit=gz_unit).is_late is False


def test_package_after_31_march_is_marked_late(gz_unit, gz_reviewer):
    campaign = campaign_2024()
    _keep(campaign, gz_unit, gz_reviewer)
    # 1 April 00:05 in Beijing is still 31 March in UTC: the deadline is a Beijing date.
    now = dt.datetime(2024, 4, 1, 0, 5, tzinfo=SHANGHAI)
    package = review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer, now=now)
    proposal = AdjustmentProposal.objects.get(unit=gz_unit)
    assert (package.is_late, proposal.is_late, proposal.state) == (True, True, ProposalState.SUBMITTED)
    t = Transition.objects.get(object_id=package.pk, content_type__model="citypackage")
    assert (t.action, t.to_state) == ("submit_late", "late")


def test_package_submitted_through_the_page_after_the_deadline_is_late_and_the_province_sees_it(
        client, gz_unit, gz_reviewer, province):
    campaign = campaign_2024()  # today is long after 31 March 2024
    _keep(campaign, gz_unit, gz_reviewer)
    login(client, gz_reviewer)
    page = client.get(reverse("reviews:package_submit"), {"year": 2024})
    assert page.context["late"] is True
    unconfirmed = client.post(reverse("reviews:package_submit"), {"year": 2024})
    assert unconfirmed.status_code == 400
    assert unconfirmed.context["form"].errors == {"confirm": ["请勾选以确认报送。"]}
    assert CityPackage.objects.count() == 0
    response = client.post(reverse("reviews:package_submit"), {"year": 2024, "confirm": "on"})
    assert response.status_code == 302
    assert CityPackage.objects.get(campaign=campaign, city=gz_unit.city).is_late is True
    login(client, province)
    dashboard = client.get(reverse("reviews:province_dashboard"), {"year": 2024})
    assert [r.city.name for r in dashboard.context["late_packages"]] == ["广州市"]
    assert dashboard.context["total"].late == 1
    listed = client.get(reverse("reviews:proposal_list"), {"year": 2024, "late": "1"})
    assert [p.unit for p in listed.context["page"].object_list] == [gz_unit]


def test_package_with_nothing_to_submit_is_refused(gz_unit, gz_reviewer):
    campaign = open_campaign()
    with pytest.raises(review_services.ReviewError):
        review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    assert CityPackage.objects.count() == 0


def test_not_filed_lists_listed_units_without_a_submitted_filing(client, gz_unit, gz_reviewer):
    campaign = campaign_2024()
    filed = factories.UnitFactory(name="已提交单位")
    draft_only = factories.UnitFactory(name="仅有草稿单位")
    removed = factories.UnitFactory(name="已移出单位", status=UnitStatus.REMOVED)
    park = factories.UnitFactory(name="未填报园区", kind=UnitKind.PARK, industry=None)
    submitted_filing(campaign, filed)
    review_services.Filing.objects.create(campaign=campaign, unit=draft_only, state=FilingState.DRAFT)
    login(client, gz_reviewer)
    response = client.get(reverse("reviews:not_filed"), {"year": 2024})
    names = sorted(u.name for u in response.context["page"].object_list)
    assert names == sorted([gz_unit.name, draft_only.name, park.name])
    assert removed.name not in names


def test_not_filed_default_proposals_open_once_after_the_deadline(client, gz_unit, sz_unit, gz_reviewer):
    campaign = campaign_2024()
    login(client, gz_reviewer)
    response = client.post(reverse("reviews:not_filed") + "?year=2024")
    assert response.status_code == 302
    proposal = AdjustmentProposal.objects.get(campaign=campaign)
    assert (proposal.unit, proposal.outcome, proposal.remove_reason, proposal.is_default, proposal.state) == (
        gz_unit, Outcome.REMOVE, RemoveReason.NOT_FILED, True, ProposalState.DRAFT)  # only the reviewer's own city
    assert Transition.objects.get(object_id=proposal.pk, content_type__model="adjustmentproposal").action == "open_default"
    client.post(reverse("reviews:not_filed") + "?year=2024")
    assert AdjustmentProposal.objects.count() == 1


def test_not_filed_command_opens_every_city_and_is_idempotent(gz_unit, sz_unit):
    campaign_2024()
    out = io.StringIO()
    call_command("open_not_filed", "--year", "2024", stdout=out)
    assert out.getvalue().strip() == "2024: 2 default proposal(s) opened"
    call_command("open_not_filed", "--year", "2024", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "2024: 0 default proposal(s) opened"
    assert sorted(AdjustmentProposal.objects.values_list("unit__name", flat=True)) == sorted([gz_unit.name, sz_unit.name])


def test_not_filed_defaults_are_refused_before_the_city_deadline(gz_unit):
    open_campaign()
    with pytest.raises(CommandError):
        call_command("open_not_filed", stdout=io.StringIO())
    assert AdjustmentProposal.objects.count() == 0
