"""Signal receivers: reviews and registry announce, greencode re-scores or revokes.

Removal and incident signals arrive inside the transaction that records them (registry.signals,
reviews.signals), so the revocation commits or rolls back with the removal or the incident.
"""

from django.dispatch import receiver

from registry.enums import UnitKind
from registry.signals import unit_removed
from reviews.signals import filing_accepted, incident_reported

from .services import codes, queue


@receiver(filing_accepted, dispatch_uid="greencode.filing_accepted")
def on_filing_accepted(sender, filing, **kwargs):
    if filing.unit.kind != UnitKind.FACTORY:
        return  # only green factories are graded
    queue.request_rescore(filing.campaign.year, filing.unit.level, reason=f"filing {filing.pk} accepted")


@receiver(incident_reported, dispatch_uid="greencode.incident_reported")
def on_incident_reported(sender, incident, **kwargs):
    codes.revoke_unit_codes(incident.unit_id, reason="incident", actor=incident.reported_by)


@receiver(unit_removed, dispatch_uid="greencode.unit_removed")
def on_unit_removed(sender, unit, actor=None, **kwargs):
    codes.revoke_unit_codes(unit.pk, reason="removed", actor=actor)
