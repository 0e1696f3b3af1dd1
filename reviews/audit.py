"""The review audit trail: one call records a transition; one call reads an item's history."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from .models import Transition


def record(subject: Model, action: str, *, actor=None, from_state: str = "", to_state: str = "",
           comment: str = "") -> Transition:
    # States are short codes; anything longer belongs in the comment (PostgreSQL refuses an over-long value).
    return Transition.objects.create(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk, action=action[:40],
        from_state=(from_state or "")[:30], to_state=(to_state or "")[:30], actor=actor, comment=comment or "",
    )


def history(subject: Model) -> QuerySet[Transition]:
    """The transitions of `subject`, newest first, with their actors (one query)."""
    return Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
    ).select_related("actor")
