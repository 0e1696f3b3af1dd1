"""Named rules of the registry: who acts for which unit. Each answers a Decision with a reason.

Roles come from registry.access (memberships, read once per request). These are the only copies of
"is the province", "reviews this unit's city" and "acts for this unit"; every app asks them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from greenmfg.rules import ALLOWED, Decision, deny

from . import access
from .enums import UnitStatus


def is_province(user) -> Decision:
    if access.roles_of(user).province:
        return ALLOWED
    return deny(_("Only the provincial department can do this."))


def reviews_unit(user, unit) -> Decision:
    """The bureau of the unit's own city reviews it (the province watches; it does not review)."""
    if unit.city_id in access.roles_of(user).city_ids:
        return ALLOWED
    return deny(_("Only the city bureau of the unit's city can do this."))


def reviews_district_unit(user, unit) -> Decision:
    """A district reviewer works on the units of its own district only: never another district's, never the
    city-level units (those with no district)."""
    if unit.district_id is not None and unit.district_id in access.roles_of(user).district_ids:
        return ALLOWED
    return deny(_("Only the reviewer of the unit's district can do this."))


def reviews_city(user, city) -> Decision:
    if city.pk in access.roles_of(user).city_ids:
        return ALLOWED
    return deny(_("Only the city's own bureau can do this."))


def acts_for(user, unit) -> Decision:
    """The enterprise itself: a person with a membership of the unit."""
    if unit.pk in access.roles_of(user).unit_ids:
        return ALLOWED
    return deny(_("Only the enterprise itself can do this."))


def is_listed(unit) -> Decision:
    if unit.status == UnitStatus.LISTED:
        return ALLOWED
    return deny(_("This unit is no longer on the list."))


def can_edit_unit(user, unit) -> Decision:
    """The province edits any unit; a city bureau the units of its city."""
    if is_province(user) or reviews_unit(user, unit):
        return ALLOWED
    return deny(_("Only the province or the unit's city bureau can change the unit."))


def manages_districts(user, city) -> Decision:
    """Adds the areas a city reviews through: the city's own bureau, or the province."""
    if is_province(user) or reviews_city(user, city):
        return ALLOWED
    return deny(_("Only the city's own bureau or the province can add the city's review areas."))


def can_set_credit_code(user, enterprise) -> Decision:
    """Records an enterprise's credit code: the province, or the bureau of a city where it has a listed unit.
    (Keeping a code that fails the check character is the province's alone: see services.set_credit_code.)"""
    if is_province(user):
        return ALLOWED
    city_ids = access.roles_of(user).city_ids
    if city_ids and enterprise.units.filter(city_id__in=sorted(city_ids)).exists():
        return ALLOWED
    return deny(_("Only the province or the bureau of the enterprise's city can change its credit code."))
