"""Named rules of the green code: each answers allowed-or-denied with a reason (greenmfg.rules.Decision)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from greenmfg.rules import ALLOWED, Decision, deny
from registry import rules as registry_rules
from reviews.models import IncidentReport

from .enums import CodeState, NoCodeReason


def incident_window(year: int) -> Q:
    """Incident reports that block a code of `year`: reported in that year's campaign or a later one, or, with no
    campaign, an accident since 1 January of the data year. The scoring SQL applies the same window
    (greencode.services.scoring._eligibility; tests/greencode/test_rules.py proves the two agree)."""
    return Q(campaign__year__gte=year) | Q(campaign__isnull=True, occurred_on__gte=dt.date(year - 1, 1, 1))


def incident_blocks(unit, year: int) -> bool:
    return IncidentReport.objects.filter(incident_window(year), unit=unit).exists()


def can_apply(user, unit, year: int, *, score, code, valid_until: dt.date, today: dt.date | None = None) -> Decision:
    """May the enterprise apply for (or re-open) its code of `year` now?"""
    decision = registry_rules.acts_for(user, unit)
    if not decision:
        return deny(_("Only the enterprise itself can apply for its green code."))
    if code is not None and code.state == CodeState.REVOKED:
        return deny(_("This code was revoked (%(reason)s). Only the provincial department can reinstate it.")
                    % {"reason": code.revoked_reason or _("no reason recorded")})
    if not registry_rules.is_listed(unit):
        return deny(_("No code can be issued: %(reason)s.") % {"reason": NoCodeReason.REMOVED.label})
    if incident_blocks(unit, year):
        return deny(_("No code can be issued: %(reason)s.") % {"reason": NoCodeReason.INCIDENT.label})
    if code is not None and code.state == CodeState.ISSUED:
        return deny(_("You have already applied for this code."))
    if score is None or not score.grade:
        reason = NoCodeReason(score.reason).label if score else NoCodeReason.NOT_FILED.label
        return deny(_("No code can be issued for %(year)s: %(reason)s.") % {"year": year, "reason": reason})
    if (today or timezone.localdate()) > valid_until:
        return deny(_("The %(year)s code expired on %(date)s; it can no longer be applied for.")
                    % {"year": year, "date": valid_until.isoformat()})
    return ALLOWED


def can_withdraw(user, code) -> Decision:
    if not registry_rules.acts_for(user, code.unit):
        return deny(_("Only the enterprise itself can withdraw its green code."))
    if code.state != CodeState.ISSUED:
        return deny(_("Only an issued code can be withdrawn; this one is “%(state)s”.")
                    % {"state": CodeState(code.state).label})
    return ALLOWED


def can_reinstate(user, code) -> Decision:
    decision = registry_rules.is_province(user)
    if not decision:
        return decision
    if code.state != CodeState.REVOKED:
        return deny(_("Only a revoked code can be reinstated."))
    if not registry_rules.is_listed(code.unit):
        return deny(_("The unit is no longer on the list, so its code cannot be reinstated."))
    return ALLOWED


# --- institutions, API keys and consent -------------------------------------------------------------------

def can_manage_institutions(user) -> Decision:
    """Only the province registers institutions and issues or revokes their keys."""
    if registry_rules.is_province(user):
        return ALLOWED
    return deny(_("Only the provincial department registers institutions and issues their API keys."))


def key_usable(key) -> Decision:
    """A key that exists and is not revoked."""
    if key is None:
        return deny(_("The API key is missing or wrong. Send it in the X-API-Key header."))
    if key.revoked_at is not None:
        return deny(_("This API key was revoked on %(date)s. Ask the provincial department for a new one.")
                    % {"date": timezone.localtime(key.revoked_at).strftime("%Y-%m-%d")})
    return ALLOWED


def can_grant_consent(user, unit) -> Decision:
    """Only the enterprise itself shares its scorecard, and withdraws what it shared."""
    if registry_rules.acts_for(user, unit):
        return ALLOWED
    return deny(_("Only the enterprise itself can share its scorecard or withdraw access."))


def consent_is_open(consent, at) -> Decision:
    """A consent lets its audience in from its grant until just before `expires_at`, unless withdrawn; a one-time
    link, once."""
    if consent.withdrawn_at is not None and consent.withdrawn_at <= at:
        return deny(_("The enterprise withdrew this access on %(date)s.")
                    % {"date": timezone.localtime(consent.withdrawn_at).strftime("%Y-%m-%d %H:%M")})
    if at < consent.granted_at:
        return deny(_("This access has not started yet."))
    if at >= consent.expires_at:
        return deny(_("This access expired on %(date)s.")
                    % {"date": timezone.localtime(consent.expires_at).strftime("%Y-%m-%d %H:%M")})
    if not consent.institution_id and consent.used_at is not None:
        return deny(_("This one-time link has already been used."))
    return ALLOWED
