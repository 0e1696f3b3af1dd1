"""Who is in a cohort and why a factory gets no code, at each date that decides it: an incident counts from 1 January
of the year before the campaign's; a removed factory stays in the cohort (as removed) if it left on or after that
day; a listed factory without a filing is in it only if it was listed before the campaign's year."""

import datetime as dt

import pytest

from greencode.models import Score
from greencode.services import scoring
from registry.models import Unit
from reviews.enums import FilingState, FlagKind, FlagVerdict
from reviews.models import DataFlag, IncidentReport
from tests.greencode.conftest import YEAR, campaign

pytestmark = pytest.mark.django_db

ENERGY = "energy_per_output"
SINCE = dt.date(YEAR - 1, 1, 1)  # the first day that counts against the campaign of YEAR


def reasons(run) -> dict[int, str]:
    return dict(Score.objects.filter(run=run).values_list("unit_id", "reason"))


def test_an_incident_without_a_campaign_counts_from_the_first_of_january_of_the_year_before(make_factory,
                                                                                             gz_reviewer):
    on_the_day = make_factory({ENERGY: 10})
    the_day_before = make_factory({ENERGY: 11})
    for unit, day in ((on_the_day, SINCE), (the_day_before, SINCE - dt.timedelta(days=1))):
        IncidentReport.objects.create(unit=unit, campaign=None, kind="safety", occurred_on=day, description="x",
                                      reported_by=gz_reviewer)
    run = scoring.run_cohort(YEAR, "national").run
    assert reasons(run) == {on_the_day.pk: "incident", the_day_before.pk: ""}


def test_an_incident_of_an_earlier_campaign_does_not_count(make_factory, gz_reviewer):
    earlier = make_factory({ENERGY: 10})
    this_year = make_factory({ENERGY: 11})
    IncidentReport.objects.create(unit=earlier, campaign=campaign(YEAR - 1), kind="safety",
                                  occurred_on=dt.date(YEAR, 1, 5), description="x", reported_by=gz_reviewer)
    IncidentReport.objects.create(unit=this_year, campaign=campaign(YEAR), kind="quality",
                                  occurred_on=dt.date(YEAR - 3, 1, 5), description="x", reported_by=gz_reviewer)
    run = scoring.run_cohort(YEAR, "national").run
    assert reasons(run) == {earlier.pk: "", this_year.pk: "incident"}


def test_a_removed_factory_without_a_filing_is_in_the_cohort_if_it_left_since_the_first_of_january(make_factory):
    make_factory({ENERGY: 10})
    on_the_day = make_factory(filed=False, status="removed", status_date=SINCE)
    undated = make_factory(filed=False, status="removed", status_date=None)
    the_day_before = make_factory(filed=False, status="removed", status_date=SINCE - dt.timedelta(days=1))
    run = scoring.run_cohort(YEAR, "national").run
    got = reasons(run)
    assert (got[on_the_day.pk], got[undated.pk]) == ("removed", "removed")
    assert the_day_before.pk not in got
    assert run.counts["reasons"] == {"removed": 2}


def test_a_removed_factory_that_filed_is_in_the_cohort_as_removed_whenever_it_left(make_factory):
    long_gone = make_factory({ENERGY: 10}, status="removed", status_date=dt.date(YEAR - 5, 6, 1))
    run = scoring.run_cohort(YEAR, "national").run
    assert reasons(run) == {long_gone.pk: "removed"}


def test_a_listed_factory_without_a_filing_counts_from_the_year_after_it_was_listed(make_factory):
    make_factory({ENERGY: 10})
    listed_last_year = make_factory(filed=False)  # the helper lists every factory in 2020
    Unit.objects.filter(pk=listed_last_year.pk).update(year_listed=YEAR - 1)
    listed_this_year = make_factory(filed=False)
    Unit.objects.filter(pk=listed_this_year.pk).update(year_listed=YEAR)
    run = scoring.run_cohort(YEAR, "national").run
    got = reasons(run)
    assert got[listed_last_year.pk] == "not_filed"
    assert listed_this_year.pk not in got


@pytest.mark.parametrize(("state", "reason"), [
    (FilingState.DRAFT, "not_filed"),  # a draft is not filed
    (FilingState.SUBMITTED, "irregular"),  # filed, not yet accepted
    (FilingState.RETURNED, "irregular"),
    (FilingState.ACCEPTED, ""),
])
def test_the_filing_state_decides_between_not_filed_irregular_and_graded(make_factory, state, reason):
    unit = make_factory({ENERGY: 10}, state=state)
    run = scoring.run_cohort(YEAR, "national").run
    assert reasons(run) == {unit.pk: reason}


@pytest.mark.parametrize(("verdict", "reason"), [
    (FlagVerdict.PENDING, "anomalous"),
    (FlagVerdict.REJECTED, "anomalous"),  # the city did not accept the value: still an anomaly
    (FlagVerdict.CONFIRMED, ""),
])
def test_a_flag_blocks_the_grade_until_the_city_confirms_the_value(make_factory, verdict, reason):
    unit = make_factory({ENERGY: 10, "co2_per_output": 5})
    DataFlag.objects.create(filing=unit.filings.get(), code="co2_per_output", kind=FlagKind.OUTLIER, value=5,
                            verdict=verdict)
    run = scoring.run_cohort(YEAR, "national").run
    assert reasons(run) == {unit.pk: reason}
