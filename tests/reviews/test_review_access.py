"""City scoping: another city's reviewer never reaches a unit's review, at any step, by GET or POST (404)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from reviews.enums import FilingState, Outcome, ProposalState
from reviews.models import AdjustmentProposal, IndicatorCheck, OnSiteAssessment, Transition
from reviews.services import review as review_services
from tests.conftest import login

from .review_helpers import all_compliant, checks_post, open_campaign, submitted_filing

pytestmark = pytest.mark.django_db


@pytest.fixture
def gz_case(gz_unit, gz_reviewer):
    campaign = open_campaign()
    filing = submitted_filing(campaign, gz_unit)
    today = timezone.localdate()
    assessment = review_services.save_assessment(filing, {"planned_date": today, "team": "广州评估组"}, actor=gz_reviewer)
    review_services.record_checks(filing, all_compliant(filing), actor=gz_reviewer)
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    proposal = AdjustmentProposal.objects.get(unit=gz_unit)
    return campaign, filing, assessment, proposal


def test_review_another_citys_reviewer_gets_404_at_every_step(client, gz_case, sz_reviewer):
    campaign, filing, assessment, proposal = gz_case
    transitions_before = Transition.objects.count()
    login(client, sz_reviewer)
    today = timezone.localdate().isoformat()
    steps = [
        ("get", reverse("reviews:review_filing", args=[filing.pk]), {}),
        ("post", reverse("reviews:review_checks", args=[filing.pk]), checks_post(filing, "energy_per_output")),
        ("post", reverse("reviews:review_flags", args=[filing.pk]), {}),
        ("get", reverse("reviews:assessment_create", args=[filing.pk]), {}),
        ("post", reverse("reviews:assessment_create", args=[filing.pk]), {"planned_date": today, "team": "深圳"}),
        ("get", reverse("reviews:assessment_edit", args=[filing.pk, assessment.pk]), {}),
        ("post", reverse("reviews:assessment_edit", args=[filing.pk, assessment.pk]),
         {"planned_date": today, "team": "深圳", "conclusion": "meets", "completed_on": today, "findings": "x"}),
        ("post", reverse("reviews:filing_return", args=[filing.pk]), {"reason": "深圳退回"}),
        ("post", reverse("reviews:filing_accept", args=[filing.pk]), {}),
        ("get", reverse("reviews:proposal_create", args=[filing.unit_id]), {}),
        ("post", reverse("reviews:proposal_create", args=[filing.unit_id]), {"outcome": Outcome.KEEP}),
        ("get", reverse("reviews:proposal_detail", args=[proposal.pk]), {}),
        ("get", reverse("reviews:proposal_edit", args=[proposal.pk]), {}),
        ("post", reverse("reviews:proposal_edit", args=[proposal.pk]), {"outcome": Outcome.RENAME, "new_name": "深圳改名"}),
    ]
    for method, url, data in steps:
        response = getattr(client, method)(url, data)
        assert (method, url, response.status_code) == (method, url, 404)
    # Nothing changed, and nothing was recorded.
    filing.refresh_from_db()
    proposal.refresh_from_db()
    assert filing.state == FilingState.SUBMITTED
    assert (proposal.outcome, proposal.state) == (Outcome.KEEP, ProposalState.DRAFT)
    assert IndicatorCheck.objects.filter(filing=filing, verdict="non_compliant").count() == 0
    assert OnSiteAssessment.objects.get(pk=assessment.pk).team == "广州评估组"
    assert Transition.objects.count() == transitions_before


def test_review_another_citys_lists_show_nothing_of_guangzhou(client, gz_case, sz_reviewer):
    campaign, filing, assessment, proposal = gz_case
    login(client, sz_reviewer)
    year = {"year": campaign.year}
    assert list(client.get(reverse("reviews:review_list"), year).context["page"].object_list) == []
    assert list(client.get(reverse("reviews:proposal_list"), year).context["page"].object_list) == []
    assert list(client.get(reverse("reviews:not_filed"), year).context["page"].object_list) == []
    dashboard = client.get(reverse("reviews:city_dashboard"), year)
    assert [r.city.name for r in dashboard.context["rows"]] == ["深圳市"]
    assert dashboard.context["total"].awaiting_review == 0


def test_review_another_citys_package_cannot_be_submitted(client, gz_case, sz_reviewer):
    campaign, filing, assessment, proposal = gz_case
    login(client, sz_reviewer)
    client.post(reverse("reviews:package_submit"), {"year": campaign.year, "city": filing.unit.city_id, "confirm": "on"})
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DRAFT
    with pytest.raises(PermissionDenied):
        review_services.submit_package(campaign, filing.unit.city, actor=sz_reviewer)


def test_review_enterprise_and_city_cannot_decide_proposals(client, gz_case, gz_reviewer):
    campaign, filing, assessment, proposal = gz_case
    review_services.submit_package(campaign, filing.unit.city, actor=gz_reviewer, reason="其余单位下周补报")
    login(client, gz_reviewer)
    response = client.post(reverse("reviews:proposals_decide"), {"proposals": [proposal.pk], "action": "approve"})
    assert response.status_code == 403
    assert client.get(reverse("reviews:province_dashboard")).status_code == 403
    assert client.get(reverse("reviews:adjustments_xlsx")).status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED


def test_review_pages_need_a_login(client, gz_case):
    campaign, filing, assessment, proposal = gz_case
    for url in (reverse("reviews:review_filing", args=[filing.pk]), reverse("reviews:proposal_list"),
                reverse("reviews:province_dashboard")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
