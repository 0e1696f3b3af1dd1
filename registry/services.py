"""The registry's business rules. Views, admin, commands and tasks call these and stay thin."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import signals
from .enums import HistorySource, Level, UnitKind, UnitStatus
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
    """Apply `changes` to `unit` in memory and return one unsaved history entry per changed field."""
    entries = []
    for name, new in changes.items():
        if name not in TRACKED_FIELDS:
            raise ValueError(f"{name} is not a tracked unit field")
        old = getattr(unit, name)
        if old == new:
            continue
        setattr(unit, name, new)
        entries.append(
            UnitHistory(
                unit=unit, field=name, old_value=_stored(old), new_value=_stored(new),
                reason=reason[:500], source=source, actor=actor,
            )
        )
    return entries


@transaction.atomic
def update_unit(unit: Unit, *, actor, reason: str, source: str = HistorySource.MANUAL, **changes) -> list[UnitHistory]:
    """The one way a unit's fields change: lock, apply, validate, save, write history, announce.

    Returns the history entries written (empty when nothing changed).
    """
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    old_status, old_name = locked.status, locked.name
    entries = history_entries(locked, changes, actor=actor, reason=reason, source=source)
    if not entries:
        return []
    locked.full_clean()
    locked.save(update_fields=[e.field for e in entries] + ["updated_at"])
    UnitHistory.objects.bulk_create(entries)
    if locked.status == UnitStatus.REMOVED and old_status != UnitStatus.REMOVED:
        transaction.on_commit(lambda: signals.unit_removed.send(Unit, unit=locked, actor=actor, reason=reason))
    if locked.name != old_name:
        transaction.on_commit(
            lambda: signals.unit_renamed.send(Unit, unit=locked, old_name=old_name, new_name=locked.name, actor=actor)
        )
    # Keep the caller's instance current.
    for e in entries:
        setattr(unit, e.field, getattr(locked, e.field))
    return entries


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
