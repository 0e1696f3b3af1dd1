"""seed_demo's campaigns, placed relative to today: last year's has every state and every page shows it; this
year's is in its filing window with the city deadline near; a second run adds nothing."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from registry.enums import HistorySource
from registry.models import UnitHistory, User
from reviews.demo import DISTRICT_DAYS_AFTER_FILING, deadlines, demo_years
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
    first, last, _now = demo_years()
    c2024 = Campaign.objects.get(year=last)
    today = timezone.localdate()
    assert (c2024.filing_opens, c2024.filing_due, c2024.city_review_due, c2024.province_report_due) == deadlines(last)
    assert c2024.province_report_due < today
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
    # The year before last: every listed demo unit's filing accepted.
    assert set(Filing.objects.filter(campaign__year=first).values_list("state", flat=True)) == {FilingState.ACCEPTED}

    # Every page shows real content, as each demo role.
    province = User.objects.get(username="province")
    gz = User.objects.get(username="gz_reviewer")
    login(client, province)
    dashboard = client.get(reverse("reviews:province_dashboard"), {"year": last})
    assert dashboard.status_code == 200
    assert dashboard.context["total"].awaiting_province > 0
    for name in ("reviews:proposal_list", "reviews:review_list", "reviews:not_filed", "reviews:incident_list",
                 "reviews:campaign_list"):
        assert client.get(reverse(name), {"year": last, "state": "all"}).status_code == 200
    samples = [AdjustmentProposal.objects.filter(campaign=c2024, state=s).first() for s in ProposalState.values]
    samples += [d.proposal for d in MiitDecision.objects.filter(proposal__campaign=c2024)]
    for proposal in samples:
        page = client.get(reverse("reviews:proposal_detail", args=[proposal.pk]))
        assert page.status_code == 200
        assert page.context["history"]
    login(client, gz)
    city = client.get(reverse("reviews:city_dashboard"), {"year": last})
    assert city.status_code == 200
    todo = city.context["todo"]
    assert todo.awaiting_review and todo.draft_proposals
    for filing in Filing.objects.filter(campaign=c2024, unit__city__name="广州市").exclude(state="draft")[:30]:
        assert client.get(reverse("reviews:review_filing", args=[filing.pk])).status_code == 200
    for username in ("ent_gz1", "ent_gz2", "ent_sz1", "ent_fs1", "ent_park", "ent_chain"):
        login(client, User.objects.get(username=username))
        home = client.get(reverse("reviews:enterprise_home"), {"year": last})
        assert home.status_code == 200
        assert len(home.context["cards"]) == 1
    # Last year every demo enterprise's filing was accepted; this year (the page's default) each has its next step.
    last_steps, steps = {}, {}
    for username in ("ent_gz1", "ent_gz2", "ent_sz1", "ent_fs1", "ent_park"):
        login(client, User.objects.get(username=username))
        last_steps[username] = client.get(reverse("reviews:enterprise_home"), {"year": last}).context["cards"][0]["step"]
        steps[username] = client.get(reverse("reviews:enterprise_home")).context["cards"][0]["step"]
    assert set(last_steps.values()) == {"done"}
    assert steps == {"ent_gz1": "correct", "ent_gz2": "file", "ent_sz1": "done", "ent_fs1": "wait", "ent_park": "file"}

    # A second run adds nothing.
    before = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == before


def test_review_demo_guangzhou_reviews_through_districts(client):
    call_command("seed_demo", stdout=io.StringIO())
    last_year = demo_years()[1]
    c_last = Campaign.objects.get(year=last_year)
    assert list(c_last.district_cities.values_list("name", flat=True)) == ["广州市"]
    assert c_last.district_review_due == c_last.filing_due + dt.timedelta(days=DISTRICT_DAYS_AFTER_FILING)
    assert c_last.filing_due < c_last.district_review_due < c_last.city_review_due
    login(client, User.objects.get(username="th_reviewer"))
    home = client.get(reverse("reviews:district_home"), {"year": last_year})
    assert home.status_code == 200
    states = {u.proposal_state for u in home.context["page"].object_list} & set(DISTRICT_STATES)
    assert states == set(DISTRICT_STATES)
    login(client, User.objects.get(username="gz_reviewer"))
    work = client.get(reverse("reviews:district_work"), {"year": last_year})
    assert [p.unit.district.name for p in work.context["page"].object_list] == ["天河区"]
    hk = User.objects.get(username="hk_reviewer")  # 中山 reviews without districts: its reviewer is told so
    login(client, hk)
    idle = client.get(reverse("reviews:district_home"), {"year": last_year})
    assert [d.name for d in idle.context["idle_districts"]] == ["火炬开发区"]
    assert list(idle.context["page"].object_list) == []


def test_review_demo_this_years_campaign_is_filing_with_the_city_deadline_near(client):
    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    campaign = Campaign.current()
    assert campaign.year == today.year
    assert (campaign.filing_opens, campaign.filing_due, campaign.city_review_due, campaign.province_report_due) == (
        today - dt.timedelta(days=60), today + dt.timedelta(days=5), today + dt.timedelta(days=12),
        today + dt.timedelta(days=26))
    assert campaign.is_filing_open() and not Campaign.passed(campaign.filing_due)
    states = set(Filing.objects.filter(campaign=campaign).values_list("state", flat=True))
    assert states == set(FilingState.values)
    assert not AdjustmentProposal.objects.filter(campaign=campaign).exists()
    # The city's dashboard defaults to this campaign and has filings waiting.
    login(client, User.objects.get(username="gz_reviewer"))
    city = client.get(reverse("reviews:city_dashboard"))
    assert city.context["campaign"] == campaign
    assert city.context["todo"].awaiting_review


def test_review_demo_deadlines_are_a_year_apart_and_survive_29_february():
    assert deadlines(2024, today=dt.date(2024, 2, 29))[0] == dt.date(2023, 12, 31)
    assert deadlines(2023, today=dt.date(2024, 2, 24))[1] == dt.date(2023, 2, 28)
    assert deadlines(2022, today=dt.date(2024, 1, 20)) == (
        dt.date(2021, 11, 21), dt.date(2022, 1, 25), dt.date(2022, 2, 1), dt.date(2022, 2, 15))
    assert demo_years(dt.date(2026, 11, 29)) == (2024, 2025, 2026)
