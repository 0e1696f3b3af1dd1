"""greencode/rules.py and the code-number and verification rules of greencode/services/codes.py.

The incident window is written twice on purpose (a Q for one unit, SQL for a whole cohort); the first tests
prove that the two agree at every edge of the window.
"""

import datetime as dt

import pytest

from greencode import rules
from greencode.enums import CodeStatus, NoCodeReason
from greencode.models import Score
from greencode.services import codes, scoring
from reviews.models import IncidentReport
from tests import factories

from .conftest import YEAR, campaign

pytestmark = pytest.mark.django_db


def _incident(unit, *, campaign_year=None, occurred_on=None):
    IncidentReport.objects.create(
        unit=unit, kind="environment", description="泄漏", reported_by=factories.province_user(),
        occurred_on=occurred_on or dt.date(YEAR, 6, 1),
        campaign=campaign(campaign_year) if campaign_year else None)


def _reasons(units) -> dict:
    run = scoring.run_cohort(YEAR, "national").run
    return dict(Score.objects.filter(run=run, unit__in=units).values_list("unit_id", "reason"))


@pytest.mark.parametrize(("campaign_year", "occurred_on", "blocks"), [
    (YEAR, None, True),                              # reported in that year's campaign
    (YEAR + 1, None, True),                          # or in a later one
    (YEAR - 1, None, False),                         # an earlier campaign's incident was dealt with then
    (None, dt.date(YEAR - 1, 1, 1), True),           # no campaign: an accident since 1 January of the data year
    (None, dt.date(YEAR - 2, 12, 31), False),        # ... and not the day before
])
def test_the_incident_window_is_the_same_for_one_unit_and_for_the_run(make_factory, campaign_year, occurred_on,
                                                                      blocks):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    _incident(units[0], campaign_year=campaign_year, occurred_on=occurred_on)
    assert rules.incident_blocks(units[0], YEAR) is blocks
    assert rules.incident_blocks(units[1], YEAR) is False  # another unit's incident does not count
    reasons = _reasons(units)
    assert reasons[units[0].pk] == (NoCodeReason.INCIDENT if blocks else "")
    assert reasons[units[1].pk] == ""


def test_the_incident_window_query_selects_exactly_the_reports_inside(db):
    unit = factories.UnitFactory()
    _incident(unit, campaign_year=YEAR)
    _incident(unit, campaign_year=YEAR - 1)
    _incident(unit, occurred_on=dt.date(YEAR - 1, 1, 1))
    _incident(unit, occurred_on=dt.date(YEAR - 2, 12, 31))
    inside = IncidentReport.objects.filter(rules.incident_window(YEAR)).order_by("pk")
    assert [(r.campaign.year if r.campaign else None, r.occurred_on) for r in inside] == [
        (YEAR, dt.date(YEAR, 6, 1)), (None, dt.date(YEAR - 1, 1, 1))]


# --- can_apply: the order of the reasons -----------------------------------------------------------------------

def test_can_apply_says_why_in_order_of_precedence(make_factory):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    run = scoring.run_cohort(YEAR, "national").run
    unit = units[0]
    score = Score.objects.get(run=run, unit=unit)
    user = factories.enterprise_user(unit)
    until = scoring.valid_until(YEAR)
    assert rules.can_apply(user, unit, YEAR, score=score, code=None, valid_until=until, today=until)
    expired = rules.can_apply(user, unit, YEAR, score=score, code=None, valid_until=until,
                              today=until + dt.timedelta(days=1))
    assert not expired and until.isoformat() in str(expired.reason)
    stranger = rules.can_apply(factories.enterprise_user(units[1]), unit, YEAR, score=score, code=None,
                               valid_until=until, today=until)
    assert not stranger
    no_score = rules.can_apply(user, unit, YEAR, score=None, code=None, valid_until=until, today=until)
    assert not no_score and str(NoCodeReason.NOT_FILED.label) in str(no_score.reason)


# --- code numbers ---------------------------------------------------------------------------------------------

def test_a_provincial_factorys_number_says_p_and_a_national_ones_n():
    assert codes.code_number(YEAR, "provincial").startswith(f"GD-{YEAR}-P")
    assert codes.code_number(YEAR, "national").startswith(f"GD-{YEAR}-N")
    number = codes.code_number(2031, "provincial")
    assert len(number) == len("GD-2031-P") + codes.RANDOM_LENGTH + 1
    assert codes.number_is_well_formed(number)


@pytest.mark.parametrize("number", [
    "GD-2024-N0000123", "GD-2024-P1234567",       # the format issued before, still verifying
])
def test_numbers_of_the_earlier_format_stay_well_formed(number):
    assert codes.number_is_well_formed(number)


@pytest.mark.parametrize("number", [
    "GD-2024-X0000123",            # neither N nor P
    "GX-2024-N0000123",            # not GD
    "GD-24-N0000123",              # a two-digit year
    "GD-２０２４-N0000123",        # full-width digits
    "GD-2024-N000012",             # six digits
    "GD-2024-N00001234",           # eight digits
    "GD-2024-N",                   # nothing after the level
    "GD-2024-N0000123-1",          # four parts
    "GD-2024-N２２２２２２２２２２２",  # full-width, the new format's length
    "GD-2024-N22222222221",        # '1' is not in the alphabet
    "GD-2024",
])
def test_malformed_numbers_are_refused_before_any_lookup(number, django_assert_num_queries):
    assert not codes.number_is_well_formed(number)
    with django_assert_num_queries(0):
        assert codes.verify(number=number).status == CodeStatus.UNKNOWN


def test_every_position_of_the_random_part_is_checked():
    body = "23456789AB"
    good = f"GD-{YEAR}-N{body}{codes.number_check(body)}"
    assert codes.number_is_well_formed(good)
    for i in range(len(body)):
        changed = body[:i] + ("C" if body[i] != "C" else "D") + body[i + 1:]
        assert not codes.number_is_well_formed(f"GD-{YEAR}-N{changed}{codes.number_check(body)}"), i


def test_the_check_character_weighs_each_position():
    # a weighted sum: swapping two different characters changes the check character
    assert codes.number_check("23456789AB") != codes.number_check("32456789AB")
    assert codes.number_check("2222222222") == codes.NUMBER_ALPHABET[0]
    assert codes.number_check("3222222222") == codes.NUMBER_ALPHABET[2]  # value 1 × weight 2


# --- verification: what a bank's program reads ---------------------------------------------------------------

def test_verification_json_of_a_valid_code_has_every_field(make_factory):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    scoring.run_cohort(YEAR, "national")
    code = codes.apply_for_code(factories.enterprise_user(units[0]), units[0], YEAR)
    result = codes.verify(number=code.number.lower() + "  ")
    assert result.as_json() == {
        "status": CodeStatus.VALID, "tampered": False, "number": code.number, "name": units[0].name,
        "credit_code": units[0].masked_credit_code, "grade": code.grade, "year": YEAR,
        "valid_until": code.valid_until.isoformat(), "revoked_at": None,
    }


def test_verification_json_of_a_revoked_code_says_when(make_factory):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    scoring.run_cohort(YEAR, "national")
    code = codes.apply_for_code(factories.enterprise_user(units[0]), units[0], YEAR)
    codes.revoke_unit_codes(units[0].pk, reason="事故")
    code.refresh_from_db()
    data = codes.verify(token=codes.sign(code)).as_json()
    assert (data["status"], data["number"], data["revoked_at"]) == (CodeStatus.REVOKED, code.number,
                                                                   code.revoked_at.isoformat())


def test_verification_json_of_an_unknown_or_tampered_code_reveals_nothing(make_factory):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    scoring.run_cohort(YEAR, "national")
    code = codes.apply_for_code(factories.enterprise_user(units[0]), units[0], YEAR)
    empty = {"number": None, "name": None, "credit_code": None, "grade": None, "year": None, "valid_until": None,
             "revoked_at": None}
    assert codes.verify(token="made.up.token").as_json() == {"status": CodeStatus.UNKNOWN, "tampered": True, **empty}
    assert codes.verify(number="").as_json() == {"status": CodeStatus.UNKNOWN, "tampered": False, **empty}
    assert codes.verify(number="GD-" + "2" * 40).status == CodeStatus.UNKNOWN
    codes.withdraw_code(factories.enterprise_user(units[0]), code)
    assert codes.verify(number=code.number).as_json() == {"status": CodeStatus.UNKNOWN, "tampered": False, **empty}


def test_status_of_a_code_on_its_last_day_and_the_day_after(make_factory):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    scoring.run_cohort(YEAR, "national")
    code = codes.apply_for_code(factories.enterprise_user(units[0]), units[0], YEAR)
    assert codes.status_of(code, today=code.valid_until) == CodeStatus.VALID
    assert codes.status_of(code, today=code.valid_until + dt.timedelta(days=1)) == CodeStatus.EXPIRED
    assert codes.status_of(None) == CodeStatus.UNKNOWN
