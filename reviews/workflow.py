"""The one function of the review app that moves a filing, a proposal or a city package between states.

It asks the record's state machine (reviews.enums) whether the move is allowed, sets the state, saves with
`update_fields`, and writes the audit record. The services call it after checking their rules; nothing else
assigns a state (tests/test_state_owners.py greps the code for it).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils import timezone

from greenmfg.statemachine import TransitionNotAllowed

from . import audit
from .enums import FILING_MACHINE, PACKAGE_MACHINE, PROPOSAL_MACHINE, PackageState
from .models import AdjustmentProposal, CityPackage, Filing, Transition


class ReviewError(Exception):
    """A step that is not allowed now; the message tells the person why, in words they can act on."""


MACHINES = {Filing: FILING_MACHINE, AdjustmentProposal: PROPOSAL_MACHINE, CityPackage: PACKAGE_MACHINE}


def state_of(obj) -> str | None:
    """The record's state; None for a record not saved yet."""
    if obj.pk is None:
        return None
    if isinstance(obj, CityPackage):
        return PackageState.LATE if obj.is_late else PackageState.ON_TIME
    return obj.state


def _target(model, action: str, state: str | None) -> str:
    try:
        return MACHINES[model].check(action, state)
    except TransitionNotAllowed as exc:
        raise ReviewError(str(exc)) from None


def check(obj, action: str) -> str:
    """The state after `action`, or ReviewError with the reason."""
    return _target(type(obj), action, state_of(obj))


def _set_state(obj, state: str) -> None:
    if isinstance(obj, CityPackage):
        obj.is_late = state == PackageState.LATE
    else:
        obj.state = state


def _has_updated_at(obj) -> bool:
    return any(f.name == "updated_at" for f in obj._meta.concrete_fields)


def transition(obj, action: str, *, actor, comment: str = "", fields=()) -> Transition:
    """Perform one move on `obj` (saved here: inserted when new), with its audit record.

    `fields` names the other fields the caller set on `obj` for this move; they are saved with the state.
    """
    before = state_of(obj)
    after = check(obj, action)
    _set_state(obj, after)
    if obj.pk is None:
        obj.save()
    else:
        names = {"state"} if not isinstance(obj, CityPackage) else set()
        names.update(fields)
        if _has_updated_at(obj):
            names.add("updated_at")
        if names:
            obj.save(update_fields=sorted(names))
    return audit.record(obj, action, actor=actor, from_state=before or "", to_state=after, comment=comment)


def transition_many(objs: list, action: str, *, actor, comment: str = "", values: dict | None = None,
                    bump_version: bool = False) -> None:
    """The same move for many saved records of one model, in one UPDATE and one INSERT of audit rows.

    Every record must allow the move (ReviewError otherwise, before anything is written). `values` are set on
    every record with the state; `bump_version` raises a filing's version.
    """
    if not objs:
        return
    model = type(objs[0])
    move = MACHINES[model].move(action)
    now = timezone.now()
    values = dict(values or {})
    befores = {obj.pk: state_of(obj) for obj in objs}
    afters = {obj.pk: check(obj, action) for obj in objs}
    if _has_updated_at(objs[0]):
        values.setdefault("updated_at", now)
    update = dict(values)
    if move.target is not None:
        update["state"] = move.target
    if bump_version:
        update["version"] = F("version") + 1
    model.objects.filter(pk__in=[o.pk for o in objs]).update(**update)
    for obj in objs:
        _set_state(obj, afters[obj.pk])
        for name, value in values.items():
            setattr(obj, name, value)
        if bump_version:
            obj.version += 1
    content_type = ContentType.objects.get_for_model(model)
    Transition.objects.bulk_create([
        Transition(content_type=content_type, object_id=o.pk, action=action, from_state=befores[o.pk] or "",
                   to_state=afters[o.pk], actor=actor, at=now, comment=comment) for o in objs
    ], batch_size=2000)


def record(obj, action: str, *, actor, comment: str = "") -> Transition:
    """An audited action that keeps the state (a check, a verdict, an edit): allowed only where the machine
    allows it."""
    state = state_of(obj)
    after = check(obj, action)
    if after != state:
        raise ValueError(f"{action} changes the state; use transition()")
    return audit.record(obj, action, actor=actor, from_state=state or "", to_state=state or "", comment=comment)


def create_many(objs: list, action: str, *, actor, comment: str = "") -> list:
    """New records of one model, each entering its machine by `action`, in one INSERT each for the records and
    their audit rows."""
    if not objs:
        return []
    model = type(objs[0])
    after = _target(model, action, None)  # ReviewError, like every other refused move
    for obj in objs:
        _set_state(obj, after)
    created = model.objects.bulk_create(objs, batch_size=1000)
    # PostgreSQL and SQLite (3.35+) both hand back the new primary keys from bulk_create.
    content_type = ContentType.objects.get_for_model(model)
    now = timezone.now()
    Transition.objects.bulk_create([
        Transition(content_type=content_type, object_id=o.pk, action=action, to_state=after, actor=actor, at=now,
                   comment=comment) for o in created
    ], batch_size=1000)
    return created
