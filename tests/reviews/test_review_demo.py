"""seed_demo's 2024 campaign: every state exists, every page shows real content, and a second run adds nothing."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from registry.enums import HistorySource
from registry.models import UnitHistory, User
from reviews.enums import DISTRICT_STATES, FilingState, ProposalState
from reviews.models import (
    AdjustmentProposal,
    Campaign,
    CityPackage,
    DataFlag,
    Filing,
    IncidentReport,
    IndicatorCheck,
    MiitDecision,
    OnSiteAssessment,
    Transition,
)
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _counts():
    return [m.objects.count() for m in (Campaign, Filing, IndicatorCheck, DataFlag, OnSiteAssessment, AdjustmentProposal,
                                        CityPackage, MiitDecision, IncidentReport, Transition, UnitHistory)]


def test_review_demo_has_every_state_and_every_page_shows_it(client):
    call_command("seed_demo", stdout=io.StringIO())
    c2024 = Campaign.objects.get(year=2024)
    assert (str(c2024.filing_opens), str(c2024.filing_due), str(c2024.city_review_due), str(c2024.province_report_due)) == (
        "2024-01-15", "2024-03-10", "2024-03-31", "2024-04-15")
    filing_states = set(Filing.objects.filter(campaign=c2024).values_list("state", flat=True))
    assert filing_states == set(FilingState.values)
    proposal_states = set(AdjustmentProposal.objects.filter(campaign=c2024).values_list("state", flat=True))
    assert proposal_states == set(ProposalState.values)
    assert CityPackage.objects.filter(campaign=c2024, is_late=True).count() == 1
    assert MiitDecision.objects.filter(proposal__campaign=c2024).values("outcome").annotate(n=Count("id")).count() == 2
    assert IncidentReport.objects.filter(campaign=c2024).count() == 1
    assert UnitHistory.objects.filter(source=HistorySource.MIIT_DECISION, field="name").count() == 2
    assert OnSiteAssessment.objects.filter(filing__campaign=c2024, completed_on__isnull=True).exists()
    assert DataFlag.objects.filter(filing__campaign=c2024, verdict="pending").exists()
    # The 2023 campaign: every listed demo unit's filing accepted.
    assert set(Filing.objects.filter(campaign__year=2023).values_list("state", flat=True)) == {FilingState.ACCEPTED}

    # Every page shows real content, as each demo role.
    province = User.objects.get(username="province")
    gz = User.objects.get(username="gz_reviewer")
    login(client, province)
    dashboard = client.get(reverse("reviews:province_dashboard"), {"year": 2024})
    assert dashboard.status_code == 200
    assert dashboard.context["total"].awaiting_province > 0
    for name in ("reviews:proposal_list", "reviews:review_list", "reviews:not_filed", "reviews:incident_list",
                 "reviews:campaign_list"):
        assert client.get(reverse(name), {"year": 2024, "state": "all"}).status_code == 200
    samples = [AdjustmentProposal.objects.filter(campaign=c2024, state=s).first() for s in ProposalState.values]
    samples += [d.proposal for d in MiitDecision.objects.filter(proposal__campaign=c2024)]
    for proposal in samples:
        page = client.get(reverse("reviews:proposal_detail", args=[proposal.pk]))
        assert page.status_code == 200
        assert page.context["history"]
    login(client, gz)
    city = client.get(reverse("reviews:city_dashboard"), {"year": 2024})
    assert city.status_code == 200
    todo = city.context["todo"]
    assert todo.awaiting_review and todo.draft_proposals
    for filing in Filing.objects.filter(campaign=c2024, unit__city__name="广州市").exclude(state="draft")[:30]:
        assert client.get(reverse("reviews:review_filing", args=[filing.pk])).status_code == 200
    for username in ("ent_gz1", "ent_gz2", "ent_sz1", "ent_fs1", "ent_park", "ent_chain"):
        login(client, User.objects.get(username=username))
        home = client.get(reverse("reviews:enterprise_home"), {"year": 2024})
        assert home.status_code == 200
        assert len(home.context["cards"]) == 1
    steps = {}
    for username in ("ent_gz1", "ent_gz2", "ent_sz1", "ent_fs1"):
        login(client, User.objects.get(username=username))
        steps[username] = client.get(reverse("reviews:enterprise_home"), {"year": 2024}).context["cards"][0]["step"]
    assert steps == {"ent_gz1": "correct", "ent_gz2": "overdue", "ent_sz1": "done", "ent_fs1": "wait"}

    # A second run adds nothing.
    before = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == before


def test_review_demo_guangzhou_reviews_through_districts(client):
    call_command("seed_demo", stdout=io.StringIO())
    c2024 = Campaign.objects.get(year=2024)
    assert list(c2024.district_cities.values_list("name", flat=True)) == ["广州市"]
    assert str(c2024.district_review_due) == "2024-03-20"
    login(client, User.objects.get(username="th_reviewer"))
    home = client.get(reverse("reviews:district_home"), {"year": 2024})
    assert home.status_code == 200
    states = {u.proposal_state for u in home.context["page"].object_list} & set(DISTRICT_STATES)
    assert states == set(DISTRICT_STATES)
    login(client, User.objects.get(username="gz_reviewer"))
    work = client.get(reverse("reviews:district_work"), {"year": 2024})
    assert [p.unit.district.name for p in work.context["page"].object_list] == ["天河区"]
    hk = User.objects.get(username="hk_reviewer")  # 中山 reviews without districts: its reviewer is told so
    login(client, hk)
    idle = client.get(reverse("reviews:district_home"), {"year": 2024})
    assert [d.name for d in idle.context["idle_districts"]] == ["火炬开发区"]
    assert list(idle.context["page"].object_list) == []
