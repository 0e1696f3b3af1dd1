"""Incident reports: a city reports a major accident; the province hears at once; a removal is proposed."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from greenmfg.rules import require
from registry.enums import MembershipScope
from registry.models import Membership, Unit

from .. import audit, notify, rules, signals, workflow
from ..enums import EDITABLE_PROPOSAL_STATES, IncidentKind, Outcome, RemoveReason
from ..models import AdjustmentProposal, Campaign, IncidentReport
from ..workflow import ReviewError


def province_emails() -> list[str]:
    return sorted(set(
        Membership.objects.filter(scope=MembershipScope.PROVINCE, user__is_active=True)
        .exclude(user__email="").values_list("user__email", flat=True)
    ))


def notify_province(incident: IncidentReport):
    """Queue the province's mail in the incident's transaction; it goes out after commit (reviews.notify)."""
    subject = _("Incident report: %(unit)s") % {"unit": incident.unit.name}
    body = _("%(city)s reported a %(kind)s at %(unit)s on %(date)s.\n\n%(description)s\n\nA removal (accident) "
             "proposal has been opened; the unit's green code is blocked.") % {
        "city": incident.unit.city.name, "kind": incident.get_kind_display(), "unit": incident.unit.name,
        "date": incident.occurred_on, "description": incident.description,
    }
    return notify.queue_mail(subject, body, province_emails())


@transaction.atomic
def report_incident(unit: Unit, *, kind: str, occurred_on: dt.date, description: str, actor,
                    campaign: Campaign | None = None) -> IncidentReport:
    """Record the accident, open (or turn) the unit's proposal into a removal for an accident, revoke the unit's
    green codes (greencode's receiver, in this same transaction) and queue the province's mail."""
    unit = Unit.objects.select_for_update().select_related("city").get(pk=unit.pk)
    require(rules.can_review(actor, unit))
    decision = rules.can_report_incident(actor, unit)
    if not decision:
        raise ReviewError(decision.reason)
    description = (description or "").strip()
    if not description:
        raise ReviewError(_("Describe what happened."))
    if kind not in IncidentKind.values:
        raise ReviewError(_("Choose the kind of accident."))
    campaign = campaign or Campaign.current()
    incident = IncidentReport.objects.create(unit=unit, campaign=campaign, kind=kind, occurred_on=occurred_on,
                                             description=description, reported_by=actor)
    audit.record(incident, "report", actor=actor, comment=incident.get_kind_display())
    if campaign is not None:
        reason = _("%(kind)s on %(date)s (incident report)") % {"kind": incident.get_kind_display(), "date": occurred_on}
        proposal = AdjustmentProposal.objects.select_for_update().filter(campaign=campaign, unit=unit).first()
        if proposal is None:
            proposal = AdjustmentProposal(
                campaign=campaign, unit=unit, outcome=Outcome.REMOVE, remove_reason=RemoveReason.ACCIDENT,
                reason=reason, is_default=True, created_by=actor,
            )
            workflow.transition(proposal, "open_incident", actor=actor, comment=reason)
        elif proposal.state in EDITABLE_PROPOSAL_STATES:
            proposal.outcome, proposal.remove_reason = Outcome.REMOVE, RemoveReason.ACCIDENT
            proposal.rectify_due, proposal.new_name, proposal.reason = None, "", reason
            workflow.transition(proposal, "open_incident", actor=actor, comment=reason,
                                fields=["outcome", "remove_reason", "rectify_due", "new_name", "reason"])
        # A proposal already with the province keeps its course; the province sees the incident beside it.
    signals.incident_reported.send(IncidentReport, incident=incident)
    notify_province(incident)
    return incident
