"""District first review through the real views: the district's pages, the review page's district scope (another
district's filing is not found), the city's confirmation page and its choice to review through districts."""

import pytest
from django.urls import reverse

from reviews.enums import FilingState, Outcome, ProposalState
from reviews.models import AdjustmentProposal, Filing
from reviews.services import districts
from tests import factories
from tests.conftest import login

from .review_helpers import checks_post, open_campaign, submitted_filing
from .test_districts import _sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(gz_reviewer):
    campaign = open_campaign()
    districts.set_district_review(campaign, factories.city("广州市"), True, actor=gz_reviewer)
    return campaign


@pytest.fixture
def tianhe(db):
    return factories.district_user("天河区", "th", "广州市")


def _unit(district_name=None):
    district = factories.district(district_name, "广州市") if district_name else None
    return factories.UnitFactory(city=factories.city("广州市"), district=district)


@pytest.mark.parametrize("n", [1, 3])
def test_district_home_lists_the_districts_units_in_constant_queries(client, campaign, tianhe, django_assert_num_queries, n):
    units = [_unit("天河区") for _i in range(n)]
    _unit("海珠区")
    _unit()
    for unit in units:
        submitted_filing(campaign, unit)
    login(client, tianhe)
    with django_assert_num_queries(7):
        response = client.get(reverse("reviews:district_home"), {"year": campaign.year})
    assert response.status_code == 200
    assert sorted(u.pk for u in response.context["page"].object_list) == sorted(u.pk for u in units)


def test_district_home_is_for_district_reviewers(client, campaign, gz_reviewer):
    login(client, gz_reviewer)
    assert client.get(reverse("reviews:district_home"), {"year": campaign.year}).status_code == 403


def test_district_reviewer_opens_and_checks_its_filing_on_the_review_page(client, campaign, tianhe):
    filing = submitted_filing(campaign, _unit("天河区"))
    login(client, tianhe)
    page = client.get(reverse("reviews:review_filing", args=[filing.pk]))
    assert page.status_code == 200
    assert (page.context["can_check"], page.context["can_review"]) == (True, False)
    response = client.post(reverse("reviews:review_checks", args=[filing.pk]), checks_post(filing))
    assert response.status_code == 302
    assert filing.checks.count() == len(checks_post(filing)) // 2


@pytest.mark.parametrize("district_name", ["海珠区", None])
def test_district_reviewer_gets_404_for_another_districts_or_a_city_level_filing(client, campaign, tianhe, district_name):
    filing = submitted_filing(campaign, _unit(district_name))
    login(client, tianhe)
    assert client.get(reverse("reviews:review_filing", args=[filing.pk])).status_code == 404
    assert client.post(reverse("reviews:review_checks", args=[filing.pk]), checks_post(filing)).status_code == 404
    assert filing.checks.count() == 0


def test_district_reviewer_gets_404_where_the_city_reviews_alone(client, tianhe):
    campaign = open_campaign()
    filing = submitted_filing(campaign, _unit("天河区"))
    login(client, tianhe)
    assert client.get(reverse("reviews:review_filing", args=[filing.pk])).status_code == 404


def test_district_reviewer_cannot_accept_on_the_review_page(client, campaign, tianhe):
    filing = submitted_filing(campaign, _unit("天河区"))
    login(client, tianhe)
    assert client.post(reverse("reviews:filing_accept", args=[filing.pk])).status_code == 403
    filing.refresh_from_db()
    assert filing.state == FilingState.SUBMITTED


def test_district_proposal_page_opens_then_sends_to_the_city(client, campaign, tianhe):
    unit = _unit("天河区")
    filing = submitted_filing(campaign, unit)
    login(client, tianhe)
    client.post(reverse("reviews:review_checks", args=[filing.pk]), checks_post(filing))
    url = reverse("reviews:district_proposal", args=[unit.pk]) + f"?year={campaign.year}"
    assert client.get(url).status_code == 200
    assert client.post(url, {"outcome": Outcome.KEEP, "reason": "达标"}).status_code == 302
    proposal = AdjustmentProposal.objects.get(unit=unit)
    assert proposal.state == ProposalState.DISTRICT_DRAFT
    response = client.post(reverse("reviews:district_send"), {"year": campaign.year, "proposals": [str(proposal.pk)]})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DISTRICT_SUBMITTED


def test_district_proposal_page_for_another_districts_unit_is_404(client, campaign, tianhe):
    unit = _unit("海珠区")
    login(client, tianhe)
    url = reverse("reviews:district_proposal", args=[unit.pk]) + f"?year={campaign.year}"
    assert client.post(url, {"outcome": Outcome.KEEP}).status_code == 404
    assert not AdjustmentProposal.objects.exists()


@pytest.mark.parametrize("n", [1, 3])
def test_district_work_lists_what_awaits_the_city_in_constant_queries(client, campaign, gz_reviewer, tianhe,
                                                                     django_assert_num_queries, n):
    for _i in range(n):
        _sent(campaign, _unit("天河区"), tianhe)
    login(client, gz_reviewer)
    with django_assert_num_queries(9):
        response = client.get(reverse("reviews:district_work"), {"year": campaign.year})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == n


def test_district_work_confirm_accepts_and_return_needs_a_reason(client, campaign, gz_reviewer, tianhe):
    first, second = (_sent(campaign, _unit("天河区"), tianhe) for _i in range(2))
    login(client, gz_reviewer)
    url = reverse("reviews:district_work") + f"?year={campaign.year}"
    client.post(url, {"action": "confirm", "proposals": [str(first.pk)], "year": campaign.year})
    client.post(url, {"action": "return", "proposals": [str(second.pk)], "year": campaign.year, "reason": ""})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (ProposalState.DRAFT, ProposalState.DISTRICT_SUBMITTED)
    assert Filing.objects.get(unit=first.unit).state == FilingState.ACCEPTED
    client.post(url, {"action": "return", "proposals": [str(second.pk)], "year": campaign.year, "reason": "请补充"})
    second.refresh_from_db()
    assert second.state == ProposalState.DISTRICT_RETURNED


def test_district_setting_is_the_citys_own(client, gz_reviewer):
    campaign = open_campaign()
    login(client, gz_reviewer)
    gz, sz = factories.city("广州市"), factories.city("深圳市")
    client.post(reverse("reviews:district_setting"), {"year": campaign.year, "city": gz.pk,
                                                      "reviews_through_districts": "on"})
    assert client.post(reverse("reviews:district_setting"), {"year": campaign.year, "city": sz.pk,
                                                             "reviews_through_districts": "on"}).status_code == 404
    assert list(campaign.district_cities.all()) == [gz]
    client.post(reverse("reviews:district_setting"), {"year": campaign.year, "city": gz.pk})
    assert list(campaign.district_cities.all()) == []


def test_district_setting_with_a_bad_city_is_404(client, gz_reviewer):
    campaign = open_campaign()
    login(client, gz_reviewer)
    assert client.post(reverse("reviews:district_setting"), {"year": campaign.year, "city": "abc"}).status_code == 404



def test_dashboards_show_district_progress_under_the_city(client, campaign, gz_reviewer, province, tianhe):
    _sent(campaign, _unit("天河区"), tianhe)
    haizhu = _unit("海珠区")
    submitted_filing(campaign, haizhu)
    _unit()  # a city-level unit is in no district row
    for user, name in ((province, "reviews:province_dashboard"), (gz_reviewer, "reviews:city_dashboard")):
        login(client, user)
        response = client.get(reverse(name), {"year": campaign.year})
        assert response.status_code == 200
        gz = next(r for r in response.context["rows"] if r.city.name == "广州市")
        rows = {d.district.name: (d.listed, d.filed, d.checked, d.with_district, d.awaiting_city, d.with_city)
                for d in gz.districts}
        assert rows == {"天河区": (1, 1, 1, 0, 1, 0), "海珠区": (1, 1, 0, 0, 0, 0)}
        others = [r for r in response.context["rows"] if r.city.name != "广州市"]
        assert all(r.districts == [] for r in others)


@pytest.mark.parametrize("n", [1, 3])
def test_province_dashboard_with_district_rows_runs_constant_queries(client, campaign, province, tianhe,
                                                                    django_assert_num_queries, n):
    for name in ("天河区", "海珠区", "越秀区")[:n]:
        _sent(campaign, _unit(name), tianhe) if name == "天河区" else submitted_filing(campaign, _unit(name))
    login(client, province)
    with django_assert_num_queries(18):  # the dashboard's 14, and four for the district rows
        response = client.get(reverse("reviews:province_dashboard"), {"year": campaign.year})
    gz = next(r for r in response.context["rows"] if r.city.name == "广州市")
    assert len(gz.districts) == n
