"""Named rules of the yearly review: each answers allowed-or-denied with a reason (greenmfg.rules.Decision).

The services call them before every change; views call the same ones to show or hide an action and to
explain a denial. Who-is-who comes from registry.rules; domain terms from reviews.queries.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from greenmfg.rules import ALLOWED, Decision, deny
from registry import rules as registry_rules

from . import queries


def can_file(user, unit) -> Decision:
    """Only the enterprise itself files (a city uploads on its behalf through the bulk upload)."""
    return registry_rules.acts_for(user, unit)


def can_review(user, unit) -> Decision:
    """Only the bureau of the unit's city checks, returns and accepts its filing and proposes its outcome."""
    return registry_rules.reviews_unit(user, unit)


def can_submit_package(user, city) -> Decision:
    return registry_rules.reviews_city(user, city)


def can_decide(user) -> Decision:
    """The province approves or returns proposals and records MIIT's decisions."""
    return registry_rules.is_province(user)


def can_report_incident(user, unit) -> Decision:
    decision = registry_rules.reviews_unit(user, unit)
    return decision if not decision else registry_rules.is_listed(unit)


def proposal_not_blocked(filing) -> Decision:
    """A non-compliant key indicator needs a completed on-site assessment before any outcome is proposed."""
    if queries.blocked_by_assessment(filing):
        return deny(_("A key indicator was found non-compliant: complete an on-site assessment (with its "
                      "conclusion and date) before proposing an outcome."))
    return ALLOWED
