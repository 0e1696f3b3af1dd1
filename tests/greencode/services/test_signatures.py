"""Signed green-code tokens: Ed25519 with the key id in the header, checked with the published keys alone; any
changed character fails; keys rotate without breaking earlier codes; the old HMAC tokens keep verifying."""

import base64
import json

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from greencode.services import codes, keystore, signatures
from greencode.services.keystore import KeyStore

from ..code_helpers import current_code
from ..conftest import YEAR

pytestmark = pytest.mark.django_db


def _published(client) -> list:
    return signatures.keys_from_keyset(client.get(reverse("greencode_keys")).json())


def _b64json(part: str):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_signatures_token_is_a_jws_with_the_key_id_and_the_certificate_claims(make_factory):
    _user, code = current_code(make_factory, name="签名测试绿色工厂有限公司")

    token = signatures.sign(code)

    header, claims, signature = token.split(".")
    assert _b64json(header) == {"alg": "EdDSA", "kid": keystore.store().signing_key()[0]}
    assert _b64json(claims) == {"n": code.number, "e": "签名测试绿色工厂有限公司", "c": code.unit.masked_credit_code,
                                "g": "A+", "y": YEAR, "i": timezone.localtime(code.issued_at).date().isoformat(),
                                "u": code.valid_until.isoformat()}
    assert len(base64.urlsafe_b64decode(signature + "==")) == 64


def test_signatures_token_verifies_offline_with_only_the_published_keys(make_factory, client):
    _user, code = current_code(make_factory)
    token = signatures.sign(code)

    result = signatures.check(token, _published(client))

    assert (result.ok, result.reason, result.claims["n"], result.claims["g"]) == (True, "", code.number, "A+")


def test_signatures_every_changed_character_fails(make_factory, client):
    _user, code = current_code(make_factory)
    token = signatures.sign(code)
    keys = _published(client)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."

    accepted = []
    for i, ch in enumerate(token):
        for other in (alphabet[(alphabet.index(ch) + 1) % len(alphabet)], alphabet[(alphabet.index(ch) + 33) % len(alphabet)]):
            if signatures.check(token[:i] + other + token[i + 1:], keys).ok:
                accepted.append((i, other))

    assert accepted == []
    assert signatures.check(token, keys).ok


def test_signatures_the_last_character_low_bits_are_not_ignored(make_factory, client):
    """The signature's last base64url character carries 2 bits and 4 padding bits: a lenient decoder reads a twin
    whose padding bits differ as the very same bytes. The strict decoder refuses it."""
    _user, code = current_code(make_factory)
    token = signatures.sign(code)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = token[:-1] + alphabet[alphabet.index(token[-1]) ^ 1]
    lenient = lambda t: base64.urlsafe_b64decode(t.rsplit(".", 1)[1] + "==")  # noqa: E731

    assert lenient(twin) == lenient(token)
    assert signatures.check(twin, _published(client)).reason == "malformed"


def test_signatures_a_changed_claim_with_a_well_formed_token_fails(make_factory, client):
    _user, code = current_code(make_factory, n=20, index=10)
    assert code.grade == "B"
    header, claims, sig = signatures.sign(code).split(".")
    forged_claims = {**_b64json(claims), "g": "A+"}
    forged = ".".join([header, keystore.b64url(json.dumps(forged_claims, separators=(",", ":")).encode()), sig])

    result = signatures.check(forged, _published(client))

    assert (result.ok, result.reason) == (False, "bad_signature")
    assert codes.unsign(forged) is None


def test_signatures_a_key_that_was_never_published_is_refused(make_factory, client, tmp_path, settings):
    _user, code = current_code(make_factory)
    published = _published(client)
    settings.GREENCODE_SIGNING_KEY_DIR = str(tmp_path / "someone-elses-keys")
    foreign = signatures.sign(code)

    result = signatures.check(foreign, published)

    assert (result.ok, result.reason) == (False, "unknown_key")


def test_signatures_alg_none_and_other_headers_are_malformed(make_factory, client):
    _user, code = current_code(make_factory)
    _header, claims, sig = signatures.sign(code).split(".")
    kid = keystore.store().signing_key()[0]
    for header in ({"alg": "none", "kid": kid}, {"alg": "HS256", "kid": kid}, {"alg": "EdDSA"},
                   {"alg": "EdDSA", "kid": kid, "crit": ["exp"]}):
        token = ".".join([keystore.b64url(json.dumps(header).encode()), claims, sig])
        assert signatures.check(token, _published(client)).reason == "malformed", header


def test_signatures_codes_signed_before_a_rotation_still_verify(make_factory, settings, tmp_path):
    settings.GREENCODE_SIGNING_KEY_DIR = str(tmp_path)
    _user, code = current_code(make_factory)
    before = signatures.sign(code)

    keystore.store().rotate()
    after = signatures.sign(code)

    assert signatures.kid_of(before) != signatures.kid_of(after)
    assert codes.unsign(before) == codes.unsign(after) == code.number


def test_signatures_nothing_signed_by_a_revoked_key_is_trusted(make_factory, settings, tmp_path):
    settings.GREENCODE_SIGNING_KEY_DIR = str(tmp_path)
    _user, code = current_code(make_factory)
    before = signatures.sign(code)

    keystore.store().rotate(revoke_previous=True)

    assert signatures.check(before, keystore.store().public_keys()).reason == "key_revoked"
    assert codes.unsign(before) is None
    assert codes.unsign(signatures.sign(code)) == code.number


def test_signatures_old_hmac_tokens_already_printed_keep_verifying(make_factory, client):
    _user, code = current_code(make_factory)
    printed = signing.dumps({"n": code.number}, salt="greencode.verify", compress=True)  # what codes.sign made before

    assert codes.unsign(printed) == code.number
    r = client.get(reverse("greencode:verify_token", args=[printed]))
    assert r.context["result"].status == "valid" and r.context["result"].code == code
    assert signatures.check(printed, _published(client)).reason == "legacy"
    assert signatures.legacy_number(printed) == code.number


def test_signatures_an_hmac_token_with_another_salt_or_key_is_refused(make_factory):
    _user, code = current_code(make_factory)

    assert codes.unsign(signing.dumps({"n": code.number}, salt="another-salt")) is None
    assert codes.unsign(signing.dumps({"n": code.number}, salt="greencode.verify", key="another-secret" * 4)) is None


@pytest.mark.parametrize(("scanned", "token"), [
    ("https://green.example.gov.cn/code/v/aGVhZA.Y2xhaW1z.c2ln/", "aGVhZA.Y2xhaW1z.c2ln"),
    ("QR-Code:https://green.example.gov.cn/code/v/aGVhZA.Y2xhaW1z.c2ln/", "aGVhZA.Y2xhaW1z.c2ln"),
    ("  aGVhZA.Y2xhaW1z.c2ln\n", "aGVhZA.Y2xhaW1z.c2ln"),
    ("http://127.0.0.1:8000/code/v/.eJyrVspTslIyNLI0MjEw0DW1AAApggQW%3A1tVLyl%3Aabc/", ".eJyrVspTslIyNLI0MjEw0DW1AAApggQW:1tVLyl:abc"),
])
def test_signatures_token_from_what_a_scanner_read(scanned, token):
    assert signatures.token_from_scan(scanned) == token


def test_signatures_published_keyset_is_a_jwk_set_with_validity(client, settings, tmp_path):
    settings.GREENCODE_SIGNING_KEY_DIR = str(tmp_path)
    first = keystore.store().signing_key()[0]
    second = keystore.store().rotate()[0]

    data = signatures.published_keyset(portal="https://green.example.gov.cn", verify_page="p", verify_api="a")

    assert [(k["kid"], k["kty"], k["crv"], k["alg"], k["use"], k["status"]) for k in data["keys"]] == [
        (first, "OKP", "Ed25519", "EdDSA", "sig", "retired"), (second.kid, "OKP", "Ed25519", "EdDSA", "sig", "current")]
    assert data["keys"][0]["valid_until"] == data["keys"][1]["valid_from"] and data["keys"][1]["valid_until"] is None
    assert data["keys"][1]["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert data["issuer"] == "广东省工业和信息化厅"
    assert [k.kid for k in signatures.keys_from_keyset(data)] == [first, second.kid]


def test_signatures_keys_from_keyset_ignores_what_is_not_an_ed25519_key():
    data = {"keys": [{"kty": "RSA", "kid": "r", "n": "x", "e": "AQAB"},
                     {"kty": "OKP", "crv": "X25519", "kid": "x", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
                     {"kty": "OKP", "crv": "Ed25519", "kid": "short", "x": "AAAA"},
                     {"kty": "OKP", "crv": "Ed25519", "kid": "ok", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
                     "not a key"]}

    assert [k.kid for k in signatures.keys_from_keyset(data)] == ["ok"]
    assert signatures.keys_from_keyset([]) == [] and signatures.keys_from_keyset({"keys": None}) == []


def test_signatures_a_foreign_store_signs_with_its_own_key(tmp_path):
    assert KeyStore(tmp_path / "a").signing_key()[0] != KeyStore(tmp_path / "b").signing_key()[0]
