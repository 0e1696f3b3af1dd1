"""The enterprise's consent: it lets a named institution, or whoever holds a one-time link, see its detailed
scorecard (sub-scores, positions, gap to the next grade) for a limited time, sees who looked, and withdraws
access at any time. Grants and withdrawals are audited; every look is recorded (ConsentAccess)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from greenmfg.rules import Decision, deny, require
from reviews import audit

from .. import rules
from ..enums import CodeState
from ..models import ApiKey, Consent, ConsentAccess, GreenCode, Institution
from . import codes, pages
from .institutions import digest

MAX_DAYS = 365


class ConsentError(Exception):
    """A consent that cannot be given or withdrawn now; the message says why."""


@transaction.atomic
def grant(user, unit, *, institution: Institution | None, days: int, now=None) -> tuple[Consent, str]:
    """Access to the unit's scorecard for `days` days, for `institution` or, with none, through a one-time link.
    Returns (consent, the link's token — shown once — or "")."""
    require(rules.can_grant_consent(user, unit))
    if not 1 <= days <= MAX_DAYS:
        raise ConsentError(_("Duration: give a number of days from 1 to %(max)s.") % {"max": MAX_DAYS})
    now = now or timezone.now()
    token = ""
    consent = Consent(unit=unit, institution=institution, granted_by=user, granted_at=now,
                      expires_at=now + dt.timedelta(days=days))
    if institution is None:
        token = secrets.token_urlsafe(32)
        consent.link_prefix, consent.link_hashed = token[:12], digest(token)
    consent.save()
    whom = institution.name if institution else _("one-time link")
    audit.record(consent, "consent_granted", actor=user,
                 comment=f"{whom} · {timezone.localtime(consent.expires_at):%Y-%m-%d %H:%M}")
    return consent, token


@transaction.atomic
def withdraw(user, consent: Consent, *, now=None) -> Consent:
    consent = Consent.objects.select_for_update().select_related("unit").get(pk=consent.pk)
    require(rules.can_grant_consent(user, consent.unit))
    if consent.withdrawn_at is not None:
        raise ConsentError(_("This access is already withdrawn."))
    consent.withdrawn_at, consent.withdrawn_by = now or timezone.now(), user
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit.record(consent, "consent_withdrawn", actor=user)
    return consent


def scorecard(code: GreenCode) -> dict | None:
    """The detailed scorecard behind a code: composite, positions, grade, the next grade's cut and each
    sub-score with its weight, peer group and the points that indicator alone would need to reach the cut."""
    score = codes.current_score(code.unit, code.year)
    if score is None:
        return None
    next_grade, next_cut = pages.next_cut(score)
    return {
        "number": code.number, "year": code.year, "name": code.unit.name, "grade": score.grade,
        "status": codes.status_of(code), "method_version": score.run.method_version,
        "composite": float(score.composite) if score.composite is not None else None,
        "position": score.position, "industry_position": score.industry_position,
        "next_grade": next_grade, "next_cut": float(next_cut) if next_cut is not None else None,
        "gap": float(next_cut - score.composite) if next_cut is not None and score.composite is not None else None,
        "indicators": [{"code": r["code"], "label": str(r["indicator"].label), "points": r["points"],
                        "weight": r["weight"], "peer_group": r["peer"], "peers": r["peers"], "needed": r["needed"]}
                       for r in pages.indicator_table(score)],
    }


def _live_code(number: str) -> GreenCode | None:
    number = (number or "").strip().upper()
    if not codes.number_is_well_formed(number):
        return None
    code = GreenCode.objects.select_related("unit").filter(number=number).first()
    return None if code is None or code.state == CodeState.WITHDRAWN else code


def for_institution(key: ApiKey, number: str, *, now=None, address: str = "") -> tuple[Decision, dict | None]:
    """The scorecard of the code `number` for the key's institution, if the enterprise consented and the consent
    is open now; else the denial's reason. A look is recorded for the enterprise to see."""
    now = now or timezone.now()
    code = _live_code(number)
    if code is None:
        return deny(_("No such green code.")), None
    consents = list(Consent.objects.filter(unit=code.unit, institution=key.institution).order_by("-expires_at"))
    if not consents:
        return deny(_("The enterprise has not given your institution access to its scorecard.")), None
    decisions = [(rules.consent_is_open(c, now), c) for c in consents]
    open_ = [c for d, c in decisions if d]
    if not open_:
        return decisions[0][0], None
    ConsentAccess.objects.create(consent=open_[0], at=now, key=key, via="api", address=address[:64])
    card = scorecard(code)
    if card is None:
        return deny(_("This code has no scorecard.")), None
    return Decision(True), card


@transaction.atomic
def open_link(token: str, *, now=None, address: str = "") -> tuple[Decision, dict | None, Consent | None]:
    """The scorecard behind a one-time link: shown once, while the consent is open; the look is recorded."""
    now = now or timezone.now()
    token = (token or "").strip()
    consent = (Consent.objects.select_for_update().select_related("unit")
               .filter(institution__isnull=True, link_prefix=token[:12]).first() if len(token) >= 12 else None)
    if consent is None or consent.link_hashed != digest(token):
        return deny(_("This link is not valid.")), None, None
    decision = rules.consent_is_open(consent, now)
    if not decision:
        return decision, None, consent
    code = (GreenCode.objects.select_related("unit").filter(unit=consent.unit).exclude(state=CodeState.WITHDRAWN)
            .order_by("-year").first())
    card = scorecard(code) if code else None
    if card is None:
        return deny(_("This enterprise has no green code with a scorecard.")), None, consent
    consent.used_at = now
    consent.save(update_fields=["used_at"])
    ConsentAccess.objects.create(consent=consent, at=now, via="link", address=address[:64])
    return Decision(True), card, consent
