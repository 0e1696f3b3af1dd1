"""A score's references (run, unit, industry) have no database foreign keys (greencode.models.Score: the run's
INSERT … SELECT writes them right by construction, and the per-row checks cost 0.9 s at 100,000 factories).
The deletion rules stay, applied by Django; these tests prove each one, and that a run's references are real."""

import pytest
from django.db.models import ProtectedError

from greencode.enums import NoCodeReason
from greencode.models import Score, ScoreRun
from greencode.services import scoring
from registry.models import Industry, Unit

from .conftest import YEAR


@pytest.fixture
def run(make_factory):
    for value in (10, 12, 14):
        make_factory({"energy_per_output": value})
    return scoring.run_cohort(YEAR, "national").run


def test_every_score_names_a_real_unit_industry_and_run(run):
    scores = list(Score.objects.filter(run=run).values_list("unit_id", "industry_id", "run_id"))
    assert len(scores) == 3
    assert {u for u, _i, _r in scores} == set(Unit.objects.values_list("pk", flat=True))
    assert {i for _u, i, _r in scores} <= set(Industry.objects.values_list("pk", flat=True))
    assert {r for _u, _i, r in scores} == {run.pk}


def test_deleting_a_run_deletes_its_scores(run):
    ScoreRun.objects.filter(pk=run.pk).delete()
    assert Score.objects.count() == 0


def test_deleting_a_unit_deletes_its_scores_only(make_factory):
    for value in (10, 12):
        make_factory({"energy_per_output": value})
    unfiled = make_factory(filed=False)  # listed, not filed: a score row with its no-code reason, no filing
    run = scoring.run_cohort(YEAR, "national").run
    assert Score.objects.get(run=run, unit=unfiled).reason == NoCodeReason.NOT_FILED
    unfiled.delete()
    assert Score.objects.filter(run=run).count() == 2
    assert not Score.objects.filter(unit_id=unfiled.pk).exists()


def test_an_industry_that_scores_name_cannot_be_deleted(run):
    industry = Score.objects.filter(run=run).first().industry
    with pytest.raises(ProtectedError):
        industry.delete()
    assert Industry.objects.filter(pk=industry.pk).exists()
    assert Score.objects.filter(run=run).count() == 3
