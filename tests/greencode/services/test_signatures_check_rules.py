"""signatures.check's every outcome, exactly (ok, reason, kid, claims, key), with a key made here and tokens built
by hand; kid_of, token_from_scan, the published key set's fields and keys_from_keyset's refusals."""

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from greencode.services import keystore, signatures
from greencode.services.keystore import PublicKey
from greencode.services.signatures import Checked

KID = "gd-test-1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@pytest.fixture(scope="module")
def private():
    return Ed25519PrivateKey.generate()


def public(private, kid=KID, **fields) -> PublicKey:
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PublicKey(kid=kid, x=_b64(raw), valid_from="2026-01-01", **fields)


def token(private, header=None, claims=None) -> str:
    head = _b64(signatures._json(header if header is not None else {"alg": "EdDSA", "kid": KID}))
    body = _b64(signatures._json(claims if claims is not None else {"n": "GD-2026-N0000000001"}))
    return f"{head}.{body}.{_b64(private.sign(f'{head}.{body}'.encode('ascii')))}"


def test_check_a_genuine_token_gives_its_claims_and_key(private):
    key = public(private)
    claims = {"n": "GD-2026-N0000000001", "e": "测试企业", "g": "A"}
    assert signatures.check(f"  {token(private, claims=claims)}\n", [key]) == Checked(True, "", KID, claims, key)


def test_check_each_refusal_is_exact(private):
    key = public(private)
    good = token(private)
    head, body, sig = good.split(".")
    assert signatures.check("payload:stamp:sig", [key]) == Checked(False, "legacy")
    assert signatures.check(f"{head}.{body}", [key]) == Checked(False, "malformed")
    assert signatures.check(f"{head}.{body}!.{sig}", [key]) == Checked(False, "malformed")
    for header in ({"alg": "EdDSA", "kid": 7}, {"alg": "EdDSA", "kid": "has space"}, {"alg": "HS256", "kid": KID},
                   {"alg": "EdDSA", "kid": KID, "typ": "JWT"}, ["EdDSA"]):
        assert signatures.check(token(private, header=header), [key]) == Checked(False, "malformed"), header
    assert signatures.check(token(private), [public(private, kid="other")]) == Checked(False, "unknown_key", KID)
    assert signatures.check(f"{head}.{body}.{_b64(b'x' * 64)}", [key]) == Checked(False, "bad_signature", KID,
                                                                                   key=key)
    revoked = public(private, revoked_at="2026-05-01")
    assert signatures.check(good, [revoked]) == Checked(False, "key_revoked", KID, key=revoked)
    for claims in (["GD"], {"n": 5}, {"e": "no number"}):
        assert signatures.check(token(private, claims=claims), [key]) == Checked(False, "malformed", KID,
                                                                                  key=key), claims


def test_kid_of_reads_the_header_unchecked(private):
    assert signatures.kid_of(token(private)) == KID
    assert signatures.kid_of(token(private, header=["EdDSA"])) is None
    assert signatures.kid_of("!!!.x.y") is None


@pytest.mark.parametrize(("scanned", "expected"), [
    ("QR-Code:https://portal.example/code/v/abc.def.ghi", "abc.def.ghi"),
    ("QR-Code:abc.def.ghi", "abc.def.ghi"),  # zbarimg's prefix before a bare token
    ("  https://portal.example/code/v/abc%2Edef/  ", "abc.def"),
    ("https://portal.example/", ""),
    ("abc.def.ghi", "abc.def.ghi"),
    ("qr-code:abc", "qr-code:abc"),  # zbarimg writes "QR-Code:" exactly
    (None, ""),
])
def test_token_from_scan(scanned, expected):
    assert signatures.token_from_scan(scanned) == expected


def test_published_keyset_and_jwk_name_every_field():
    data = signatures.published_keyset(portal="https://p", verify_page="https://p/v", verify_api="https://p/api")
    assert {k: v for k, v in data.items() if k != "keys"} == {
        "issuer": signatures.ISSUER, "issuer_en": signatures.ISSUER_EN, "portal": "https://p",
        "verify_page": "https://p/v", "verify_api": "https://p/api",
        "token_format": "JWS compact serialisation (RFC 7515), alg EdDSA (Ed25519, RFC 8037), kid in the header",
        "claims": signatures.CLAIMS}
    assert [(j["kid"], j["revoked_at"], j["status"]) for j in data["keys"]] == [
        (k.kid, k.revoked_at, k.status) for k in keystore.store().public_keys()]
    assert all(set(j) == {"kty", "crv", "alg", "use", "kid", "x", "public_key_pem", "valid_from", "valid_until",
                          "revoked_at", "status"} for j in data["keys"])


def test_keys_from_keyset_keeps_only_well_formed_ed25519_keys(private):
    good = signatures.jwk(public(private))
    assert [k.kid for k in signatures.keys_from_keyset({"keys": [good]})] == [KID]
    refused = [{**good, "alg": "RS256"}, {**good, "kid": 5}, {**good, "x": None}, {**good, "crv": "P-256"},
               {**good, "kty": "EC"}, "not a key", {**good, "x": "AAAA"}]
    assert signatures.keys_from_keyset({"keys": refused}) == []
    assert [k.kid for k in signatures.keys_from_keyset({"keys": [{k: v for k, v in good.items() if k != "alg"}]})] == [KID]
    revoked = signatures.keys_from_keyset({"keys": [{**good, "revoked_at": None, "status": "revoked"}]})
    assert [(k.kid, k.revoked_at) for k in revoked] == [(KID, "unknown")]
    assert signatures.keys_from_keyset(["not", "a", "set"]) == []


def test_keys_from_keyset_reads_past_a_refused_key_and_keeps_each_keys_dates(private):
    good = {**signatures.jwk(public(private)), "valid_until": "2026-06-01", "revoked_at": "2026-07-01"}
    keys = signatures.keys_from_keyset({"keys": [{**good, "kid": 5}, good]})
    assert keys == [PublicKey(kid=KID, x=good["x"], valid_from="2026-01-01", valid_until="2026-06-01",
                              revoked_at="2026-07-01")]
    undated = {k: v for k, v in good.items() if k not in ("valid_from", "valid_until", "revoked_at")}
    assert signatures.keys_from_keyset({"keys": [undated]}) == [PublicKey(kid=KID, x=good["x"], valid_from="")]
