"""greencode/services/consent.py at its edges. The one-time link: a token is looked up by its first 12
characters (12 are enough, 11 are not), among several links only its own consent answers it and never an
institution's, a withdrawn code or no code at all is no scorecard, each look recorded exactly (via "link", the
address cut at 64 characters, "" when none is given). A withdrawal audited with its actor and refused twice. The
scorecard of the code's own year, with the next cut and the gap. An institution's look: an unknown or withdrawn
code is no code, another unit's consent opens nothing, a code without a score has no scorecard."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from greencode.models import Consent, ConsentAccess
from greencode.services import codes, consent, scoring
from greencode.services.institutions import digest
from registry.enums import Level
from registry.models import Unit
from reviews import audit
from reviews.enums import FilingState
from reviews.models import Filing, FilingIndicator
from tests import factories
from tests.greencode.code_helpers import current_code
from tests.greencode.conftest import YEAR, campaign
from tests.greencode.institution_helpers import institution_with_key

pytestmark = pytest.mark.django_db

NOT_VALID = "此链接无效。"
NO_CARD = "该企业没有带评分详情的绿码。"


def link_with_token(user, unit, token: str) -> Consent:
    """A one-day link whose token is `token`: grant draws 43 characters, the lookup takes any token of 12 or
    more, by its first 12 and its digest."""
    grant, _token = consent.grant(user, unit, institution=None, days=1)
    Consent.objects.filter(pk=grant.pk).update(link_prefix=token[:12], link_hashed=digest(token))
    return grant


def looks():
    return list(ConsentAccess.objects.order_by("id").values_list("consent_id", "at", "key_id", "via", "address"))


def test_open_link_records_the_look_via_link_with_the_address_cut_at_64_characters(make_factory):
    user, code = current_code(make_factory)
    grant, token = consent.grant(user, code.unit, institution=None, days=1)
    now = grant.granted_at + dt.timedelta(hours=1)
    decision, card, opened = consent.open_link(token, now=now, address="1" * 64 + "2")
    assert (decision.allowed, card["number"], opened.pk) == (True, code.number, grant.pk)
    assert looks() == [(grant.pk, now, None, "link", "1" * 64)]
    grant.refresh_from_db()
    assert grant.used_at == now


def test_open_link_without_an_address_records_an_empty_one(make_factory):
    user, code = current_code(make_factory)
    grant, token = consent.grant(user, code.unit, institution=None, days=1)
    assert consent.open_link(token)[0].allowed is True
    assert [(consent_id, via, address) for consent_id, _at, _key, via, address in looks()] == [
        (grant.pk, "link", "")]


def test_open_link_a_token_of_exactly_12_characters_is_looked_up(make_factory):
    user, code = current_code(make_factory)
    grant = link_with_token(user, code.unit, "abcdefghijkl")
    decision, card, opened = consent.open_link(" abcdefghijkl ")
    assert (decision.allowed, card["number"], opened.pk) == (True, code.number, grant.pk)


def test_open_link_a_token_of_11_characters_is_never_looked_up(make_factory):
    user, code = current_code(make_factory)
    grant = link_with_token(user, code.unit, "abcdefghijk")
    decision, card, opened = consent.open_link("abcdefghijk")
    assert (decision.allowed, decision.reason, card, opened) == (False, NOT_VALID, None, None)
    grant.refresh_from_db()
    assert (grant.used_at, looks()) == (None, [])


def test_open_link_an_older_link_is_found_by_its_own_prefix_among_newer_ones(make_factory):
    user, code = current_code(make_factory)
    t0 = timezone.now()
    older, token = consent.grant(user, code.unit, institution=None, days=1, now=t0)
    consent.grant(user, code.unit, institution=None, days=1, now=t0 + dt.timedelta(seconds=1))
    decision, _card, opened = consent.open_link(token, now=t0 + dt.timedelta(seconds=2))
    assert (decision.allowed, opened.pk) == (True, older.pk)


def test_open_link_takes_only_a_links_consent_never_an_institutions_with_the_same_prefix(make_factory):
    user, code = current_code(make_factory)
    _province, institution, _key, _raw = institution_with_key()
    t0 = timezone.now()
    link, token = consent.grant(user, code.unit, institution=None, days=1, now=t0)
    named, _none = consent.grant(user, code.unit, institution=institution, days=1, now=t0 + dt.timedelta(seconds=1))
    Consent.objects.filter(pk=named.pk).update(link_prefix=token[:12])
    decision, _card, opened = consent.open_link(token, now=t0 + dt.timedelta(seconds=2))
    assert (decision.allowed, opened.pk) == (True, link.pk)


def test_open_link_of_an_enterprise_whose_code_is_withdrawn_shows_no_scorecard(make_factory):
    user, code = current_code(make_factory)
    grant, token = consent.grant(user, code.unit, institution=None, days=1)
    codes.withdraw_code(user, code)
    decision, card, opened = consent.open_link(token)
    assert (decision.allowed, decision.reason, card, opened.pk) == (False, NO_CARD, None, grant.pk)
    grant.refresh_from_db()
    assert (grant.used_at, looks()) == (None, [])


def test_open_link_of_an_enterprise_without_any_code_shows_no_scorecard(make_factory):
    unit = make_factory({"energy_per_output": 10})
    user = factories.enterprise_user(unit)
    grant, token = consent.grant(user, unit, institution=None, days=1)
    decision, card, opened = consent.open_link(token)
    assert (decision.allowed, decision.reason, card, opened.pk) == (False, NO_CARD, None, grant.pk)
    grant.refresh_from_db()
    assert (grant.used_at, looks()) == (None, [])


# --- withdrawal ---------------------------------------------------------------------------------------------

def test_withdraw_is_audited_with_the_enterprise_as_actor_and_refused_the_second_time(make_factory):
    user, code = current_code(make_factory)
    grant, _token = consent.grant(user, code.unit, institution=None, days=1)
    withdrawn = consent.withdraw(user, grant)
    assert list(audit.history(grant).values_list("action", "actor")) == [
        ("consent_withdrawn", user.pk), ("consent_granted", user.pk)]
    grant.refresh_from_db()
    assert (grant.withdrawn_at, grant.withdrawn_by) == (withdrawn.withdrawn_at, user)
    with pytest.raises(consent.ConsentError) as refused:
        consent.withdraw(user, grant)
    assert str(refused.value) == "此授权已经撤回。"


# --- the scorecard ------------------------------------------------------------------------------------------

def test_scorecard_of_a_b_grade_code_gives_the_next_cut_and_the_gap(make_factory):
    _user, code = current_code(make_factory, index=2)  # the worst of three: B
    card = consent.scorecard(code)
    assert (card["status"], card["grade"], card["composite"], card["next_grade"], card["next_cut"], card["gap"]) == (
        "valid", "B", 1.9444, "A", 5.8333, 3.8889)
    assert card["indicators"][0] == {"code": "energy_per_output", "label": "单位产值综合能耗", "points": 16.6667,
                                     "weight": 11.7, "peer_group": "cohort", "peers": 3, "needed": 50.0}


def test_scorecard_is_the_codes_years_score_not_a_newer_years(make_factory):
    _user, code = current_code(make_factory, index=2)
    filing = Filing.objects.create(campaign=campaign(YEAR + 1), unit=code.unit, state=FilingState.ACCEPTED,
                                   accepted_at=timezone.now())
    FilingIndicator.objects.create(filing=filing, code="energy_per_output", value=Decimal("1"))
    scoring.run_cohort(YEAR + 1, "national")
    card = consent.scorecard(code)
    assert (card["year"], card["grade"], card["composite"]) == (YEAR, "B", 1.9444)


# --- an institution's look ----------------------------------------------------------------------------------

def test_for_institution_an_unknown_number_is_no_such_code(make_factory):
    _province, _institution, key, _raw = institution_with_key()
    decision, card = consent.for_institution(key, "GD-2024-N0000001")
    assert (decision.allowed, decision.reason, card, looks()) == (False, "没有这个绿码。", None, [])


def test_for_institution_a_withdrawn_code_is_no_such_code_even_under_an_open_consent(make_factory):
    user, code = current_code(make_factory)
    _province, institution, key, _raw = institution_with_key()
    consent.grant(user, code.unit, institution=institution, days=30)
    codes.withdraw_code(user, code)
    decision, card = consent.for_institution(key, code.number)
    assert (decision.allowed, decision.reason, card, looks()) == (False, "没有这个绿码。", None, [])


def test_for_institution_a_consent_for_another_unit_does_not_open_this_one(make_factory):
    _user, code = current_code(make_factory)
    _province, institution, key, _raw = institution_with_key()
    other = make_factory({"energy_per_output": 20})
    consent.grant(factories.enterprise_user(other), other, institution=institution, days=30)
    decision, card = consent.for_institution(key, code.number)
    assert (decision.allowed, decision.reason, card, looks()) == (
        False, "企业尚未授权贵机构查看其评分详情。", None, [])


def test_for_institution_records_the_address_cut_at_64_characters_and_none_as_empty(make_factory):
    user, code = current_code(make_factory)
    _province, institution, key, _raw = institution_with_key()
    grant, _token = consent.grant(user, code.unit, institution=institution, days=30)
    now = grant.granted_at + dt.timedelta(hours=1)
    consent.for_institution(key, code.number, now=now, address="1" * 64 + "2")
    consent.for_institution(key, code.number, now=now)
    assert looks() == [(grant.pk, now, key.pk, "api", "1" * 64), (grant.pk, now, key.pk, "api", "")]


def test_for_institution_a_code_whose_score_is_gone_has_no_scorecard(make_factory):
    user, code = current_code(make_factory)
    _province, institution, key, _raw = institution_with_key()
    consent.grant(user, code.unit, institution=institution, days=30)
    Unit.objects.filter(pk=code.unit_id).update(level=Level.PROVINCIAL)  # no finished provincial run scored it
    decision, card = consent.for_institution(key, code.number)
    assert (decision.allowed, decision.reason, card) == (False, "此绿码没有评分详情。", None)


# --- grant ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("days", [0, 366])
def test_grant_outside_1_to_365_days_is_refused_with_the_reason(make_factory, days):
    user, code = current_code(make_factory)
    with pytest.raises(consent.ConsentError) as refused:
        consent.grant(user, code.unit, institution=None, days=days)
    assert str(refused.value) == "期限：请填写 1 至 365 之间的天数。"


def test_grant_a_link_draws_a_43_character_token_and_audits_the_link_and_its_expiry(make_factory):
    user, code = current_code(make_factory)
    grant, token = consent.grant(user, code.unit, institution=None, days=1)
    assert (len(token), grant.link_prefix, grant.link_hashed) == (43, token[:12], digest(token))
    expiry = timezone.localtime(grant.expires_at).strftime("%Y-%m-%d %H:%M")
    assert list(audit.history(grant).values_list("action", "actor", "comment")) == [
        ("consent_granted", user.pk, f"一次性链接 · {expiry}")]


def test_grant_to_an_institution_audits_its_name_and_the_expiry(make_factory):
    user, code = current_code(make_factory)
    _province, institution, _key, _raw = institution_with_key()
    grant, _token = consent.grant(user, code.unit, institution=institution, days=1)
    expiry = timezone.localtime(grant.expires_at).strftime("%Y-%m-%d %H:%M")
    assert list(audit.history(grant).values_list("action", "actor", "comment")) == [
        ("consent_granted", user.pk, f"测试银行 · {expiry}")]
