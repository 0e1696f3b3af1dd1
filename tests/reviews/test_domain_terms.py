"""One definition of each domain term (finding 6): the dashboards, the not-filed list, the reminders and the
green code agree on "filed", and a draft-only unit is 未填报 everywhere."""

import pytest

from greencode.enums import NoCodeReason
from greencode.models import Score
from greencode.services import scoring
from registry.models import City
from reviews import queries
from reviews.enums import FilingState
from reviews.models import Filing
from reviews.services import filings as filing_services
from reviews.services import progress
from reviews.services import review as review_services
from tests import factories
from tests.reviews.review_helpers import open_campaign, submitted_filing, totals

pytestmark = pytest.mark.django_db


def _units_in_each_state(campaign):
    """Five Guangzhou factories: no filing, draft only, submitted, returned, accepted."""
    reviewer = factories.city_user("广州市")
    units = {name: factories.UnitFactory() for name in ("none", "draft", "submitted", "returned", "accepted")}
    draft = filing_services.filing_for(campaign, units["draft"])
    filing_services.save_filing(draft, totals(), actor=factories.enterprise_user(units["draft"]))
    submitted_filing(campaign, units["submitted"])
    review_services.return_filing(submitted_filing(campaign, units["returned"]), "请补充", actor=reviewer)
    from tests.reviews.review_helpers import all_compliant

    accepted = submitted_filing(campaign, units["accepted"])
    review_services.record_checks(accepted, all_compliant(accepted), actor=reviewer)
    review_services.accept_filing(accepted, actor=reviewer)
    return units


def test_terms_filed_means_submitted_at_least_once():
    assert queries.FILED_STATES == (FilingState.SUBMITTED, FilingState.RETURNED, FilingState.ACCEPTED)
    assert not queries.is_filed(Filing(state=FilingState.DRAFT))
    assert not queries.is_filed(None)
    assert all(queries.is_filed(Filing(state=s)) for s in queries.FILED_STATES)


def test_terms_not_filed_list_and_dashboard_agree():
    campaign = open_campaign()
    units = _units_in_each_state(campaign)
    guangzhou = City.objects.get(name="广州市")
    not_filed = set(queries.not_filed_units(campaign, cities=[guangzhou]).values_list("pk", flat=True))
    assert not_filed == {units["none"].pk, units["draft"].pk}
    rows, total = progress.campaign_progress(campaign, [guangzhou])
    assert (rows[0].listed, rows[0].filed, rows[0].not_filed) == (5, 3, 2)
    assert review_services.not_filed_units is queries.not_filed_units


def test_terms_draft_only_is_not_filed_in_the_green_code_too():
    campaign = open_campaign()
    units = _units_in_each_state(campaign)
    run = scoring.run_cohort(campaign.year, "national").run
    reasons = dict(Score.objects.filter(run=run).values_list("unit_id", "reason"))
    assert reasons[units["draft"].pk] == NoCodeReason.NOT_FILED
    assert reasons[units["returned"].pk] == NoCodeReason.IRREGULAR
    assert reasons[units["submitted"].pk] == NoCodeReason.IRREGULAR
    assert reasons[units["accepted"].pk] == ""


def test_terms_assessment_completed_needs_conclusion_and_date(gz_unit, gz_reviewer):
    import datetime as dt

    from django.utils import timezone

    from reviews.models import OnSiteAssessment

    campaign = open_campaign()
    filing = submitted_filing(campaign, gz_unit)
    review_services.record_checks(filing, {"energy_per_output": ("non_compliant", "超标")}, actor=gz_reviewer)
    assert queries.needs_assessment(filing)
    assert queries.blocked_by_assessment(filing)
    planned = review_services.save_assessment(filing, {"planned_date": timezone.localdate(), "team": "评估组"},
                                              actor=gz_reviewer)
    assert queries.blocked_by_assessment(filing)  # planned is not completed
    OnSiteAssessment.objects.filter(pk=planned.pk).update(conclusion="meets")  # a conclusion without a date
    assert queries.blocked_by_assessment(filing)
    OnSiteAssessment.objects.filter(pk=planned.pk).update(conclusion="", completed_on=dt.date.today())
    assert queries.blocked_by_assessment(filing)
    review_services.save_assessment(filing, {"conclusion": "meets", "completed_on": timezone.localdate()},
                                    actor=gz_reviewer, assessment=OnSiteAssessment.objects.get(pk=planned.pk))
    assert not queries.blocked_by_assessment(filing)
    assert Filing.objects.filter(pk=filing.pk).filter(queries.blocked_by_assessment_q()).count() == 0
