"""The bulk pages through the real views: the province's confirmation step, "all matching the filter", the city's
"keep" list, and bad input (never a 500, nothing half-done)."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from reviews.enums import MiitOutcome, Outcome, ProposalState
from reviews.forms import BulkProposalForm
from reviews.models import AdjustmentProposal, MiitDecision, MiitDocument
from tests import factories
from tests.conftest import login

from .review_helpers import accepted_filing, open_campaign
from .test_bulk import _proposals

pytestmark = pytest.mark.django_db
URL = "reviews:proposals_bulk"


@pytest.fixture
def campaign():
    return open_campaign()


def _post(client, data):
    return client.post(reverse(URL), data)


def test_bulk_first_post_only_shows_the_plan(client, province, campaign):
    proposals = _proposals(campaign, 3)
    draft = _proposals(campaign, 1, state=ProposalState.DRAFT).get()
    login(client, province)
    ids = [str(p.pk) for p in proposals] + [str(draft.pk)]
    response = _post(client, {"action": "approve", "proposals": ids, "filter": f"year={campaign.year}"})
    assert response.status_code == 200
    assert [p.pk for p in response.context["plan"].done] == [p.pk for p in proposals]
    assert len(response.context["plan"].skipped) == 1
    assert sorted(response.context["ids"]) == sorted(int(i) for i in ids)
    assert set(AdjustmentProposal.objects.values_list("state", flat=True)) == {ProposalState.DRAFT,
                                                                                ProposalState.SUBMITTED}


def test_bulk_confirmed_post_decides_and_reports_the_skipped(client, province, campaign):
    proposals = _proposals(campaign, 3)
    draft = _proposals(campaign, 1, state=ProposalState.DRAFT).get()
    login(client, province)
    ids = [str(p.pk) for p in proposals] + [str(draft.pk)]
    response = _post(client, {"action": "approve", "proposals": ids, "confirmed": "1", "filter": f"year={campaign.year}"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('reviews:proposal_list')}?year={campaign.year}"
    assert set(proposals.values_list("state", flat=True)) == {ProposalState.APPROVED}
    draft.refresh_from_db()
    assert draft.state == ProposalState.DRAFT


def test_bulk_all_matching_follows_the_filter_not_the_ticks(client, province, campaign):
    gz = _proposals(campaign, 3)
    sz = _proposals(campaign, 2, city="深圳市")
    login(client, province)
    city = factories.city("广州市").pk
    response = _post(client, {"action": "approve", "all_matching": "1", "confirmed": "1",
                              "filter": f"year={campaign.year}&city={city}&state=submitted"})
    assert response.status_code == 302
    assert set(gz.values_list("state", flat=True)) == {ProposalState.APPROVED}
    assert set(sz.values_list("state", flat=True)) == {ProposalState.SUBMITTED}


def test_bulk_miit_document_against_many(client, province, campaign):
    approved = _proposals(campaign, 3, state=ProposalState.APPROVED)
    login(client, province)
    response = _post(client, {"action": "miit_confirmed", "all_matching": "1", "confirmed": "1",
                              "filter": f"year={campaign.year}&miit=pending", "number": "工信厅节函〔2024〕189号",
                              "decided_on": "2024-06-20", "title": "关于名单动态调整的通知"})
    assert response.status_code == 302
    document = MiitDocument.objects.get()
    assert sorted(document.decisions.values_list("proposal_id", flat=True)) == sorted(p.pk for p in approved)
    assert set(MiitDecision.objects.values_list("outcome", flat=True)) == {MiitOutcome.CONFIRMED}
    detail = client.get(reverse("reviews:proposal_detail", args=[approved[0].pk]))
    assert detail.context["decision"].source == document


@pytest.mark.parametrize(("data", "field"), [
    ({"action": "return"}, "comment"),
    ({"action": "miit_confirmed", "decided_on": "2024-06-20", "title": "t"}, "number"),
    ({"action": "miit_confirmed", "number": "n", "decided_on": "2024-02-30", "title": "t"}, "decided_on"),
    ({"action": "miit_confirmed", "number": "n", "decided_on": "2999-01-01", "title": "t"}, "decided_on"),
    ({"action": "destroy"}, "action"),
])
def test_bulk_bad_input_is_refused_with_the_field_named_and_nothing_done(client, province, campaign, data, field):
    proposals = _proposals(campaign, 2, state=ProposalState.APPROVED if "miit" in data["action"] else ProposalState.SUBMITTED)
    before = list(proposals.values_list("state", flat=True))
    login(client, province)
    response = client.post(reverse(URL), {**data, "proposals": [str(p.pk) for p in proposals], "confirmed": "1",
                                          "filter": f"year={campaign.year}"}, follow=True)
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert any(t.startswith(f"{BulkProposalForm.base_fields[field].label}:") for t in texts)
    assert list(proposals.values_list("state", flat=True)) == before
    assert not MiitDecision.objects.exists()


def test_bulk_with_nothing_selected_says_so(client, province, campaign):
    login(client, province)
    response = client.post(reverse(URL), {"action": "approve", "proposals": ["x", "99999"],
                                          "filter": f"year={campaign.year}"}, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [_("Select at least one proposal.")]


def test_bulk_is_the_provinces_alone(client, gz_reviewer, campaign):
    proposals = _proposals(campaign, 1)
    login(client, gz_reviewer)
    response = _post(client, {"action": "approve", "proposals": [str(proposals[0].pk)], "confirmed": "1"})
    assert response.status_code == 403
    assert proposals[0].state == ProposalState.SUBMITTED


@pytest.mark.parametrize("n", [1, 3])
def test_proposal_list_for_the_province_has_a_constant_number_of_queries(client, province, campaign,
                                                                        django_assert_num_queries, n):
    _proposals(campaign, n)
    login(client, province)
    with django_assert_num_queries(7):
        response = client.get(reverse("reviews:proposal_list"), {"year": campaign.year})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == n


def test_keep_many_lists_the_candidates_then_proposes_keep(client, gz_reviewer, gz_unit, campaign):
    accepted_filing(campaign, gz_unit, gz_reviewer)
    login(client, gz_reviewer)
    page = client.get(reverse("reviews:keep_many"), {"year": campaign.year})
    assert page.status_code == 200
    assert [f.unit_id for f in page.context["filings"]] == [gz_unit.pk]
    response = client.post(reverse("reviews:keep_many"), {"year": campaign.year, "units": [str(gz_unit.pk)]})
    assert response.status_code == 302
    proposal = AdjustmentProposal.objects.get(unit=gz_unit)
    assert (proposal.outcome, proposal.state) == (Outcome.KEEP, ProposalState.DRAFT)


def test_keep_many_is_for_a_city_bureau(client, province, campaign):
    login(client, province)
    assert client.get(reverse("reviews:keep_many"), {"year": campaign.year}).status_code == 403


@pytest.mark.parametrize("filter_query", ["year=abc&state=x&city=%EF%BC%91", "year=99999999999&miit=zzz", "%%%"])
def test_bulk_with_a_garbled_filter_falls_back_and_never_fails(client, province, campaign, filter_query):
    proposals = _proposals(campaign, 2)
    login(client, province)
    response = _post(client, {"action": "approve", "all_matching": "1", "filter": filter_query})
    assert response.status_code == 200
    assert sorted(p.pk for p in response.context["plan"].done) == sorted(p.pk for p in proposals)
