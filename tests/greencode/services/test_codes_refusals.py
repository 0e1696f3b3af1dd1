"""Each action on a green code from each state, through the codes service: what happens, or the exact reason the
enterprise or the province is given. A revoked code is refused with its revocation's reason (not some later
rule's), whatever else holds."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from greencode.enums import CodeState
from greencode.models import GreenCode
from greencode.services import codes, scoring
from tests import factories
from tests.greencode.conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(make_factory):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    scoring.run_cohort(YEAR, "national")
    user = factories.enterprise_user(units[0])
    return user, codes.apply_for_code(user, units[0], YEAR)


def outcome(act) -> str:
    with translation.override("zh-hans"):
        try:
            return f"done: {act().state}"
        except (codes.CodeError, PermissionDenied) as exc:
            return str(exc)


def put(code, state, **fields):
    GreenCode.objects.filter(pk=code.pk).update(state=state, **fields)
    code.refresh_from_db()
    return code


def test_codes_each_action_from_each_state(issued):
    user, code = issued
    province = factories.province_user()
    actions = {
        "apply": lambda: codes.apply_for_code(user, code.unit, YEAR),
        "withdraw": lambda: codes.withdraw_code(user, code),
        "reinstate": lambda: codes.reinstate_code(province, code, reason="核实有误"),
    }
    found = {}
    for state in (CodeState.ISSUED, CodeState.WITHDRAWN, CodeState.REVOKED):
        for name, act in actions.items():
            put(code, state, revoked_reason="发生事故" if state == CodeState.REVOKED else "")
            found[(state, name)] = outcome(act)

    assert found == {
        ("issued", "apply"): "您已申领该绿码。",
        ("issued", "withdraw"): "done: withdrawn",
        ("issued", "reinstate"): "只能恢复已撤销的绿码。",
        ("withdrawn", "apply"): "done: issued",
        ("withdrawn", "withdraw"): "只能撤回已发放的绿码；该绿码当前为“企业已撤回”。",
        ("withdrawn", "reinstate"): "只能恢复已撤销的绿码。",
        ("revoked", "apply"): "该绿码已被撤销（发生事故），只有省工业和信息化厅可以恢复。",
        ("revoked", "withdraw"): "只能撤回已发放的绿码；该绿码当前为“已撤销”。",
        ("revoked", "reinstate"): "done: issued",
    }


def test_codes_a_revoked_code_is_refused_with_its_reason_even_when_nothing_else_would_refuse(issued):
    user, code = issued
    put(code, CodeState.REVOKED, revoked_reason="")  # listed, no incident, a grade: only the revocation stands

    assert outcome(lambda: codes.apply_for_code(user, code.unit, YEAR)) == "该绿码已被撤销（未记录原因），只有省工业和信息化厅可以恢复。"
    assert GreenCode.objects.get(pk=code.pk).state == CodeState.REVOKED
    assert code.events.filter(action="issue").count() == 1
