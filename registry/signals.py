"""Signals the registry sends; higher apps (greencode) listen, the registry never imports them.

Both are sent INSIDE the transaction that changes the unit, so what a receiver writes (greencode revokes the
unit's codes) commits or rolls back together with the change: a removal can never leave a live code behind.
Receivers must therefore only write to the database; anything outside it (mail) they queue with on_commit.
"""

from django.dispatch import Signal

# A unit's status changed to removed. kwargs: unit, actor, reason.
unit_removed = Signal()
# A unit's name changed. kwargs: unit, old_name, new_name, actor.
unit_renamed = Signal()
