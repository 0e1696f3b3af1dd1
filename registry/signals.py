"""Signals the registry sends; higher apps (greencode) listen, the registry never imports them."""

from django.dispatch import Signal

# Sent after a unit's status changed to removed, once the transaction commits. kwargs: unit, actor, reason.
unit_removed = Signal()
# Sent after a unit's name changed. kwargs: unit, old_name, new_name, actor.
unit_renamed = Signal()
