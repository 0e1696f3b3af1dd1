"""greencode/services/consent.py's one-time link at its edges: a token is looked up by its first 12 characters
(12 are enough, 11 are not), among several links only its own consent answers it and never an institution's,
a withdrawn code or no code at all is no scorecard, and each look is recorded exactly (via "link", the address
cut at 64 characters, "" when none is given)."""

import datetime as dt

import pytest
from django.utils import timezone

from greencode.models import Consent, ConsentAccess
from greencode.services import codes, consent
from greencode.services.institutions import digest
from tests import factories
from tests.greencode.code_helpers import current_code
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
