"""Named rules answer allowed-or-denied with a reason (Hypha's pattern, pretalx's names).

Each app keeps its predicates in its own `rules.py`; each returns a `Decision`. Views, services, commands and
tasks all ask the same predicate, and a denial carries a reason in words the person can act on, which the
403 page shows. No business rule lives here: only the shape of an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


def deny(reason) -> Decision:
    return Decision(False, str(reason))


def require(decision: Decision) -> None:
    """PermissionDenied with the decision's reason when it is a denial (the 403 page shows the reason)."""
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
