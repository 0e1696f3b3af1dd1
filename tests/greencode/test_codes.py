"""The codes service: one owner of a code's state, its history, and the rules of applying (findings 1 and 5)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from greencode import rules
from greencode.enums import CodeState, CodeStatus
from greencode.models import GreenCode, GreenCodeEvent
from greencode.services import codes, scoring
from registry import services as registry_services
from registry.enums import HistorySource
from reviews.models import Campaign
from reviews.services import incidents
from tests import factories

from .conftest import YEAR


def _graded(make_factory, n=20):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(n)]
    scoring.run_cohort(YEAR, "national")
    return units


def _events(code):
    return list(code.events.order_by("at", "id").values_list("action", "from_state", "to_state", "from_grade",
                                                            "to_grade"))


def test_codes_revoked_code_cannot_be_applied_for_again(make_factory):
    units = _graded(make_factory)
    user = factories.enterprise_user(units[0])
    code = codes.apply_for_code(user, units[0], YEAR)
    reviewer = factories.city_user("广州市")
    incidents.report_incident(units[0], kind="safety", occurred_on=timezone.localdate(), description="爆炸",
                              actor=reviewer, campaign=Campaign.objects.get(year=YEAR))
    code.refresh_from_db()
    assert code.state == CodeState.REVOKED
    with pytest.raises(codes.CodeError, match="只有省工业和信息化厅可以恢复|Only the provincial department"):
        codes.apply_for_code(user, units[0], YEAR)
    assert codes.verify(number=code.number).status == CodeStatus.REVOKED
    code.refresh_from_db()
    assert code.state == CodeState.REVOKED


def test_codes_withdrawn_then_revoked_stays_revoked(make_factory):
    units = _graded(make_factory)
    user = factories.enterprise_user(units[0])
    code = codes.apply_for_code(user, units[0], YEAR)
    codes.withdraw_code(user, code)
    codes.revoke_unit_codes(units[0].pk, reason="removed")
    with pytest.raises(codes.CodeError):
        codes.apply_for_code(user, units[0], YEAR)
    assert GreenCode.objects.get(pk=code.pk).state == CodeState.REVOKED


def test_codes_incident_blocks_a_new_code_of_a_past_year_too(make_factory):
    units = _graded(make_factory)
    reviewer = factories.city_user("广州市")
    incidents.report_incident(units[3], kind="environment", occurred_on=timezone.localdate(), description="泄漏",
                              actor=reviewer, campaign=Campaign.objects.get(year=YEAR))
    with pytest.raises(codes.CodeError, match="事故|accident"):
        codes.apply_for_code(factories.enterprise_user(units[3]), units[3], YEAR)
    assert not GreenCode.objects.filter(unit=units[3]).exists()


def test_codes_removed_unit_cannot_apply(make_factory):
    units = _graded(make_factory)
    registry_services.remove_unit(units[2], actor=None, reason="MIIT", source=HistorySource.MIIT_DECISION)
    with pytest.raises(codes.CodeError):
        codes.apply_for_code(factories.enterprise_user(units[2]), units[2], YEAR)


def test_codes_only_the_province_reinstates_and_only_with_a_reason(make_factory):
    units = _graded(make_factory)
    user = factories.enterprise_user(units[0])
    province = factories.province_user()
    code = codes.apply_for_code(user, units[0], YEAR)
    codes.revoke_unit_codes(units[0].pk, reason="incident", actor=province)
    with pytest.raises(PermissionDenied):
        codes.reinstate_code(user, code, reason="我们已整改")
    with pytest.raises(codes.CodeError):
        codes.reinstate_code(province, code, reason="  ")
    codes.reinstate_code(province, code, reason="事故报告经核实有误")
    code.refresh_from_db()
    assert (code.state, code.revoked_at, codes.status_of(code)) == (CodeState.ISSUED, None, CodeStatus.VALID)
    last = code.events.order_by("-at", "-id").first()
    assert (last.action, last.actor, last.reason) == ("reinstate", province, "事故报告经核实有误")


def test_codes_whole_life_is_in_the_history_and_nothing_is_overwritten(make_factory):
    units = _graded(make_factory)
    user = factories.enterprise_user(units[1])
    province = factories.province_user()
    code = codes.apply_for_code(user, units[1], YEAR)
    codes.withdraw_code(user, code)
    codes.apply_for_code(user, units[1], YEAR)
    codes.revoke_unit_codes(units[1].pk, reason="incident", actor=province)
    codes.reinstate_code(province, code, reason="核实有误")
    assert _events(code) == [
        ("issue", "", "issued", "", "A"),
        ("withdraw", "issued", "withdrawn", "A", "A"),
        ("issue", "withdrawn", "issued", "A", "A"),
        ("revoke", "issued", "revoked", "A", "A"),
        ("reinstate", "revoked", "issued", "A", "A"),
    ]
    actors = list(code.events.order_by("at", "id").values_list("actor", flat=True))
    assert actors == [user.pk, user.pk, user.pk, province.pk, province.pk]


def test_codes_a_new_run_regrades_with_history(make_factory):
    from decimal import Decimal

    from reviews.models import FilingIndicator

    units = _graded(make_factory)
    code = codes.apply_for_code(factories.enterprise_user(units[1]), units[1], YEAR)
    assert code.grade == "A"
    FilingIndicator.objects.filter(filing__unit=units[1], code="energy_per_output").update(value=Decimal(1))
    run = scoring.run_cohort(YEAR, "national").run
    code.refresh_from_db()
    assert code.grade == "A+"
    event = code.events.order_by("-at", "-id").first()
    assert (event.action, event.from_grade, event.to_grade, event.run_id, event.actor) == ("regrade", "A", "A+",
                                                                                             run.pk, None)


def test_codes_status_on_the_last_valid_day_and_the_day_after(make_factory):
    units = _graded(make_factory)
    code = codes.apply_for_code(factories.enterprise_user(units[0]), units[0], YEAR)
    assert codes.status_of(code, today=code.valid_until) == CodeStatus.VALID
    assert codes.status_of(code, today=code.valid_until + dt.timedelta(days=1)) == CodeStatus.EXPIRED


def test_codes_an_expired_year_cannot_be_applied_for_boundary(make_factory):
    units = _graded(make_factory)
    user = factories.enterprise_user(units[0])
    until = scoring.valid_until(YEAR)
    score = codes.current_score(units[0], YEAR)
    on_last_day = rules.can_apply(user, units[0], YEAR, score=score, code=None, valid_until=until, today=until)
    day_after = rules.can_apply(user, units[0], YEAR, score=score, code=None, valid_until=until,
                                today=until + dt.timedelta(days=1))
    assert (on_last_day.allowed, day_after.allowed) == (True, False)
    noon_after = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0, 1)))
    with pytest.raises(codes.CodeError):
        codes.apply_for_code(user, units[0], YEAR, now=noon_after)
    assert not GreenCode.objects.exists()


def test_codes_only_the_enterprise_applies_and_withdraws(make_factory):
    units = _graded(make_factory)
    other = factories.enterprise_user(units[5])
    with pytest.raises(codes.CodeError):
        codes.apply_for_code(other, units[0], YEAR)
    code = codes.apply_for_code(factories.enterprise_user(units[0]), units[0], YEAR)
    with pytest.raises(codes.CodeError):
        codes.withdraw_code(other, code)
    with pytest.raises(codes.CodeError):
        codes.withdraw_code(factories.province_user(), code)
    assert GreenCode.objects.get(pk=code.pk).state == CodeState.ISSUED


def test_codes_numbers_are_random_with_a_check_character(make_factory):
    units = _graded(make_factory)
    numbers = [codes.apply_for_code(factories.enterprise_user(u), u, YEAR).number for u in units[:8]]
    assert len(set(numbers)) == 8
    for unit, number in zip(units, numbers, strict=False):
        assert number.startswith(f"GD-{YEAR}-N")
        assert len(number) == len(f"GD-{YEAR}-N") + 11
        assert number != f"GD-{YEAR}-N{unit.pk:07d}"  # the old, walkable format is not issued any more
        assert codes.number_is_well_formed(number)
    body = numbers[0].split("-")[2][1:-1]
    wrong = next(ch for ch in codes.NUMBER_ALPHABET if ch != numbers[0][-1])
    assert not codes.number_is_well_formed(numbers[0][:-1] + wrong)
    assert codes.verify(number=numbers[0][:-1] + wrong).status == CodeStatus.UNKNOWN
    assert codes.number_check(body) == numbers[0][-1]


def test_codes_numbers_of_the_old_format_keep_verifying(make_factory):
    units = _graded(make_factory)
    code = codes.apply_for_code(factories.enterprise_user(units[0]), units[0], YEAR)
    old = f"GD-{YEAR}-N{units[0].pk:07d}"
    GreenCode.objects.filter(pk=code.pk).update(number=old)
    assert codes.verify(number=old.lower()).status == CodeStatus.VALID


def test_codes_check_character_is_a_weighted_sum():
    # 2×0 + 3×1 + … : each position has its own weight, so swapping two characters changes the check
    assert codes.number_check("23") != codes.number_check("32")
    assert codes.number_check("2222222222") == codes.NUMBER_ALPHABET[0]
    values = [codes.NUMBER_ALPHABET.index(c) for c in "ABCDEFGHJK"]
    expected = codes.NUMBER_ALPHABET[sum(v * (i + 2) for i, v in enumerate(values)) % 29]
    assert codes.number_check("ABCDEFGHJK") == expected


def test_codes_every_event_names_its_code_and_time(make_factory):
    units = _graded(make_factory, 3)
    code = codes.apply_for_code(factories.enterprise_user(units[0]), units[0], YEAR)
    event = GreenCodeEvent.objects.get(code=code)
    assert event.at == code.issued_at


def test_codes_revocation_touches_only_the_unit_concerned(make_factory):
    units = _graded(make_factory, 5)
    kept = codes.apply_for_code(factories.enterprise_user(units[1]), units[1], YEAR)
    gone = codes.apply_for_code(factories.enterprise_user(units[0]), units[0], YEAR)
    assert codes.revoke_unit_codes(units[0].pk, reason="removed") == 1
    assert GreenCode.objects.get(pk=gone.pk).state == CodeState.REVOKED
    assert GreenCode.objects.get(pk=kept.pk).state == CodeState.ISSUED
    assert not kept.events.filter(action="revoke").exists()
