"""Who may see and change what. Every scoped queryset in the portal starts here.

A person's access is the union of their memberships, never more:
- a provincial membership sees every city and every unit;
- a city membership sees the units of that city;
- a district membership sees the units of that district, and nothing else of its city;
- an enterprise membership (the legal entity) sees and acts for every unit of that enterprise;
- a unit membership sees and acts for that one unit.
Views fetch objects through these querysets, so an object outside the scope is simply not found (404).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .enums import MembershipScope
from .models import City, District, Unit

_CACHE_ATTR = "_greenmfg_roles"


@dataclass(frozen=True)
class Roles:
    province: bool = False
    city_ids: frozenset = frozenset()
    # The units the person acts for: those of their enterprises, and single units they were given.
    unit_ids: frozenset = frozenset()
    district_ids: frozenset = frozenset()
    enterprise_ids: frozenset = frozenset()

    @property
    def is_city_reviewer(self) -> bool:
        return bool(self.city_ids)

    @property
    def is_district_reviewer(self) -> bool:
        return bool(self.district_ids)

    @property
    def is_enterprise(self) -> bool:
        return bool(self.unit_ids)

    @property
    def is_staff_reviewer(self) -> bool:
        """Province or city staff: the people who work on other organisations' units."""
        return self.province or self.is_city_reviewer

    @property
    def reads_registry(self) -> bool:
        """Province, city or district staff: the people who read the registry's list of units."""
        return self.is_staff_reviewer or self.is_district_reviewer

    @property
    def any(self) -> bool:
        return self.province or self.is_city_reviewer or self.is_district_reviewer or self.is_enterprise


NO_ROLES = Roles()


def roles_of(user) -> Roles:
    """The memberships of `user`, read once per request (cached on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ROLES
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    province = False
    city_ids, unit_ids, district_ids, enterprise_ids = set(), set(), set(), set()
    # One query: an enterprise membership comes back once per unit of its enterprise (a left join).
    rows = user.memberships.values_list("scope", "city_id", "unit_id", "district_id", "enterprise_id",
                                        "enterprise__units__id")
    for scope, city_id, unit_id, district_id, enterprise_id, enterprise_unit_id in rows:
        if scope == MembershipScope.PROVINCE:
            province = True
        elif scope == MembershipScope.CITY:
            city_ids.add(city_id)
        elif scope == MembershipScope.DISTRICT:
            district_ids.add(district_id)
        elif scope == MembershipScope.ENTERPRISE:
            enterprise_ids.add(enterprise_id)
            if enterprise_unit_id is not None:
                unit_ids.add(enterprise_unit_id)
        elif scope == MembershipScope.UNIT:
            unit_ids.add(unit_id)
    roles = Roles(province=province, city_ids=frozenset(city_ids), unit_ids=frozenset(unit_ids),
                  district_ids=frozenset(district_ids), enterprise_ids=frozenset(enterprise_ids))
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
    q = Q(**{f"{unit_field}__city_id__in": sorted(roles.city_ids)}) | Q(
        **{f"{unit_field}_id__in": sorted(roles.unit_ids)}
    )
    if roles.district_ids:
        q |= Q(**{f"{unit_field}__district_id__in": sorted(roles.district_ids)})
    return q


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
    if roles.district_ids:
        q |= Q(district_id__in=sorted(roles.district_ids))
    return Unit.objects.filter(q)


def reviewable_units(user) -> QuerySet[Unit]:
    """Units the user works on as staff (province or city), not as their own enterprise."""
    roles = roles_of(user)
    if roles.province:
        return Unit.objects.all()
    if not roles.city_ids:
        return Unit.objects.none()
    return Unit.objects.filter(city_id__in=sorted(roles.city_ids))


def district_units(user) -> QuerySet[Unit]:
    """Units the user works on as a district reviewer: those of their districts, never a city-level unit."""
    roles = roles_of(user)
    if not roles.district_ids:
        return Unit.objects.none()
    return Unit.objects.filter(district_id__in=sorted(roles.district_ids))


def visible_cities(user) -> QuerySet[City]:
    """Cities whose data the user may see as staff. A district reviewer sees none whole."""
    roles = roles_of(user)
    if roles.province:
        return City.objects.all()
    return City.objects.filter(pk__in=sorted(roles.city_ids))


def visible_districts(user) -> QuerySet[District]:
    """Districts whose units the user may see as staff: every district of their cities, and their own."""
    roles = roles_of(user)
    if roles.province:
        return District.objects.all()
    return District.objects.filter(Q(city_id__in=sorted(roles.city_ids)) | Q(pk__in=sorted(roles.district_ids)))


def require_province(user) -> None:
    from . import rules  # rules builds on this module

    if not rules.is_province(user):
        raise PermissionDenied(rules.is_province(user).reason)


def require_staff(user) -> None:
    if not roles_of(user).is_staff_reviewer:
        raise PermissionDenied(_("This page is for the provincial department and the city bureaus."))


def require_registry_reader(user) -> None:
    """The registry's list: the province, the city bureaus and the district reviewers."""
    if not roles_of(user).reads_registry:
        raise PermissionDenied(_("This page is for the provincial department, the city bureaus and the district reviewers."))


def acting_members(units: QuerySet[Unit]) -> list[tuple]:
    """(user, unit) for every active person who acts for one of `units`: through an enterprise membership of
    the unit's enterprise, or a membership of the unit itself. Ordered by unit, then user; three queries."""
    from django.contrib.auth import get_user_model

    from .models import Membership

    rows = Membership.objects.filter(
        Q(scope=MembershipScope.UNIT, unit__in=units) | Q(scope=MembershipScope.ENTERPRISE, enterprise__units__in=units),
        user__is_active=True,
    ).values_list("user_id", "scope", "unit_id", "enterprise__units__id")
    pairs = sorted({(unit_id if scope == MembershipScope.UNIT else enterprise_unit_id, user_id)
                    for user_id, scope, unit_id, enterprise_unit_id in rows})
    by_pk = Unit.objects.select_related("city").in_bulk({unit_id for unit_id, _user in pairs})
    users = get_user_model().objects.in_bulk({user_id for _unit, user_id in pairs})
    return [(users[user_id], by_pk[unit_id]) for unit_id, user_id in pairs]
