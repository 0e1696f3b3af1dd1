"""greencode/rules.py predicate by predicate, each branch on both sides and in order of precedence, each answer
compared whole (test_rules.py covers the incident window against the scoring SQL and the code numbers).

Codes, scores, keys and consents are unsaved records here: the rules read only their fields. Units, people and
incident reports are real rows, since the rules ask the database about them.
"""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone, translation

from greencode import rules
from greencode.enums import CodeState, NoCodeReason
from greencode.models import GreenCode, Score
from greencode.models_institutions import ApiKey, Consent
from greenmfg.rules import ALLOWED, Decision
from registry.enums import UnitStatus
from reviews.models import IncidentReport
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
YEAR = 2025
UNTIL = dt.date(2026, 6, 30)

NOT_PROVINCE = Decision(False, "Only the provincial department can do this.")
NOT_APPLICANT = Decision(False, "Only the enterprise itself can apply for its green code.")
REMOVED = Decision(False, "No code can be issued: Removed from the list.")
INCIDENT = Decision(False, "No code can be issued: Under an incident report.")
ALREADY = Decision(False, "You have already applied for this code.")
EXPIRED = Decision(False, "The 2025 code expired on 2026-06-30; it can no longer be applied for.")


@pytest.fixture
def unit(db):
    return factories.UnitFactory()


@pytest.fixture
def owner(unit):
    return factories.enterprise_user(unit)


def code_in(unit, state, reason="") -> GreenCode:
    return GreenCode(unit=unit, year=YEAR, state=state, revoked_reason=reason)


def graded() -> Score:
    return Score(grade="A", reason="")


def incident(unit, occurred_on=dt.date(YEAR - 1, 1, 1)):
    IncidentReport.objects.create(unit=unit, kind="safety", description="事故", occurred_on=occurred_on,
                                  reported_by=factories.province_user())


def apply(user, unit, *, score=None, code=None, today=UNTIL):
    return rules.can_apply(user, unit, YEAR, score=score or graded(), code=code, valid_until=UNTIL, today=today)


# --- can_apply ----------------------------------------------------------------------------------------------

def test_can_apply_the_enterprise_with_a_graded_score_up_to_the_last_day(unit, owner):
    assert apply(owner, unit) == ALLOWED
    assert apply(owner, unit, today=UNTIL - dt.timedelta(days=365)) == ALLOWED
    assert apply(owner, unit, code=code_in(unit, CodeState.WITHDRAWN)) == ALLOWED  # re-applies after withdrawing


def test_can_apply_not_the_day_after_the_last(unit, owner):
    assert apply(owner, unit, today=UNTIL + dt.timedelta(days=1)) == EXPIRED


def test_can_apply_reads_beijings_day_when_no_day_is_given(unit, owner):
    today = timezone.localdate()
    assert rules.can_apply(owner, unit, YEAR, score=graded(), code=None, valid_until=today) == ALLOWED
    assert rules.can_apply(owner, unit, YEAR, score=graded(), code=None,
                           valid_until=today - dt.timedelta(days=1)) == Decision(
        False, f"The 2025 code expired on {today - dt.timedelta(days=1)}; it can no longer be applied for.")


def test_can_apply_only_the_enterprise_itself(unit):
    for user in (factories.province_user(), factories.city_user("广州市", "gz"),
                 factories.enterprise_user(factories.UnitFactory()), factories.UserFactory(username="nobody")):
        assert apply(user, unit) == NOT_APPLICANT
    # before anything else: even for a revoked code
    assert apply(factories.UserFactory(username="nobody"), unit, code=code_in(unit, CodeState.REVOKED, "事故")) \
        == NOT_APPLICANT


@pytest.mark.parametrize(("reason", "said"), [("重大安全事故", "重大安全事故"), ("", "no reason recorded")])
def test_can_apply_a_revoked_code_only_the_province_reinstates(unit, owner, reason, said):
    unit.status = UnitStatus.REMOVED  # the revocation is named before the removal
    assert apply(owner, unit, code=code_in(unit, CodeState.REVOKED, reason)) == Decision(
        False, f"This code was revoked ({said}). Only the provincial department can reinstate it.")


def test_can_apply_not_for_a_removed_unit_before_an_incident(owner):
    removed = factories.UnitFactory(enterprise=owner.memberships.get().enterprise, status=UnitStatus.REMOVED)
    incident(removed)
    assert apply(owner, removed) == REMOVED


@pytest.mark.parametrize(("occurred_on", "decision"), [
    (dt.date(YEAR - 1, 1, 1), INCIDENT),
    (dt.date(YEAR - 2, 12, 31), ALLOWED),
])
def test_can_apply_not_under_an_incident_of_the_window(unit, owner, occurred_on, decision):
    incident(unit, occurred_on)
    assert apply(owner, unit) == decision


def test_can_apply_an_incident_is_named_before_an_issued_code(unit, owner):
    incident(unit)
    assert apply(owner, unit, code=code_in(unit, CodeState.ISSUED)) == INCIDENT


def test_can_apply_once_the_issued_code_is_named_before_the_score(unit, owner):
    assert apply(owner, unit, code=code_in(unit, CodeState.ISSUED)) == ALREADY
    assert rules.can_apply(owner, unit, YEAR, score=None, code=code_in(unit, CodeState.ISSUED), valid_until=UNTIL,
                           today=UNTIL) == ALREADY


@pytest.mark.parametrize(("score", "said"), [
    (None, "Did not file (未填报)"),
    (Score(grade="", reason=NoCodeReason.IRREGULAR), "Filing returned or incomplete (填报不规范)"),
    (Score(grade="", reason=NoCodeReason.ANOMALOUS), "Unresolved data anomaly (数据异常)"),
    (Score(grade="", reason=NoCodeReason.NOT_FILED), "Did not file (未填报)"),
])
def test_can_apply_needs_a_graded_score_and_says_why_not_before_the_date(unit, owner, score, said):
    answer = rules.can_apply(owner, unit, YEAR, score=score, code=None, valid_until=UNTIL,
                             today=UNTIL + dt.timedelta(days=1))
    assert answer == Decision(False, f"No code can be issued for 2025: {said}.")


# --- can_withdraw and can_reinstate ------------------------------------------------------------------------------

def test_can_withdraw_an_issued_code_by_the_enterprise(unit, owner):
    assert rules.can_withdraw(owner, code_in(unit, CodeState.ISSUED)) == ALLOWED


@pytest.mark.parametrize(("state", "label"), [(CodeState.WITHDRAWN, "Withdrawn by the enterprise"),
                                              (CodeState.REVOKED, "Revoked")])
def test_can_withdraw_only_an_issued_code(unit, owner, state, label):
    assert rules.can_withdraw(owner, code_in(unit, state)) == Decision(
        False, f"Only an issued code can be withdrawn; this one is “{label}”.")


@pytest.mark.parametrize("state", CodeState.values)
def test_can_withdraw_only_the_enterprise_itself(unit, state):
    assert rules.can_withdraw(factories.city_user("广州市", "gz"), code_in(unit, state)) == Decision(
        False, "Only the enterprise itself can withdraw its green code.")


def test_can_reinstate_a_revoked_code_of_a_listed_unit_by_the_province(unit):
    assert rules.can_reinstate(factories.province_user(), code_in(unit, CodeState.REVOKED)) == ALLOWED


@pytest.mark.parametrize("state", CodeState.values)
def test_can_reinstate_only_the_province(unit, owner, state):
    for user in (owner, factories.city_user("广州市", "gz")):
        assert rules.can_reinstate(user, code_in(unit, state)) == NOT_PROVINCE


@pytest.mark.parametrize("status", UnitStatus.values)
@pytest.mark.parametrize("state", [CodeState.ISSUED, CodeState.WITHDRAWN])
def test_can_reinstate_only_a_revoked_code(state, status):
    unit = factories.UnitFactory(status=status)
    assert rules.can_reinstate(factories.province_user(), code_in(unit, state)) == Decision(
        False, "Only a revoked code can be reinstated.")


def test_can_reinstate_not_for_a_removed_unit():
    removed = factories.UnitFactory(status=UnitStatus.REMOVED)
    assert rules.can_reinstate(factories.province_user(), code_in(removed, CodeState.REVOKED)) == Decision(
        False, "The unit is no longer on the list, so its code cannot be reinstated.")


# --- institutions, keys and consent --------------------------------------------------------------------------------

def test_can_manage_institutions_only_the_province(unit, owner):
    assert rules.can_manage_institutions(factories.province_user()) == ALLOWED
    for user in (owner, factories.city_user("广州市", "gz")):
        assert rules.can_manage_institutions(user) == Decision(
            False, "Only the provincial department registers institutions and issues their API keys.")


def test_key_usable():
    assert rules.key_usable(ApiKey()) == ALLOWED
    assert rules.key_usable(None) == Decision(False, "The API key is missing or wrong. Send it in the X-API-Key header.")


@pytest.mark.parametrize(("revoked_at", "day"), [
    (dt.datetime(2025, 3, 20, 15, 59, tzinfo=dt.UTC), "2025-03-20"),
    (dt.datetime(2025, 3, 20, 16, 0, tzinfo=dt.UTC), "2025-03-21"),   # midnight in Beijing
])
def test_key_usable_not_once_revoked_naming_the_day_in_beijing(revoked_at, day):
    assert rules.key_usable(ApiKey(revoked_at=revoked_at)) == Decision(
        False, f"This API key was revoked on {day}. Ask the provincial department for a new one.")


def test_can_grant_consent_only_the_enterprise_itself(unit, owner):
    assert rules.can_grant_consent(owner, unit) == ALLOWED
    for user in (factories.province_user(), factories.city_user("广州市", "gz")):
        assert rules.can_grant_consent(user, unit) == Decision(
            False, "Only the enterprise itself can share its scorecard or withdraw access.")


GRANTED = dt.datetime(2025, 5, 1, 2, 0, tzinfo=dt.UTC)    # 10:00 in Beijing
EXPIRES = dt.datetime(2025, 5, 31, 16, 0, tzinfo=dt.UTC)  # 1 June, 00:00 in Beijing
SECOND = dt.timedelta(seconds=1)
NOT_STARTED = Decision(False, "This access has not started yet.")
ENDED = Decision(False, "This access expired on 2025-06-01 00:00.")
USED = Decision(False, "This one-time link has already been used.")


def consent(*, institution_id=7, withdrawn_at=None, used_at=None) -> Consent:
    return Consent(institution_id=institution_id, granted_at=GRANTED, expires_at=EXPIRES, withdrawn_at=withdrawn_at,
                   used_at=used_at)


@pytest.mark.parametrize(("at", "decision"), [
    (GRANTED - SECOND, NOT_STARTED),
    (GRANTED, ALLOWED),
    (EXPIRES - SECOND, ALLOWED),
    (EXPIRES, ENDED),
    (EXPIRES + dt.timedelta(days=30), ENDED),
])
def test_consent_is_open_from_its_grant_until_just_before_it_expires(at, decision):
    assert rules.consent_is_open(consent(), at) == decision


WITHDRAWN_AT = dt.datetime(2025, 5, 10, 16, 30, tzinfo=dt.UTC)  # 11 May, 00:30 in Beijing
WITHDRAWN = Decision(False, "The enterprise withdrew this access on 2025-05-11 00:30.")


@pytest.mark.parametrize(("at", "decision"), [
    (WITHDRAWN_AT - SECOND, ALLOWED),
    (WITHDRAWN_AT, WITHDRAWN),
    (EXPIRES, WITHDRAWN),      # named before the expiry
])
def test_consent_is_open_until_withdrawn(at, decision):
    assert rules.consent_is_open(consent(withdrawn_at=WITHDRAWN_AT), at) == decision


def test_a_withdrawal_before_the_grant_is_named_before_the_start():
    assert rules.consent_is_open(consent(withdrawn_at=GRANTED - 2 * SECOND), GRANTED - SECOND) == Decision(
        False, "The enterprise withdrew this access on 2025-05-01 09:59.")


@pytest.mark.parametrize(("institution_id", "used_at", "at", "decision"), [
    (None, None, GRANTED, ALLOWED),
    (None, GRANTED, GRANTED + SECOND, USED),           # a one-time link, once
    (7, GRANTED, GRANTED + SECOND, ALLOWED),           # an institution's consent is used again and again
    (None, GRANTED, EXPIRES, ENDED),                    # the expiry is named first
])
def test_consent_is_open_a_one_time_link_once(institution_id, used_at, at, decision):
    assert rules.consent_is_open(consent(institution_id=institution_id, used_at=used_at), at) == decision


# --- in Chinese, the portal's language ---------------------------------------------------------------------------

def test_the_reasons_are_said_in_chinese(unit, owner):
    with translation.override("zh-hans"):
        assert apply(owner, unit, code=code_in(unit, CodeState.REVOKED)) == Decision(
            False, "该绿码已被撤销（未记录原因），只有省工业和信息化厅可以恢复。")
        assert apply(owner, unit, code=code_in(unit, CodeState.ISSUED)) == Decision(False, "您已申领该绿码。")
        assert rules.consent_is_open(consent(), EXPIRES) == Decision(False, "此授权已于 2025-06-01 00:00 到期。")
