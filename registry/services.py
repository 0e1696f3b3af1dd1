"""The registry's business rules. Views, admin, commands and tasks call these and stay thin."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from greenmfg.rules import deny, require

from . import rules, signals
from .creditcode import credit_code_problem, normalise
from .enums import UNIT_MACHINE, DistrictKind, HistorySource, Level, UnitKind, UnitStatus
from .models import City, District, Enterprise, EnterpriseHistory, PublishedList, Unit, UnitHistory

# Fields whose every change is written to the unit's history.
TRACKED_FIELDS = (
    "name", "credit_code", "kind", "level", "batch", "year_listed", "status", "status_date", "status_reason",
    "city", "industry", "contact_name", "contact_phone",
    "enterprise", "branch_code", "listed_in", "removed_in", "evaluator", "district",
)


def _stored(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def history_entries(unit: Unit, changes: dict, *, actor, reason: str, source: str) -> list[UnitHistory]:
    """Apply `changes` to `unit` in memory and return one unsaved history entry per changed field.

    A status change must be a move of the unit's state machine (listed → removed, removed → listed).
    """
    entries = []
    for name, new in changes.items():
        if name not in TRACKED_FIELDS:
            raise ValueError(f"{name} is not a tracked unit field")
        field = Unit._meta.get_field(name)
        # Relations compare by id: reading the related row only when it changed keeps a bulk import free of
        # N+1 reads.
        if field.is_relation and getattr(unit, field.attname) == (new.pk if new is not None else None):
            continue
        old = getattr(unit, name)
        if old == new:
            continue
        if name == "status":
            if new not in STATUS_MOVES:
                raise ValueError(f"{new!r} is not a unit status")
            UNIT_MACHINE.check(STATUS_MOVES[new], old)
        setattr(unit, name, new)
        entries.append(
            UnitHistory(
                unit=unit, field=name, old_value=_stored(old), new_value=_stored(new),
                reason=reason[:500], source=source, actor=actor,
            )
        )
    return entries


# The move that leads to each status.
STATUS_MOVES = {UnitStatus.REMOVED: "remove", UnitStatus.LISTED: "relist"}


def _announce(unit: Unit, entries: list[UnitHistory], *, actor, reason: str) -> None:
    """Tell the higher apps, inside the transaction (registry.signals): a removal revokes codes with it."""
    changed = {e.field: e for e in entries}
    status = changed.get("status")
    if status is not None and status.new_value == UnitStatus.REMOVED:
        signals.unit_removed.send(Unit, unit=unit, actor=actor, reason=reason)
    name = changed.get("name")
    if name is not None:
        signals.unit_renamed.send(Unit, unit=unit, old_name=name.old_value, new_name=name.new_value, actor=actor)


@transaction.atomic
def update_unit(unit: Unit, *, actor, reason: str, source: str = HistorySource.MANUAL, **changes) -> list[UnitHistory]:
    """The one way a unit's fields change: lock, apply, validate, save, write history, announce.

    Returns the history entries written (empty when nothing changed).
    """
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    entries = history_entries(locked, changes, actor=actor, reason=reason, source=source)
    if not entries:
        return []
    locked.full_clean()
    locked.save(update_fields=[e.field for e in entries] + ["updated_at"])
    UnitHistory.objects.bulk_create(entries)
    _announce(locked, entries, actor=actor, reason=reason)
    # Keep the caller's instance current.
    for e in entries:
        setattr(unit, e.field, getattr(locked, e.field))
    return entries


@transaction.atomic
def apply_changes(changes: list[tuple[Unit, dict]], *, actor, reason: str, source: str) -> list[Unit]:
    """Many units at once (an import): the same history and announcements as update_unit, in bulk writes.

    `changes` pairs units read with select_for_update by the caller with their new values. Returns the units
    that changed.
    """
    changed_units, entries, fields = [], [], set()
    announce = []
    for unit, values in changes:
        unit_entries = history_entries(unit, values, actor=actor, reason=reason, source=source)
        if not unit_entries:
            continue
        changed_units.append(unit)
        entries.extend(unit_entries)
        fields.update(e.field for e in unit_entries)
        announce.append((unit, unit_entries))
    if changed_units:
        Unit.objects.bulk_update(changed_units, sorted(fields) + ["updated_at"], batch_size=1000)
        UnitHistory.objects.bulk_create(entries, batch_size=1000)
    for unit, unit_entries in announce:
        _announce(unit, unit_entries, actor=actor, reason=reason)
    return changed_units


def unit_code(unit: Unit) -> str:
    """The code a listed unit carries: its own branch registration code, else its enterprise's (or "")."""
    return unit.branch_code or (unit.enterprise.credit_code if unit.enterprise_id else "") or ""


def attach_enterprises(units: list[Unit]) -> None:
    """Give each unit without an enterprise the one that owns its credit code, creating those that do not
    exist yet (named after the unit); a unit without a code gets a new enterprise of its own. In bulk: one
    read and one insert whatever the number of units."""
    orphans = [u for u in units if u.enterprise_id is None]
    if not orphans:
        return
    codes = {normalise(u.credit_code) for u in orphans if u.credit_code}
    known = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
    fresh: dict[str, Enterprise] = {}
    nameless = []
    for unit in orphans:
        code = normalise(unit.credit_code)
        if not code:
            nameless.append((unit, Enterprise(name=unit.name)))
        elif code not in known and code not in fresh:
            fresh[code] = Enterprise(name=unit.name, credit_code=code)
    Enterprise.objects.bulk_create([*fresh.values(), *(e for _u, e in nameless)], batch_size=1000)
    known.update(fresh)
    for unit, enterprise in nameless:
        unit.enterprise = enterprise
    for unit in orphans:
        if unit.enterprise_id is None:
            unit.enterprise = known[normalise(unit.credit_code)]


@transaction.atomic
def create_units(units: list[Unit], *, actor, reason: str, source: str) -> list[Unit]:
    """New units, each with a first history entry (its status). A unit without an enterprise joins the one
    that owns its credit code (created when new); every unit's code is then its branch code or its
    enterprise's."""
    attach_enterprises(units)
    for unit in units:
        unit.credit_code = unit_code(unit)
    Unit.objects.bulk_create(units, batch_size=1000)
    # PostgreSQL and SQLite (3.35+) both hand back the new primary keys from bulk_create.
    UnitHistory.objects.bulk_create(
        [UnitHistory(unit=u, field="status", old_value="", new_value=u.status, reason=reason[:500], source=source,
                     actor=actor) for u in units],
        batch_size=1000,
    )
    return units


# Fields a city bureau may change directly; the province may also change these. Name and status change
# only through a MIIT decision or the province's import, never through the edit form.
CITY_EDITABLE = ("industry", "district", "contact_name", "contact_phone")
PROVINCE_EDITABLE = CITY_EDITABLE + ("level", "listed_in", "batch", "year_listed", "evaluator")


def list_fields(published: PublishedList | None) -> dict:
    """The batch and year a unit takes from the list it came from."""
    if published is None:
        return {"listed_in": None}
    return {"listed_in": published, "batch": published.batch, "year_listed": published.year}


def edit_unit(unit: Unit, changes: dict, *, actor, reason: str) -> list[UnitHistory]:
    """The edit form's change of a unit, by the province or the unit's city bureau."""
    require(rules.can_edit_unit(actor, unit))
    allowed = PROVINCE_EDITABLE if rules.is_province(actor) else CITY_EDITABLE
    refused = sorted(set(changes) - set(allowed))
    if refused:
        require(deny(_("You cannot change these fields: %(fields)s.") % {"fields": ", ".join(refused)}))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the change; it is written to the history.")})
    changes = dict(changes)
    if changes.get("listed_in") is not None:
        changes.update(list_fields(changes["listed_in"]))  # the list decides the batch and the year
    district = changes.get("district")
    if district is not None and district.city_id != unit.city_id:
        raise ValidationError({"district": _("The district must be one of the unit's city.")})
    return update_unit(unit, actor=actor, reason=reason.strip(), source=HistorySource.MANUAL, **changes)


def removal_changes(reason: str, *, date: dt.date | None = None, removed_in: PublishedList | None = None) -> dict:
    """The changes that take a unit off the list, for update_unit or apply_changes (which check the move);
    `removed_in` is MIIT's published removal list, where there is one."""
    changes = {"status": UnitStatus.REMOVED, "status_date": date or timezone.localdate(), "status_reason": reason[:500]}
    if removed_in is not None:
        changes["removed_in"] = removed_in
    return changes


def relisting_changes(*, date: dt.date | None = None) -> dict:
    """The changes that put a removed unit back on the list (MIIT lists it again)."""
    return {"status": UnitStatus.LISTED, "status_date": date or timezone.localdate(), "status_reason": "",
            "removed_in": None}


def remove_unit(unit: Unit, *, actor, reason: str, source: str, date: dt.date | None = None,
                removed_in: PublishedList | None = None) -> list[UnitHistory]:
    """Take a unit off the list; `removed_in` is MIIT's published removal list, where there is one."""
    return update_unit(unit, actor=actor, reason=reason, source=source,
                       **removal_changes(reason, date=date, removed_in=removed_in))


@transaction.atomic
def rename_unit(unit: Unit, new_name: str, *, actor, reason: str, source: str) -> list[UnitHistory]:
    """Rename a listed unit. Where the unit bore its legal entity's name, the entity changed its name: the
    enterprise and its other listings under that same name are renamed with it (each with its history)."""
    new_name = new_name.strip()
    enterprise = Enterprise.objects.select_for_update().get(pk=unit.enterprise_id)
    old_name = Unit.objects.values_list("name", flat=True).get(pk=unit.pk)
    entries = update_unit(unit, actor=actor, reason=reason, source=source, name=new_name)
    if entries and enterprise.name == old_name:
        _enterprise_change(enterprise, {"name": new_name}, actor=actor, reason=reason, source=source)
        for sibling in enterprise.units.exclude(pk=unit.pk).filter(name=old_name):
            entries += update_unit(sibling, actor=actor, reason=reason, source=source, name=new_name)
    return entries


# --- enterprises (legal entities) ----------------------------------------------------------------------------

def _enterprise_change(enterprise: Enterprise, changes: dict, *, actor, reason: str, source: str) -> list:
    entries = []
    for name, new in changes.items():
        old = getattr(enterprise, name)
        if old == new:
            continue
        setattr(enterprise, name, new)
        entries.append(EnterpriseHistory(enterprise=enterprise, field=name, old_value=_stored(old),
                                         new_value=_stored(new), reason=reason[:500], source=source, actor=actor))
    if entries:
        enterprise.full_clean()
        enterprise.save(update_fields=[e.field for e in entries] + ["updated_at"])
        EnterpriseHistory.objects.bulk_create(entries)
    return entries


@transaction.atomic
def set_credit_code(enterprise: Enterprise, code: str, *, actor, reason: str, accept_failed_check: bool = False,
                    source: str = HistorySource.MANUAL) -> list[EnterpriseHistory]:
    """Record or correct an enterprise's credit code; its units without a code of their own follow.

    The code is trimmed and upper-cased. A masked, short or malformed code is always refused. A code that
    fails the check character is refused too, unless the province records it on purpose, with a reason
    (`accept_failed_check`): the rare legal code issued before 2016. Characters 3-8 (the issuing county)
    are never checked: the county may no longer exist.
    """
    require(rules.can_set_credit_code(actor, enterprise))
    code = normalise(code)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the change; it is written to the history.")})
    waiver = ""
    if code:
        problem = credit_code_problem(code)
        if problem and problem.kind == "check" and accept_failed_check:
            require(rules.is_province(actor))
            waiver = reason
        elif problem:
            raise ValidationError({"credit_code": problem.message})
        owner = Enterprise.objects.filter(credit_code=code).exclude(pk=enterprise.pk).first()
        if owner is not None:
            raise ValidationError({"credit_code": _("This code already belongs to “%(name)s”.") % {"name": owner.name}})
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    entries = _enterprise_change(locked, {"credit_code": code or None, "code_check_waiver": waiver},
                                 actor=actor, reason=reason, source=source)
    enterprise.credit_code, enterprise.code_check_waiver = locked.credit_code, locked.code_check_waiver
    units = list(Unit.objects.select_for_update().filter(enterprise=locked, branch_code=""))
    for unit in units:
        unit.enterprise = locked
    apply_changes([(u, {"credit_code": unit_code(u)}) for u in units], actor=actor, reason=reason, source=source)
    return entries


@transaction.atomic
def place_under_enterprise(unit: Unit, enterprise: Enterprise, *, branch_code: str = "", actor, reason: str,
                           source: str = HistorySource.MANUAL) -> list[UnitHistory]:
    """Make `unit` a listing of `enterprise` (a branch or plant of its parent, or the entity's second list),
    with its own branch registration code where it has one. The province only."""
    require(rules.is_province(actor))
    branch_code = normalise(branch_code)
    if branch_code:
        problem = credit_code_problem(branch_code)
        if problem:
            raise ValidationError({"branch_code": problem.message})
    code = branch_code or enterprise.credit_code or ""
    return update_unit(unit, actor=actor, reason=reason, source=source, enterprise=enterprise,
                       branch_code=branch_code, credit_code=code)


# --- districts -----------------------------------------------------------------------------------------------

def add_review_area(city: City, name: str, *, actor) -> District:
    """A city adds an area it reviews through (a development zone, a town). Its bureau or the province."""
    require(rules.manages_districts(actor, city))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the area's name.")})
    if District.objects.filter(city=city, name=name).exists():
        raise ValidationError({"name": _("%(city)s already has an area named “%(name)s”.") % {"city": city, "name": name}})
    area = District(city=city, name=name, kind=DistrictKind.REVIEW_AREA)
    area.full_clean()
    area.save()
    return area


@dataclass
class CityStatsRow:
    number: int | None
    city: str
    factories: int
    supply_chain: int
    parks: int
    city_id: int | None = None


@dataclass
class CityStats:
    rows: list[CityStatsRow] = field(default_factory=list)
    total: CityStatsRow | None = None

    @property
    def max_factories(self) -> int:
        return max((r.factories for r in self.rows), default=0)


def city_statistics(level: str | None = Level.NATIONAL, published: PublishedList | None = None) -> CityStats:
    """附件2: listed factories, supply-chain firms and parks per city, in the seed's city order, with totals.

    Removed units never count. `level=None` counts every level; `published` counts only the units that
    came from that list. One query whatever the registry's size.
    """
    listed = Q(units__status=UnitStatus.LISTED)
    if level:
        listed &= Q(units__level=level)
    if published is not None:
        listed &= Q(units__listed_in=published)
    cities = City.objects.order_by("seed_order").annotate(
        n_factories=Count("units", filter=listed & Q(units__kind=UnitKind.FACTORY)),
        n_supply_chain=Count("units", filter=listed & Q(units__kind=UnitKind.SUPPLY_CHAIN)),
        n_parks=Count("units", filter=listed & Q(units__kind=UnitKind.PARK)),
    )
    stats = CityStats()
    for city in cities:
        stats.rows.append(
            CityStatsRow(city.seed_order, city.name, city.n_factories, city.n_supply_chain, city.n_parks, city.pk)
        )
    stats.total = CityStatsRow(
        None, str(_("Total")),
        sum(r.factories for r in stats.rows), sum(r.supply_chain for r in stats.rows), sum(r.parks for r in stats.rows),
    )
    return stats


def district_statistics(city: City, level: str | None = Level.NATIONAL,
                        published: PublishedList | None = None) -> CityStats:
    """The same counts for one city, by district, with a row for units not yet placed in a district and the
    city's total (which equals its row of 附件2). Two queries."""
    listed = Q(status=UnitStatus.LISTED)
    if level:
        listed &= Q(level=level)
    if published is not None:
        listed &= Q(listed_in=published)
    counts = (
        Unit.objects.filter(listed, city=city).values("district_id")
        .annotate(
            f=Count("pk", filter=Q(kind=UnitKind.FACTORY)),
            s=Count("pk", filter=Q(kind=UnitKind.SUPPLY_CHAIN)),
            p=Count("pk", filter=Q(kind=UnitKind.PARK)),
        )
        .order_by()
    )
    by_district = {row["district_id"]: row for row in counts}
    stats = CityStats()
    for number, district in enumerate(city.districts.all(), start=1):
        row = by_district.get(district.pk, {"f": 0, "s": 0, "p": 0})
        stats.rows.append(CityStatsRow(number, district.name, row["f"], row["s"], row["p"], district.pk))
    unplaced = by_district.get(None)
    if unplaced:
        stats.rows.append(CityStatsRow(None, str(_("No district yet")), unplaced["f"], unplaced["s"], unplaced["p"]))
    stats.total = CityStatsRow(
        None, str(_("Total")),
        sum(r.factories for r in stats.rows), sum(r.supply_chain for r in stats.rows), sum(r.parks for r in stats.rows),
    )
    return stats
