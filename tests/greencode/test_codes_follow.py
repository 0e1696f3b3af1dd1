"""greencode.services.codes.follow_run: a run moves only the issued codes of its own cohort, and says why."""

import pytest
from django.utils import timezone, translation

from greencode.enums import CodeState
from greencode.models import GreenCode, GreenCodeEvent, Score
from greencode.services import codes, scoring
from reviews.models import Filing
from tests import factories

from .conftest import YEAR, campaign

pytestmark = pytest.mark.django_db


def _issued(unit, year=YEAR):
    return codes.apply_for_code(factories.enterprise_user(unit, f"e{unit.pk}-{year}"), unit, year)


def test_a_run_leaves_other_years_other_levels_and_withdrawn_codes_alone(make_factory):
    campaign(YEAR - 1)
    national = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    provincial = [make_factory({"energy_per_output": 10 + i}, level="provincial") for i in range(3)]
    last_year = [make_factory({"energy_per_output": 10 + i}, year=YEAR - 1) for i in range(3)]
    for year, level in ((YEAR, "national"), (YEAR, "provincial"), (YEAR - 1, "national")):
        scoring.run_cohort(year, level)
    mine, withdrawn = _issued(national[0]), _issued(national[1])
    codes.withdraw_code(factories.enterprise_user(national[1], "w"), withdrawn)
    # last year's code has expired by now: it stands as the codes service left it then
    old = GreenCode.objects.create(unit=last_year[0], year=YEAR - 1, number=codes.code_number(YEAR - 1, "national"),
                                   grade="A", state=CodeState.ISSUED, valid_until=scoring.valid_until(YEAR - 1),
                                   issued_at=timezone.now(),
                                   score=Score.objects.get(unit=last_year[0], run__year=YEAR - 1))
    others = [_issued(provincial[0]), old]
    # every factory's filing is withdrawn from the cohort's reach: the next national run of YEAR grades nobody
    Filing.objects.filter(unit__in=national + provincial + last_year).delete()
    before = {c.pk: (c.state, c.grade) for c in GreenCode.objects.all()}
    run = scoring.run_cohort(YEAR, "national").run
    after = {c.pk: (c.state, c.grade) for c in GreenCode.objects.all()}
    assert after[mine.pk][0] == CodeState.REVOKED
    assert after[withdrawn.pk] == before[withdrawn.pk] == (CodeState.WITHDRAWN, withdrawn.grade)
    for other in others:
        assert after[other.pk] == before[other.pk]
    assert list(GreenCodeEvent.objects.filter(run=run).values_list("code_id", flat=True)) == [mine.pk]


def test_a_code_whose_factory_left_the_cohort_is_revoked_with_that_reason(make_factory):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    scoring.run_cohort(YEAR, "national")
    code = _issued(units[0])
    Filing.objects.filter(unit=units[0]).delete()
    type(units[0]).objects.filter(pk=units[0].pk).update(year_listed=YEAR)  # listed this year, not filed: not due
    with translation.override("en"):
        run = scoring.run_cohort(YEAR, "national").run
    code.refresh_from_db()
    assert not Score.objects.filter(run=run, unit=units[0]).exists()
    assert (code.state, code.revoked_reason) == (CodeState.REVOKED, "Not in the cohort any more")
    event = code.events.get(action="revoke")
    assert (event.run, event.from_state, event.to_state, event.reason) == (
        run, CodeState.ISSUED, CodeState.REVOKED, "Not in the cohort any more")
    assert code.revoked_at == event.at


def test_a_code_whose_factory_lost_its_grade_is_revoked_with_the_runs_reason(make_factory):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    scoring.run_cohort(YEAR, "national")
    code = _issued(units[0])
    Filing.objects.filter(unit=units[0]).update(state="returned")
    run = scoring.run_cohort(YEAR, "national").run
    code.refresh_from_db()
    reason = Score.objects.get(run=run, unit=units[0]).reason
    assert reason and code.state == CodeState.REVOKED
    assert code.revoked_reason == str(Score.objects.get(run=run, unit=units[0]).get_reason_display())


def test_an_unchanged_grade_moves_the_code_to_the_new_score_without_an_event(make_factory):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    scoring.run_cohort(YEAR, "national")
    code = _issued(units[0])
    events = code.events.count()
    run = scoring.run_cohort(YEAR, "national").run
    code.refresh_from_db()
    assert code.score == Score.objects.get(run=run, unit=units[0])
    assert code.events.count() == events
    assert codes.follow_run(run) == 0
