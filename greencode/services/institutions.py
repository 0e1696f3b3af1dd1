"""Institutions and their API keys: the province registers, issues and revokes (audited); the API finds a key,
logs its every use, and answers bulk verification and a code's grade history.

A key is shown once, when it is issued: `gdk_<prefix>_<secret>`. The portal keeps the prefix (to find the
key) and the SHA-256 of the whole key (to check it); the secret has 256 random bits, so a plain hash is
enough and a lookup costs one indexed query.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from greenmfg.rules import require
from reviews import audit

from .. import rules
from ..enums import CodeState, CodeStatus
from ..models import ApiKey, ApiKeyUse, GreenCode, GreenCodeEvent, Institution
from . import codes

KEY_PREFIX = "gdk"


class InstitutionError(Exception):
    """A request the province cannot make now; the message says why."""


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def register_institution(actor, *, name: str, kind: str, credit_code: str = "", contact: str = "") -> Institution:
    require(rules.can_manage_institutions(actor))
    name = name.strip()
    if Institution.objects.filter(name=name).exists():
        raise InstitutionError(_("An institution named %(name)s is already registered.") % {"name": name})
    institution = Institution.objects.create(name=name, kind=kind, credit_code=credit_code.strip(),
                                             contact=contact.strip(), registered_by=actor,
                                             registered_at=timezone.now())
    audit.record(institution, "institution_registered", actor=actor, comment=name)
    return institution


@transaction.atomic
def issue_key(actor, institution: Institution, *, label: str = "") -> tuple[ApiKey, str]:
    """A new key for the institution: (the stored key, the key itself — shown once, never stored)."""
    require(rules.can_manage_institutions(actor))
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():  # 2³² prefixes: a clash is rare, never fatal
        prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(institution=institution, label=label.strip(), prefix=prefix, hashed=digest(raw),
                                issued_by=actor, issued_at=timezone.now())
    audit.record(institution, "api_key_issued", actor=actor, to_state=prefix, comment=key.label)
    return key, raw


@transaction.atomic
def revoke_key(actor, key: ApiKey) -> ApiKey:
    require(rules.can_manage_institutions(actor))
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        raise InstitutionError(_("This key is already revoked."))
    key.revoked_at, key.revoked_by = timezone.now(), actor
    key.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(key.institution, "api_key_revoked", actor=actor, from_state=key.prefix, comment=key.label)
    return key


def find_key(raw: str | None) -> ApiKey | None:
    """The key a request presents, revoked or not; None when it is missing, malformed or wrong."""
    parts = (raw or "").strip().split("_", 2)  # the secret may hold "_" too
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 8:
        return None
    key = ApiKey.objects.select_related("institution").filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.hashed, digest("_".join(parts))):
        return None
    return key


def log_use(key: ApiKey, *, method: str, path: str, outcome: str, items: int = 0, address: str = "") -> ApiKeyUse:
    now = timezone.now()
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return ApiKeyUse.objects.create(key=key, at=now, method=method[:8], path=path[:300], outcome=outcome[:20],
                                    items=items, address=address[:64])


# --- what the API answers -----------------------------------------------------------------------------------

def bulk_verify(*, numbers: list[str], tokens: list[str]) -> list[dict]:
    """Each number and token verified as the public JSON endpoint answers it, in the order given (numbers, then
    tokens), with one query for all of them."""
    asked = [("number", n, (n or "").strip().upper(), False) for n in numbers]
    for token in tokens:
        number = codes.unsign(token)
        asked.append(("token", token, number or "", number is None))
    wanted = {n for _kind, _q, n, _t in asked if n and len(n) <= 30 and codes.number_is_well_formed(n)}
    found = {c.number: c for c in GreenCode.objects.select_related("unit").filter(number__in=wanted)}
    results = []
    for kind, query, number, tampered in asked:
        code = found.get(number) if number in wanted else None
        status = codes.status_of(code)
        verification = codes.Verification(status, code if status != CodeStatus.UNKNOWN else None, tampered=tampered)
        results.append({"query": query, "kind": kind, **verification.as_json()})
    return results


def grade_history(number: str) -> dict | None:
    """A code's life from GreenCodeEvent, oldest first: each grade it held, each change of grade or state and its
    date, revocations with their reason. None for an unknown or withdrawn code (verification shows neither)."""
    number = (number or "").strip().upper()
    if not codes.number_is_well_formed(number):
        return None
    code = GreenCode.objects.select_related("unit").filter(number=number).first()
    if code is None or code.state == CodeState.WITHDRAWN:
        return None
    events = GreenCodeEvent.objects.filter(code=code).order_by("at", "id")
    return {
        "number": code.number, "year": code.year, "name": code.unit.name,
        "credit_code": code.unit.masked_credit_code, "status": codes.status_of(code), "grade": code.grade,
        "valid_until": code.valid_until.isoformat(),
        "events": [{"at": e.at.isoformat(), "action": e.action, "label": str(e.action_label),
                    "from_state": e.from_state, "to_state": e.to_state, "from_grade": e.from_grade,
                    "to_grade": e.to_grade,
                    "reason": e.reason if e.action in ("revoke", "reinstate") else ""}
                   for e in events],
    }
