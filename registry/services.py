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
from .enums import UNIT_MACHINE, HistorySource, Level, UnitKind, UnitStatus
from .models import City, Unit, UnitHistory

# Fields whose every change is written to the unit's history.
TRACKED_FIELDS = (
    "name", "credit_code", "kind", "level", "batch", "year_listed", "status", "status_date", "status_reason",
    "city", "industry", "contact_name", "contact_phone",
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
        old = getattr(unit, name)
        if old == new:
            continue
        if name == "status":
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


@transaction.atomic
def create_units(units: list[Unit], *, actor, reason: str, source: str) -> list[Unit]:
    """New units, each with a first history entry (its status)."""
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
CITY_EDITABLE = ("industry", "contact_name", "contact_phone")
PROVINCE_EDITABLE = CITY_EDITABLE + ("level", "batch", "year_listed")


def edit_unit(unit: Unit, changes: dict, *, actor, reason: str) -> list[UnitHistory]:
    """The edit form's change of a unit, by the province or the unit's city bureau."""
    require(rules.can_edit_unit(actor, unit))
    allowed = PROVINCE_EDITABLE if rules.is_province(actor) else CITY_EDITABLE
    refused = sorted(set(changes) - set(allowed))
    if refused:
        require(deny(_("You cannot change these fields: %(fields)s.") % {"fields": ", ".join(refused)}))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the change; it is written to the history.")})
    return update_unit(unit, actor=actor, reason=reason.strip(), source=HistorySource.MANUAL, **changes)


def remove_unit(unit: Unit, *, actor, reason: str, source: str, date: dt.date | None = None) -> list[UnitHistory]:
    return update_unit(
        unit, actor=actor, reason=reason, source=source,
        status=UnitStatus.REMOVED, status_date=date or timezone.localdate(), status_reason=reason,
    )


def rename_unit(unit: Unit, new_name: str, *, actor, reason: str, source: str) -> list[UnitHistory]:
    return update_unit(unit, actor=actor, reason=reason, source=source, name=new_name.strip())


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


def city_statistics(level: str | None = Level.NATIONAL) -> CityStats:
    """附件2: listed factories, supply-chain firms and parks per city, in the seed's city order, with totals.

    Removed units never count. `level=None` counts every level. Two queries whatever the registry's size.
    """
    listed = Q(units__status=UnitStatus.LISTED)
    if level:
        listed &= Q(units__level=level)
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
