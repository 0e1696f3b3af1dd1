"""Every list and dashboard of the review workflow runs the same number of queries at 1 and at 3 items."""

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.models import Membership
from reviews.enums import IncidentKind, Outcome, RemoveReason
from reviews.models import IncidentReport
from reviews.services import review as review_services
from tests import factories
from tests.conftest import login

from .review_helpers import all_compliant, open_campaign, submitted_filing

pytestmark = pytest.mark.django_db


def build(n, reviewer):
    """n Guangzhou factories, each with an accepted filing (one indicator non-compliant, assessed), a submitted
    removal proposal and an incident report; one enterprise account holds all n units. And n units that never filed."""
    campaign = open_campaign()
    today = timezone.localdate()
    units = factories.UnitFactory.create_batch(n)
    enterprise = factories.enterprise_user(units[0], "ent_multi")
    for unit in units:
        Membership.objects.get_or_create(user=enterprise, scope="unit", unit=unit)
        filing = submitted_filing(campaign, unit, enterprise)
        review_services.record_checks(filing, all_compliant(filing, "energy_per_output"), actor=reviewer)
        review_services.save_assessment(filing, {"planned_date": today, "team": "评估组", "findings": "超标",
                                                 "conclusion": "fails", "completed_on": today}, actor=reviewer)
        review_services.accept_filing(filing, actor=reviewer)
        review_services.save_proposal(campaign, unit, {"outcome": Outcome.REMOVE, "reason": "不达标",
                                                       "remove_reason": RemoveReason.FAILED_INDICATORS}, actor=reviewer)
        IncidentReport.objects.create(unit=unit, campaign=campaign, kind=IncidentKind.SAFETY, occurred_on=today,
                                      description="事故", reported_by=reviewer)
    review_services.submit_package(campaign, units[0].city, actor=reviewer)
    factories.UnitFactory.create_batch(n)  # listed, never filed: the not-filed list
    return campaign, enterprise


# (url name, who, query parameters, expected queries, what to count in the context)
PAGES = [
    ("reviews:review_list", "gz", {"state": "all"}, 6, "page"),
    ("reviews:review_list", "province", {"state": "all"}, 7, "page"),
    ("reviews:proposal_list", "gz", {}, 7, "page"),
    ("reviews:proposal_list", "province", {}, 7, "page"),
    ("reviews:incident_list", "province", {}, 5, "page"),
    ("reviews:not_filed", "gz", {}, 6, "page"),
    ("reviews:campaign_list", "province", {}, 4, None),
    ("reviews:province_dashboard", "province", {}, 14, None),  # 13, and which cities review through districts
    ("reviews:city_dashboard", "gz", {}, 18, None),  # 17, and which cities review through districts
    ("reviews:enterprise_home", "ent", {}, 7, "cards"),
]


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("name,who,params,expected,counted", PAGES, ids=[f"{p[0]}-{p[1]}" for p in PAGES])
def test_review_page_queries_are_constant(client, django_assert_num_queries, gz_reviewer, province,
                                          n, name, who, params, expected, counted):
    campaign, enterprise = build(n, gz_reviewer)
    login(client, {"gz": gz_reviewer, "province": province, "ent": enterprise}[who])
    with django_assert_num_queries(expected):
        response = client.get(reverse(name), params)
    assert response.status_code == 200
    if counted == "page":
        assert len(response.context["page"].object_list) == n
    elif counted == "cards":
        assert len(response.context["cards"]) == n


@pytest.mark.parametrize("n", [1, 3])
def test_review_filing_page_queries_do_not_grow_with_assessments_and_history(client, django_assert_num_queries,
                                                                            gz_unit, gz_reviewer, n):
    campaign = open_campaign()
    filing = submitted_filing(campaign, gz_unit)
    for i in range(n):
        review_services.save_assessment(filing, {"planned_date": timezone.localdate(), "team": f"评估组{i}"},
                                         actor=gz_reviewer)
    login(client, gz_reviewer)
    # 13, the proposal rule asking whether an assessment blocks, evidence files, and the context: earlier values
    # (2), peers, benchmarks, the compliance verifications, and the acceptance's disposition rule
    with django_assert_num_queries(21):
        response = client.get(reverse("reviews:review_filing", args=[filing.pk]))
    assert len(response.context["assessments"]) == n
    assert len(response.context["history"]) == n + 2  # created, submitted, one per assessment


@pytest.mark.parametrize("n", [1, 3])
def test_review_proposal_page_queries_do_not_grow_with_history(client, django_assert_num_queries, gz_unit,
                                                               gz_reviewer, province, n):
    campaign = open_campaign()
    for i in range(n):
        review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.KEEP, "reason": f"第{i}次"}, actor=gz_reviewer)
    proposal = review_services.AdjustmentProposal.objects.get(unit=gz_unit)
    login(client, province)
    with django_assert_num_queries(9):  # 8, and its evidence files
        response = client.get(reverse("reviews:proposal_detail", args=[proposal.pk]))
    assert len(response.context["history"]) == n


def test_review_list_rows_become_cards_name_first_state_as_a_badge(client, gz_reviewer):
    from lxml import html

    campaign = open_campaign()
    unit = factories.UnitFactory(city=gz_reviewer.memberships.get().city)
    submitted_filing(campaign, unit)
    page = html.fromstring(login(client, gz_reviewer).get(reverse("reviews:review_list"),
                                                          {"year": campaign.year, "state": "all"}).content.decode())
    table = page.xpath("//table[contains(@class, 'table-stack')]")[0]
    heads = [th.text_content().strip() for th in table.xpath("thead/tr/th")]
    (row,) = table.xpath("tbody/tr")
    assert [td.get("data-label") for td in row.xpath("td")] == heads
    assert row.xpath("td[contains(@class, 'stack-title')]/a/text()") == [unit.name]
    assert row.xpath("td[contains(@class, 'stack-state')]/span[contains(@class, 'badge')]/text()") == ["已提交"]
