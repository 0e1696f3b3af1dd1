"""Bad input never gives a 500 and never half-saves: every review endpoint answers junk with a message."""

import pytest
from django.urls import reverse

from reviews.enums import FilingState, Outcome, ProposalState
from reviews.models import AdjustmentProposal, IncidentReport, IndicatorCheck, MiitDecision, OnSiteAssessment
from reviews.services import review as review_services
from tests.conftest import login

from .review_helpers import open_campaign, submitted_filing

pytestmark = pytest.mark.django_db

JUNK = {"verdict_energy_per_output": "maybe", "note_energy_per_output": "x" * 5000, "planned_date": "2024-13-45",
        "completed_on": "yesterday", "conclusion": "perhaps", "outcome": "explode", "remove_reason": "because",
        "rectify_due": "soon", "proposals": ["abc", "-1", "999999"], "action": "delete", "decided_on": "x",
        "unit": "abc", "kind": "fire", "occurred_on": "", "year": "20x4", "city": "../", "confirm": "",
        "verdict_1": "confirmed", "page": "-3"}


def test_review_junk_posts_are_answered_without_a_500_and_save_nothing(client, gz_unit, gz_reviewer, province):
    campaign = open_campaign()
    filing = submitted_filing(campaign, gz_unit)
    login(client, gz_reviewer)
    city_urls = [
        reverse("reviews:review_checks", args=[filing.pk]), reverse("reviews:review_flags", args=[filing.pk]),
        reverse("reviews:assessment_create", args=[filing.pk]), reverse("reviews:filing_return", args=[filing.pk]),
        reverse("reviews:proposal_create", args=[gz_unit.pk]), reverse("reviews:package_submit"),
        reverse("reviews:incident_create"), reverse("reviews:not_filed"),
    ]
    for url in city_urls:
        response = client.post(url, JUNK)
        assert (url, response.status_code in (200, 302, 400)) == (url, True)
    for url in (reverse("reviews:review_list"), reverse("reviews:proposal_list"), reverse("reviews:city_dashboard"),
                reverse("reviews:not_filed"), reverse("reviews:incident_list")):
        assert client.get(url, JUNK).status_code == 200
    filing.refresh_from_db()
    assert filing.state == FilingState.SUBMITTED
    assert (IndicatorCheck.objects.count(), OnSiteAssessment.objects.count(), AdjustmentProposal.objects.count(),
            IncidentReport.objects.count()) == (0, 0, 0, 0)

    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer, reason="该单位未审核，先行报送")
    proposal = AdjustmentProposal.objects.get()
    login(client, province)
    for url in (reverse("reviews:proposals_decide"), reverse("reviews:miit_decision", args=[proposal.pk]),
                reverse("reviews:campaign_create")):
        response = client.post(url, JUNK)
        assert (url, response.status_code in (200, 302, 400)) == (url, True)
    for url in (reverse("reviews:province_dashboard"), reverse("reviews:proposal_list"), reverse("reviews:adjustments_xlsx")):
        assert client.get(url, JUNK).status_code == 200
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED
    assert MiitDecision.objects.count() == 0


# --- Unicode digits (the security test's findings): "²".isdigit() is true and int("²") raises ----------------

UNICODE_DIGITS = ["²", "٣", "１２", "Ⅻ"]


@pytest.mark.parametrize("digit", UNICODE_DIGITS)
def test_review_unicode_digits_in_query_parameters_are_ignored(client, gz_unit, gz_reviewer, province, digit):
    campaign = open_campaign()
    login(client, province)
    for name in ("reviews:review_list", "reviews:proposal_list", "reviews:province_dashboard", "reviews:not_filed",
                 "reviews:adjustments_xlsx"):
        response = client.get(reverse(name), {"year": digit, "city": digit})
        assert (name, response.status_code) == (name, 200)
    login(client, gz_reviewer)
    for name in ("reviews:city_dashboard", "reviews:package_submit", "reviews:incident_create"):
        response = client.get(reverse(name), {"year": digit, "city": digit, "unit": digit})
        assert (name, response.status_code) == (name, 200)
    response = client.get(reverse("reviews:review_list"), {"year": digit})
    assert response.context["campaign"] == campaign  # ignored: the current campaign


@pytest.mark.parametrize("digit", UNICODE_DIGITS)
def test_review_unicode_digits_in_posted_ids_get_a_message_and_decide_nothing(client, gz_unit, province, digit):
    campaign = open_campaign()
    proposal = AdjustmentProposal.objects.create(campaign=campaign, unit=gz_unit, outcome=Outcome.KEEP,
                                                 state=ProposalState.SUBMITTED)
    login(client, province)
    response = client.post(reverse("reviews:proposals_decide"),
                           {"proposals": [digit, str(proposal.pk)], "action": "approve", "comment": ""}, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        f"调整意见: 选择一个有效的选项。 {digit} 不在可用的选项中。"]
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED  # nothing decided from a post that named a bad id


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "²", "javascript:alert(1)",
                                    "proposal_list"])
def test_review_bulk_decision_never_redirects_off_site(client, province, target):
    open_campaign()
    login(client, province)
    response = client.post(reverse("reviews:proposals_decide"), {"proposals": [], "action": "approve", "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:proposal_list")


def test_review_bulk_decision_returns_to_a_filtered_list_on_this_site(client, province):
    open_campaign()
    login(client, province)
    back = reverse("reviews:proposal_list") + "?city=1&state=submitted"
    response = client.post(reverse("reviews:proposals_decide"), {"proposals": [], "action": "approve", "next": back})
    assert response["Location"] == back
