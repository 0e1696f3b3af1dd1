"""Signed green-code tokens: what the QR code and the JSON API carry, and how anyone checks one offline.

A token is a JWS in compact serialisation (RFC 7515) signed with the province's Ed25519 key (alg "EdDSA",
RFC 8037; keystore.py says why Ed25519 and where the key lives):

    BASE64URL({"alg":"EdDSA","kid":"gd-20250301-a1b2c3"}) "." BASE64URL(claims) "." BASE64URL(signature)

The claims are compact UTF-8 JSON: n code number, e enterprise, c masked credit code, g grade, y year,
i issue date, u valid until. They say what the certificate says, so a verifier with only the published keys
(/.well-known/greencode-keys.json) knows who holds which grade; whether the code was revoked since is the
portal's online answer. Tokens are deterministic (Ed25519 is), so a code's QR stays the same until its
data or the signing key change.

Tokens issued before (Django's HMAC with the portal's SECRET_KEY, "payload:timestamp:signature") are still
accepted online; they cannot be checked offline.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from django.core import signing
from django.utils import timezone

from . import keystore
from .keystore import ALGORITHM, CURVE, PublicKey

LEGACY_SALT = "greencode.verify"  # the HMAC tokens printed before the province's key (codes.SIGNING_SALT)
ISSUER = "广东省工业和信息化厅"
ISSUER_EN = "Guangdong Provincial Department of Industry and Information Technology"
CLAIMS = {"n": "绿码编号 code number", "e": "企业名称 enterprise", "c": "统一社会信用代码（部分隐藏）masked credit code",
          "g": "等级 grade", "y": "年度 year", "i": "发证日期 issue date", "u": "有效期至 valid until"}
_KID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


# ---------------------------------------------------------------- signing

def claims_of(code) -> dict:
    """What a code's token asserts (the unit is read through code.unit)."""
    return {"n": code.number, "e": code.unit.name, "c": code.unit.masked_credit_code, "g": code.grade,
            "y": code.year, "i": timezone.localtime(code.issued_at).date().isoformat(),
            "u": code.valid_until.isoformat()}


def sign_claims(claims: dict) -> str:
    kid, private = keystore.store().signing_key()
    header = _b64(_json({"alg": ALGORITHM, "kid": kid}))
    payload = _b64(_json(claims))
    signature = private.sign(f"{header}.{payload}".encode("ascii"))
    return f"{header}.{payload}.{_b64(signature)}"


def sign(code) -> str:
    """The token of a code, signed with the current key."""
    return sign_claims(claims_of(code))


# ---------------------------------------------------------------- checking

@dataclass
class Checked:
    """The outcome of checking a token: ok, or why not (reason is one of REASONS)."""

    ok: bool
    reason: str = ""
    kid: str | None = None
    claims: dict = field(default_factory=dict)
    key: PublicKey | None = None


REASONS = ("malformed", "legacy", "unknown_key", "key_revoked", "bad_signature")


def check(token: str, keys: list[PublicKey]) -> Checked:
    """Check a token against public keys only (no database, no network): what `verify_code` does offline and
    the portal does online."""
    token = (token or "").strip()
    if is_legacy(token):
        return Checked(False, "legacy")
    parts = token.split(".")
    if len(parts) != 3:
        return Checked(False, "malformed")
    try:
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]).decode("utf-8"))
        signature = _unb64(parts[2])
    except (ValueError, UnicodeDecodeError):
        return Checked(False, "malformed")
    if (not isinstance(header, dict) or set(header) != {"alg", "kid"} or header["alg"] != ALGORITHM
            or not isinstance(header["kid"], str) or not _KID.match(header["kid"])):
        return Checked(False, "malformed")
    kid = header["kid"]
    key = next((k for k in keys if k.kid == kid), None)
    if key is None:
        return Checked(False, "unknown_key", kid=kid)
    try:
        key.public_key().verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except (InvalidSignature, ValueError):
        return Checked(False, "bad_signature", kid=kid, key=key)
    if key.revoked_at:
        return Checked(False, "key_revoked", kid=kid, key=key)
    if not isinstance(claims, dict) or not isinstance(claims.get("n"), str):
        return Checked(False, "malformed", kid=kid, key=key)
    return Checked(True, kid=kid, claims=claims, key=key)


def kid_of(token: str) -> str | None:
    """The key id in a token's header (unchecked)."""
    try:
        header = json.loads(_unb64(token.split(".", 1)[0]))
    except ValueError:
        return None
    return header.get("kid") if isinstance(header, dict) else None


def unsign(token: str) -> str | None:
    """The code number in a token if it is genuine (the province's key, or an HMAC token printed before it),
    else None."""
    if is_legacy(token):
        try:
            data = signing.loads(token, salt=LEGACY_SALT)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        number = data.get("n") if isinstance(data, dict) else None
        return number if isinstance(number, str) else None
    result = check(token, keystore.store().public_keys())
    return result.claims["n"] if result.ok else None


def is_legacy(token: str) -> bool:
    """Django's signed tokens separate their parts with ':'; a JWS never contains one."""
    return ":" in (token or "")


def legacy_number(token: str) -> str | None:
    """The number an old HMAC token names, read without checking it (to point an offline verifier online)."""
    try:
        payload = token.split(":", 1)[0]
        raw = signing.b64_decode(payload.lstrip(".").encode())
        data = json.loads(zlib.decompress(raw) if payload.startswith(".") else raw)
    except (ValueError, zlib.error):  # binascii.Error, JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    number = data.get("n") if isinstance(data, dict) else None
    return number if isinstance(number, str) else None


def token_from_scan(text: str) -> str:
    """The token in what a scanner read: a verification URL, zbarimg's "QR-Code:<url>", or the bare token."""
    text = (text or "").strip()
    if text.startswith("QR-Code:"):
        text = text[len("QR-Code:"):]
    if "://" in text:
        segments = [s for s in urlsplit(text).path.split("/") if s]
        return unquote(segments[-1]) if segments else ""
    return text


# ---------------------------------------------------------------- the published keys

def published_keyset(*, portal: str, verify_page: str, verify_api: str) -> dict:
    """The document at /.well-known/greencode-keys.json: a JWK Set (RFC 7517) whose keys also say when they
    signed, plus what a verifier needs to read a token. Makes the first key if there is none yet."""
    store = keystore.store()
    store.signing_key()
    return {
        "issuer": ISSUER,
        "issuer_en": ISSUER_EN,
        "portal": portal,
        "verify_page": verify_page,
        "verify_api": verify_api,
        "token_format": "JWS compact serialisation (RFC 7515), alg EdDSA (Ed25519, RFC 8037), kid in the header",
        "claims": CLAIMS,
        "keys": [jwk(k) for k in store.public_keys()],
    }


def jwk(key: PublicKey) -> dict:
    return {"kty": "OKP", "crv": CURVE, "alg": ALGORITHM, "use": "sig", "kid": key.kid, "x": key.x,
            "public_key_pem": key.pem(), "valid_from": key.valid_from, "valid_until": key.valid_until,
            "revoked_at": key.revoked_at, "status": key.status}


def keys_from_keyset(data) -> list[PublicKey]:
    """The Ed25519 keys of a published key set (or of a bare JWK Set); anything else in it is ignored."""
    keys = []
    for k in (data.get("keys") if isinstance(data, dict) else None) or []:
        if not isinstance(k, dict) or k.get("kty") != "OKP" or k.get("crv") != CURVE:
            continue
        if k.get("alg", ALGORITHM) != ALGORITHM or not isinstance(k.get("kid"), str) or not isinstance(k.get("x"), str):
            continue
        try:
            key = PublicKey(kid=k["kid"], x=k["x"], valid_from=k.get("valid_from") or "",
                            valid_until=k.get("valid_until"),
                            revoked_at=k.get("revoked_at") or ("unknown" if k.get("status") == "revoked" else None))
            key.public_key()
        except ValueError:
            continue
        keys.append(key)
    return keys


# ---------------------------------------------------------------- encoding

def _json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _b64(data: bytes) -> str:
    return keystore.b64url(data)


def _unb64(text: str) -> bytes:
    """Strict base64url: only the canonical encoding of the bytes is accepted, so that changing any character
    of a token (even a last one whose low bits a lenient decoder ignores) makes it fail."""
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(raw) != text:
        raise ValueError("not canonical base64url")
    return raw
