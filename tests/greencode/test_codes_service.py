"""greencode.services.codes, function by function: which score a code takes, what each move writes to the
history (run, time, reason), and the limits of what it stores. (Found by `make mutation`'s survivors.)"""

import datetime as dt

import pytest
from django.utils import translation

from greencode.enums import CodeState, CodeStatus
from greencode.models import GreenCode, GreenCodeEvent, Score
from greencode.services import codes, scoring
from reviews.models import Campaign, Filing, FilingIndicator
from tests import factories

from .conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(make_factory):
    """Three graded factories of YEAR's national cohort and the run that graded them."""
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    return units, scoring.run_cohort(YEAR, "national").run


def _next_year_run(units, values):
    """A run of YEAR + 1 (a later campaign) grading the same factories with other values."""
    later = Campaign.objects.create(year=YEAR + 1, filing_opens=dt.date(YEAR + 1, 1, 15),
                                    filing_due=dt.date(YEAR + 1, 3, 15), city_review_due=dt.date(YEAR + 1, 3, 31),
                                    province_report_due=dt.date(YEAR + 1, 4, 15))
    for unit, value in zip(units, values, strict=True):
        filing = Filing.objects.create(campaign=later, unit=unit, state="accepted", accepted_at=later.created_at)
        FilingIndicator.objects.create(filing=filing, code="energy_per_output", value=value)
    return scoring.run_cohort(YEAR + 1, "national").run


def test_current_score_of_a_year_and_the_newest_year(graded):
    units, run = graded
    later = _next_year_run(units, [30, 20, 10])  # the order reversed next year
    assert codes.current_score(units[0], YEAR) == Score.objects.get(run=run, unit=units[0])
    assert codes.current_score(units[0]) == Score.objects.get(run=later, unit=units[0])
    # a re-run of the earlier year finishing last does not make it the newest year
    rerun = scoring.run_cohort(YEAR, "national").run
    assert codes.current_score(units[0]) == Score.objects.get(run=later, unit=units[0])
    assert codes.current_score(units[0], YEAR) == Score.objects.get(run=rerun, unit=units[0])


def test_a_code_is_issued_on_its_own_years_score_and_record(graded):
    units, run = graded
    _next_year_run(units, [30, 20, 10])
    user = factories.enterprise_user(units[0])
    later_code = codes.apply_for_code(user, units[0], YEAR + 1)
    code = codes.apply_for_code(user, units[0], YEAR)
    assert code.pk != later_code.pk and code.year == YEAR
    assert code.score == Score.objects.get(run=run, unit=units[0])
    assert code.grade == code.score.grade != later_code.grade
    assert GreenCode.objects.get(pk=later_code.pk).state == CodeState.ISSUED
    event = code.events.get()
    assert (event.action, event.run, event.reason, event.actor, event.at) == ("issue", run, "", user, code.issued_at)
    assert (event.from_state, event.to_state, event.from_grade, event.to_grade) == ("", CodeState.ISSUED, "",
                                                                                   code.grade)


def test_withdrawal_and_revocation_are_recorded_at_the_moment_they_store(graded):
    units, _run = graded
    user = factories.enterprise_user(units[0])
    code = codes.withdraw_code(user, codes.apply_for_code(user, units[0], YEAR))
    withdrawal = code.events.get(action="withdraw")
    assert (withdrawal.at, withdrawal.reason) == (code.withdrawn_at, "")
    code = codes.apply_for_code(user, units[0], YEAR)
    assert codes.revoke_unit_codes(units[0].pk, reason="原" * 400) == 1
    code.refresh_from_db()
    revocation = code.events.get(action="revoke")
    assert code.revoked_reason == "原" * 300 and revocation.reason == "原" * 300
    assert revocation.at == code.revoked_at
    assert codes.revoke_unit_codes(units[0].pk, reason="again") == 0  # a revoked code is not revoked twice
    assert code.events.filter(action="revoke").count() == 1


def test_revocation_names_the_incident_and_the_removal_in_words(graded):
    units, _run = graded
    for unit in units[:2]:
        user = factories.enterprise_user(unit)
        codes.apply_for_code(user, unit, YEAR)
    with translation.override("en"):
        codes.revoke_unit_codes(units[0].pk, reason="incident")
        codes.revoke_unit_codes(units[1].pk, reason="removed")
    reasons = dict(GreenCode.objects.filter(unit__in=units[:2]).values_list("unit_id", "revoked_reason"))
    from greencode.enums import NoCodeReason

    with translation.override("en"):
        assert reasons == {units[0].pk: str(NoCodeReason.INCIDENT.label), units[1].pk: str(NoCodeReason.REMOVED.label)}


def test_reinstating_needs_a_reason_and_clears_the_revocation(graded):
    units, _run = graded
    user = factories.enterprise_user(units[0])
    code = codes.apply_for_code(user, units[0], YEAR)
    codes.revoke_unit_codes(units[0].pk, reason="事故")
    province = factories.province_user()
    for reason in (None, "", "   "):
        with translation.override("en"), pytest.raises(codes.CodeError, match="Give the reason for reinstating"):
            codes.reinstate_code(province, code, reason=reason)
    code = codes.reinstate_code(province, code, reason="核" * 600)
    assert (code.state, code.revoked_at, code.revoked_reason, code.withdrawn_at) == (CodeState.ISSUED, None, "", None)
    stored = GreenCode.objects.get(pk=code.pk)
    assert (stored.revoked_at, stored.revoked_reason) == (None, "")
    assert code.events.get(action="reinstate").reason == "核" * 500


def test_follow_run_with_no_code_changes_nothing(graded):
    _units, run = graded
    assert codes.follow_run(run) == 0
    assert not GreenCodeEvent.objects.exists()


def test_follow_run_moves_every_code_after_an_unchanged_one(make_factory):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(20)]
    scoring.run_cohort(YEAR, "national")
    first = codes.apply_for_code(factories.enterprise_user(units[19]), units[19], YEAR)  # B, stays B
    second = codes.apply_for_code(factories.enterprise_user(units[0]), units[0], YEAR)  # A+
    assert (first.grade, second.grade) == ("B", "A+")
    FilingIndicator.objects.filter(filing__unit=units[0]).update(value=100)  # now the worst: B
    run = scoring.run_cohort(YEAR, "national").run
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.grade == "B" and first.grade == "B"
    regrade = second.events.get(action="regrade")
    assert (regrade.run, regrade.reason, regrade.from_grade, regrade.to_grade) == (run, "", "A+", "B")
    assert first.score.run == run and not first.events.filter(action="regrade").exists()


def test_history_is_newest_first(graded):
    units, _run = graded
    user = factories.enterprise_user(units[0])
    code = codes.apply_for_code(user, units[0], YEAR)
    codes.withdraw_code(user, code)
    codes.apply_for_code(user, units[0], YEAR)
    events = list(codes.history(code))
    assert [e.action for e in events] == ["issue", "withdraw", "issue"]
    assert events[0].at >= events[1].at >= events[2].at
    assert events[0].pk > events[1].pk > events[2].pk  # newest first, also within the same instant


def test_a_withdrawn_codes_lookup_carries_no_code(graded):
    units, _run = graded
    user = factories.enterprise_user(units[0])
    code = codes.withdraw_code(user, codes.apply_for_code(user, units[0], YEAR))
    result = codes.verify(number=code.number)
    assert (result.status, result.code) == (CodeStatus.UNKNOWN, None)
