"""Who may see and change what. Every scoped queryset in the portal starts here.

A person's access is the union of their memberships, never more:
- a provincial membership sees every city and every unit;
- a city membership sees the units of that city;
- an enterprise membership sees that one unit.
Views fetch objects through these querysets, so an object outside the scope is simply not found (404).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .enums import MembershipScope
from .models import City, Unit

_CACHE_ATTR = "_greenmfg_roles"


@dataclass(frozen=True)
class Roles:
    province: bool = False
    city_ids: frozenset = frozenset()
    unit_ids: frozenset = frozenset()

    @property
    def is_city_reviewer(self) -> bool:
        return bool(self.city_ids)

    @property
    def is_enterprise(self) -> bool:
        return bool(self.unit_ids)

    @property
    def is_staff_reviewer(self) -> bool:
        """Province or city staff: the people who work on other organisations' units."""
        return self.province or self.is_city_reviewer

    @property
    def any(self) -> bool:
        return self.province or self.is_city_reviewer or self.is_enterprise


NO_ROLES = Roles()


def roles_of(user) -> Roles:
    """The memberships of `user`, read once per request (cached on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ROLES
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    province = False
    city_ids, unit_ids = set(), set()
    for scope, city_id, unit_id in user.memberships.values_list("scope", "city_id", "unit_id"):
        if scope == MembershipScope.PROVINCE:
            province = True
        elif scope == MembershipScope.CITY:
            city_ids.add(city_id)
        elif scope == MembershipScope.UNIT:
            unit_ids.add(unit_id)
    roles = Roles(province=province, city_ids=frozenset(city_ids), unit_ids=frozenset(unit_ids))
    setattr(user, _CACHE_ATTR, roles)
    return roles


def forget_roles(user) -> None:
    """Drop the cached roles, after memberships change within one request or test."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def unit_scope_q(user, unit_field: str = "unit") -> Q | None:
    """A Q object limiting rows that point at a unit (through `unit_field`) to the user's scope.

    None means "everything" (the province). A user with no scope gets a Q that matches nothing.
    Other apps use it for their own querysets: `Filing.objects.filter(unit_scope_q(user))`.
    """
    roles = roles_of(user)
    if roles.province:
        return None
    return Q(**{f"{unit_field}__city_id__in": sorted(roles.city_ids)}) | Q(
        **{f"{unit_field}_id__in": sorted(roles.unit_ids)}
    )


def scoped(queryset: QuerySet, user, unit_field: str = "unit") -> QuerySet:
    """`queryset` limited to the rows whose unit the user may see."""
    q = unit_scope_q(user, unit_field)
    if q is None:
        return queryset
    if not roles_of(user).any:
        return queryset.none()
    return queryset.filter(q)


def visible_units(user) -> QuerySet[Unit]:
    """Every unit the user may see."""
    roles = roles_of(user)
    if roles.province:
        return Unit.objects.all()
    if not roles.any:
        return Unit.objects.none()
    q = Q(city_id__in=sorted(roles.city_ids)) | Q(pk__in=sorted(roles.unit_ids))
    return Unit.objects.filter(q)


def reviewable_units(user) -> QuerySet[Unit]:
    """Units the user works on as staff (province or city), not as their own enterprise."""
    roles = roles_of(user)
    if roles.province:
        return Unit.objects.all()
    if not roles.city_ids:
        return Unit.objects.none()
    return Unit.objects.filter(city_id__in=sorted(roles.city_ids))


def visible_cities(user) -> QuerySet[City]:
    """Cities whose data the user may see as staff."""
    roles = roles_of(user)
    if roles.province:
        return City.objects.all()
    return City.objects.filter(pk__in=sorted(roles.city_ids))


def require_province(user) -> None:
    from . import rules  # rules builds on this module

    if not rules.is_province(user):
        raise PermissionDenied(rules.is_province(user).reason)


def require_staff(user) -> None:
    if not roles_of(user).is_staff_reviewer:
        raise PermissionDenied(_("This page is for the provincial department and the city bureaus."))
