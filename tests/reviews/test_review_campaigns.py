"""The province sets up each year's campaign; the deadlines must come in order, with a clear message per field."""

import pytest
from django.urls import reverse

from reviews.models import Campaign, Transition
from tests.conftest import login

pytestmark = pytest.mark.django_db

GOOD = {"year": "2025", "title": "2025年度动态管理", "filing_opens": "2025-01-15", "filing_due": "2025-03-10",
        "city_review_due": "2025-04-10", "province_report_due": "2025-04-15"}


def test_campaign_province_creates_and_edits_with_an_audit_record(client, province):
    login(client, province)
    assert client.post(reverse("reviews:campaign_create"), GOOD).status_code == 302
    campaign = Campaign.objects.get(year=2025)
    response = client.post(reverse("reviews:campaign_edit", args=[2025]), {**GOOD, "year": "2030",
                                                                           "city_review_due": "2025-04-12"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.year, str(campaign.city_review_due)) == (2025, "2025-04-12")  # the year cannot change
    assert list(Transition.objects.filter(object_id=campaign.pk, content_type__model="campaign")
                .order_by("id").values_list("action", flat=True)) == ["create", "edit"]
    assert client.get(reverse("reviews:campaign_list")).context["campaigns"][0] == campaign


def test_campaign_deadlines_out_of_order_are_refused_with_the_field_named(client, province):
    login(client, province)
    response = client.post(reverse("reviews:campaign_create"), {**GOOD, "filing_due": "2025-01-10",
                                                                "province_report_due": "2025-04-01"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "filing_due": ["填报截止日期不能早于填报开始日期。"],
        "province_report_due": ["省级上报截止日期不能早于地市审核截止日期。"],
    }
    assert Campaign.objects.count() == 0


def test_campaign_bad_dates_and_duplicate_year_never_give_a_500(client, province):
    login(client, province)
    client.post(reverse("reviews:campaign_create"), GOOD)
    response = client.post(reverse("reviews:campaign_create"), {**GOOD, "filing_opens": "2025-02-30"})
    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == ["filing_opens", "year"]
    assert Campaign.objects.count() == 1


def test_campaign_pages_are_for_the_province_only(client, gz_reviewer):
    login(client, gz_reviewer)
    assert client.get(reverse("reviews:campaign_list")).status_code == 403
    assert client.post(reverse("reviews:campaign_create"), GOOD).status_code == 403
    assert Campaign.objects.count() == 0


@pytest.mark.parametrize(("due", "field", "message"), [
    ("2025-03-09", "district_review_due", "区县初审截止日期不能早于填报截止日期。"),
    ("2025-04-11", "city_review_due", "地市审核截止日期不能早于区县初审截止日期。"),
])
def test_campaign_district_deadline_outside_its_window_is_refused(client, province, due, field, message):
    login(client, province)
    response = client.post(reverse("reviews:campaign_create"), {**GOOD, "district_review_due": due})
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert Campaign.objects.count() == 0


@pytest.mark.parametrize("due", ["2025-03-10", "2025-04-10"])  # the filing deadline and the city deadline
def test_campaign_district_deadline_on_either_edge_is_kept_and_audited(client, province, due):
    login(client, province)
    assert client.post(reverse("reviews:campaign_create"), {**GOOD, "district_review_due": due}).status_code == 302
    campaign = Campaign.objects.get(year=2025)
    assert str(campaign.district_due) == due
    assert f"district_review_due: — → {due}" in Transition.objects.get(action="create").comment.split("; ")
