"""Incident reports: a city reports a major accident; the province hears at once; a removal is proposed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from registry.enums import MembershipScope, UnitStatus
from registry.models import Membership, Unit

from .. import audit, signals
from ..enums import Outcome, ProposalState, RemoveReason
from ..models import AdjustmentProposal, Campaign, IncidentReport
from .review import EDITABLE_PROPOSAL_STATES, ReviewError, require_city_reviewer


def province_emails() -> list[str]:
    return sorted(set(
        Membership.objects.filter(scope=MembershipScope.PROVINCE, user__is_active=True)
        .exclude(user__email="").values_list("user__email", flat=True)
    ))


def notify_province(incident: IncidentReport) -> int:
    recipients = province_emails()
    if not recipients:
        return 0
    subject = _("Incident report: %(unit)s") % {"unit": incident.unit.name}
    body = _("%(city)s reported a %(kind)s at %(unit)s on %(date)s.\n\n%(description)s\n\nA removal (accident) "
             "proposal has been opened; the unit's green code is blocked.") % {
        "city": incident.unit.city.name, "kind": incident.get_kind_display(), "unit": incident.unit.name,
        "date": incident.occurred_on, "description": incident.description,
    }
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


@transaction.atomic
def report_incident(unit: Unit, *, kind: str, occurred_on: dt.date, description: str, actor,
                    campaign: Campaign | None = None) -> IncidentReport:
    """Record the accident, open (or turn) the unit's proposal into a removal for an accident, tell everyone."""
    require_city_reviewer(actor, unit)
    unit = Unit.objects.select_for_update().select_related("city").get(pk=unit.pk)
    if unit.status != UnitStatus.LISTED:
        raise ReviewError(_("This unit is no longer on the list."))
    description = (description or "").strip()
    if not description:
        raise ReviewError(_("Describe what happened."))
    campaign = campaign or Campaign.current()
    incident = IncidentReport.objects.create(unit=unit, campaign=campaign, kind=kind, occurred_on=occurred_on,
                                             description=description, reported_by=actor)
    audit.record(incident, "report", actor=actor, comment=incident.get_kind_display())
    if campaign is not None:
        reason = _("%(kind)s on %(date)s (incident report)") % {"kind": incident.get_kind_display(), "date": occurred_on}
        proposal = AdjustmentProposal.objects.select_for_update().filter(campaign=campaign, unit=unit).first()
        if proposal is None:
            proposal = AdjustmentProposal.objects.create(
                campaign=campaign, unit=unit, outcome=Outcome.REMOVE, remove_reason=RemoveReason.ACCIDENT,
                reason=reason, is_default=True, created_by=actor,
            )
            audit.record(proposal, "open_incident", actor=actor, to_state=proposal.state, comment=reason)
        elif proposal.state in EDITABLE_PROPOSAL_STATES:
            before = proposal.state
            proposal.outcome, proposal.remove_reason = Outcome.REMOVE, RemoveReason.ACCIDENT
            proposal.rectify_due, proposal.new_name, proposal.reason = None, "", reason
            proposal.state = ProposalState.DRAFT
            proposal.save()
            audit.record(proposal, "open_incident", actor=actor, from_state=before, to_state=proposal.state,
                         comment=reason)
        # A proposal already with the province keeps its course; the province sees the incident beside it.
    transaction.on_commit(lambda: notify_province(incident))
    transaction.on_commit(lambda: signals.incident_reported.send(IncidentReport, incident=incident))
    return incident
