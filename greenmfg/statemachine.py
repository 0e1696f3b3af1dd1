"""A small declarative state machine: the states of a record, the moves between them, and each move's audit
action and Chinese label. Each app declares its machines once, in its `enums.py`; the one function of the app
that performs transitions asks the machine whether a move is allowed. No business logic lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


class TransitionNotAllowed(Exception):  # noqa: N818 (the name says what happened, like Django's PermissionDenied)
    """A move that the machine does not allow from the record's current state; the message says why."""


@dataclass(frozen=True)
class Move:
    """One allowed move: from any of `sources` to `target` (None: the state stays as it is)."""

    action: str
    sources: tuple[str, ...]
    target: str | None
    label: object  # a lazy translation

    def target_from(self, state: str) -> str:
        return state if self.target is None else self.target


class Machine:
    """The states of one kind of record and the moves between them. `None` as a source means "no record yet"."""

    def __init__(self, name: str, states, moves: list[Move]):
        self.name = name
        self.states = states  # a TextChoices class
        self.moves = {m.action: m for m in moves}
        known = set(states.values) | {None}
        for move in moves:
            unknown = [s for s in (*move.sources, move.target) if s not in known]
            if unknown:
                raise ValueError(f"{name}.{move.action}: unknown state(s) {unknown}")

    def move(self, action: str) -> Move:
        try:
            return self.moves[action]
        except KeyError:
            raise ValueError(f"{self.name} has no move {action!r}") from None

    def allows(self, action: str, state: str | None) -> bool:
        return state in self.move(action).sources

    def check(self, action: str, state: str | None) -> str:
        """The state after `action` from `state`, or TransitionNotAllowed with a reason people can read."""
        move = self.move(action)
        if state not in move.sources:
            current = self.states(state).label if state in self.states.values else _("not yet created")
            raise TransitionNotAllowed(
                _("“%(action)s” is not possible while the record is “%(state)s”.")
                % {"action": move.label, "state": current}
            )
        return move.target_from(state)

    def actions_from(self, state: str | None) -> list[str]:
        return [a for a, m in self.moves.items() if state in m.sources]

    def labels(self) -> dict[str, object]:
        return {a: m.label for a, m in self.moves.items()}
