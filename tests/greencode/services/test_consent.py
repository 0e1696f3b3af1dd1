"""The enterprise's consent: granted by the enterprise only, open from its grant until just before it expires,
closed by a withdrawal, a one-time link used once; each look recorded."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from greencode.models import ConsentAccess
from greencode.services import consent
from tests.greencode.code_helpers import current_code
from tests.greencode.institution_helpers import institution_with_key

pytestmark = pytest.mark.django_db


def test_consent_grant_by_the_enterprise_for_n_days(make_factory):
    user, code = current_code(make_factory)
    _province, institution, _key, _raw = institution_with_key()
    now = timezone.now()
    grant, token = consent.grant(user, code.unit, institution=institution, days=30, now=now)
    assert (grant.granted_at, grant.expires_at, grant.granted_by, token) == (
        now, now + dt.timedelta(days=30), user, "")


def test_consent_grant_by_anyone_else_is_refused(make_factory):
    _user, code = current_code(make_factory)
    province, institution, _key, _raw = institution_with_key()
    with pytest.raises(PermissionDenied, match="只有企业本身可以授权查看其评分详情或撤回授权。"):
        consent.grant(province, code.unit, institution=institution, days=30)


@pytest.mark.parametrize(("days", "refused"), [(0, True), (1, False), (365, False), (366, True)])
def test_consent_grant_duration_from_1_to_365_days(make_factory, days, refused):
    user, code = current_code(make_factory)
    _province, institution, _key, _raw = institution_with_key()
    if refused:
        with pytest.raises(consent.ConsentError):
            consent.grant(user, code.unit, institution=institution, days=days)
    else:
        assert consent.grant(user, code.unit, institution=institution, days=days)[0].pk is not None


def test_consent_use_answers_the_scorecard_and_records_the_look(make_factory):
    user, code = current_code(make_factory)
    _province, institution, key, _raw = institution_with_key()
    grant, _token = consent.grant(user, code.unit, institution=institution, days=1)
    decision, card = consent.for_institution(key, code.number, address="10.0.0.1")
    assert (decision.allowed, card["number"], card["grade"]) == (True, code.number, code.score.grade)
    assert list(ConsentAccess.objects.values_list("consent_id", "key_id", "via", "address")) == [
        (grant.pk, key.pk, "api", "10.0.0.1")]


def test_consent_expiry_boundary_open_one_second_before_closed_at_expiry(make_factory):
    user, code = current_code(make_factory)
    _province, institution, key, _raw = institution_with_key()
    grant, _token = consent.grant(user, code.unit, institution=institution, days=1)
    before, at = grant.expires_at - dt.timedelta(seconds=1), grant.expires_at
    assert consent.for_institution(key, code.number, now=before)[0].allowed is True
    decision, card = consent.for_institution(key, code.number, now=at)
    assert (decision.allowed, card) == (False, None)
    local = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    assert decision.reason == f"此授权已于 {local} 到期。"
    assert ConsentAccess.objects.count() == 1


def test_consent_withdrawal_closes_access_at_once(make_factory):
    user, code = current_code(make_factory)
    _province, institution, key, _raw = institution_with_key()
    grant, _token = consent.grant(user, code.unit, institution=institution, days=30)
    consent.withdraw(user, grant)
    decision, card = consent.for_institution(key, code.number)
    assert (decision.allowed, card) == (False, None)
    assert decision.reason.startswith("企业已于")
    with pytest.raises(consent.ConsentError):
        consent.withdraw(user, grant)


def test_consent_for_another_institution_does_not_open(make_factory):
    user, code = current_code(make_factory)
    _province, institution, _key, _raw = institution_with_key()
    _p2, _other, other_key, _raw2 = institution_with_key(name="另一银行", username="inst_prov2")
    consent.grant(user, code.unit, institution=institution, days=30)
    decision, _card = consent.for_institution(other_key, code.number)
    assert (decision.allowed, decision.reason) == (False, "企业尚未授权贵机构查看其评分详情。")


def test_consent_a_new_grant_reopens_after_a_withdrawal(make_factory):
    user, code = current_code(make_factory)
    _province, institution, key, _raw = institution_with_key()
    first, _t = consent.grant(user, code.unit, institution=institution, days=30)
    consent.withdraw(user, first)
    second, _t = consent.grant(user, code.unit, institution=institution, days=5)
    assert consent.for_institution(key, code.number)[0].allowed is True
    assert list(ConsentAccess.objects.values_list("consent_id", flat=True)) == [second.pk]


def test_consent_one_time_link_opens_once_and_not_after_expiry(make_factory):
    user, code = current_code(make_factory)
    grant, token = consent.grant(user, code.unit, institution=None, days=1)
    late = grant.expires_at
    assert consent.open_link(token, now=late)[0].allowed is False
    decision, card, _c = consent.open_link(token)
    assert (decision.allowed, card["number"]) == (True, code.number)
    assert consent.open_link(token)[0].reason == "此一次性链接已被使用过。"
    assert consent.open_link(token[:-1] + ("A" if token[-1] != "A" else "B"))[0].reason == "此链接无效。"


def test_consent_withdrawn_link_does_not_open(make_factory):
    user, code = current_code(make_factory)
    grant, token = consent.grant(user, code.unit, institution=None, days=1)
    consent.withdraw(user, grant)
    assert consent.open_link(token)[0].allowed is False
