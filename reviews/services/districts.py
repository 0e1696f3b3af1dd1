"""District first review: where a city reviews through districts, each district reviewer checks the key
indicators of its district's units and makes the first proposal by the district deadline; the city bureau
confirms the work (accepting the filing, taking the proposal as its own draft) or returns it to the district.

The district reviewer works only on its district's units (registry.access.district_units); the moves are the
proposal machine's district moves (reviews.enums), performed by reviews.workflow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from greenmfg.rules import require
from registry import access
from registry.models import City, Unit

from .. import audit, queries, rules, workflow
from ..enums import DISTRICT_EDITABLE_STATES, FilingState, ProposalState
from ..models import AdjustmentProposal, Campaign, Filing
from ..workflow import ReviewError
from . import review as review_services


@dataclass
class Report:
    """What a many-item step did: the items done, and each item left alone with the reason."""

    done: list = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@transaction.atomic
def set_district_review(campaign: Campaign, city: City, on: bool, *, actor) -> bool:
    """The city (or the province) decides whether the city reviews through districts in this campaign."""
    require(rules.can_set_district_review(actor, city))
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if queries.reviews_through_districts(campaign, city) == on:
        return False
    if on:
        campaign.district_cities.add(city)
    else:
        campaign.district_cities.remove(city)
    state = _("through districts") if on else _("by the city bureau alone")
    audit.record(campaign, "district_review", actor=actor, comment=f"{city.name}: {state}")
    return True


def district_filings(user, campaign: Campaign) -> QuerySet[Filing]:
    """The filings of the district reviewer's units, in cities that review through districts this campaign."""
    return Filing.objects.filter(campaign=campaign, unit__in=access.district_units(user),
                                 unit__city__in=campaign.district_cities.all())


def district_proposals(user, campaign: Campaign) -> QuerySet[AdjustmentProposal]:
    return AdjustmentProposal.objects.filter(campaign=campaign, unit__in=access.district_units(user),
                                             unit__city__in=campaign.district_cities.all())


@transaction.atomic
def save_district_proposal(campaign: Campaign, unit: Unit, data: dict, *, actor) -> AdjustmentProposal:
    """The district's first proposal for one of its units, opened or changed while it is with the district."""
    require(rules.can_district_review(actor, unit, campaign))
    return review_services.write_proposal(campaign, unit, data, actor=actor,
                                          actions=("district_propose", "district_edit"),
                                          editable=DISTRICT_EDITABLE_STATES)


def _ready_problems(proposal: AdjustmentProposal, filing: Filing | None) -> list[str]:
    """What keeps a first proposal from going to the city: an unfinished indicator check, or a proposal that
    cannot stand (outcome details, the on-site assessment rule)."""
    problems = []
    if filing is not None and filing.state == FilingState.SUBMITTED:
        problems.extend(review_services.acceptance_problems(filing))
    fields = {n: getattr(proposal, n) for n in review_services.PROPOSAL_FIELDS}
    problems.extend(m for _f, m in review_services.proposal_problems(proposal.campaign, proposal.unit, fields))
    return problems


@transaction.atomic
def submit_to_city(campaign: Campaign, proposal_pks, *, actor, now: dt.datetime | None = None) -> Report:
    """Send the district's finished first proposals to the city, in one move. A proposal that is not ready (or
    not the district's to send) is skipped with its reason; after the district deadline all are marked late."""
    now = now or timezone.now()
    late = not rules.within_district_deadline(campaign, now)
    proposals = list(district_proposals(actor, campaign).filter(pk__in=list(proposal_pks))
                     .select_for_update(of=("self",)).select_related("unit", "unit__city", "campaign"))
    filings = {f.unit_id: f for f in Filing.objects.filter(campaign=campaign, unit__in=[p.unit_id for p in proposals])}
    report = Report()
    found = {p.pk for p in proposals}
    report.skipped.extend(_("Proposal %(pk)s is not one of your district's.") % {"pk": pk}
                          for pk in proposal_pks if pk not in found)
    for proposal in proposals:
        if proposal.state not in DISTRICT_EDITABLE_STATES:
            report.skipped.append(_("%(unit)s: the proposal is “%(state)s”, so it cannot be sent now.")
                                  % {"unit": proposal.unit.name, "state": proposal.get_state_display()})
            continue
        problems = _ready_problems(proposal, filings.get(proposal.unit_id))
        if problems:
            report.skipped.append(f"{proposal.unit.name}: {' '.join(problems)}")
            continue
        report.done.append(proposal)
    comment = _("Sent after the district deadline (%(date)s).") % {"date": campaign.district_due} if late else ""
    workflow.transition_many(report.done, "district_submit", actor=actor, comment=comment,
                             values={"district_submitted_at": now, "district_late": late})
    return report


def _city_proposals(actor, campaign: Campaign, proposal_pks) -> list[AdjustmentProposal]:
    return list(AdjustmentProposal.objects.filter(campaign=campaign, pk__in=list(proposal_pks),
                                                  unit__in=access.reviewable_units(actor))
                .select_for_update(of=("self",)).select_related("unit", "unit__city", "campaign"))


def _awaiting_city(proposals, proposal_pks, report: Report) -> list[AdjustmentProposal]:
    found = {p.pk for p in proposals}
    report.skipped.extend(_("Proposal %(pk)s is not one of your city's.") % {"pk": pk}
                          for pk in proposal_pks if pk not in found)
    waiting = []
    for proposal in proposals:
        if proposal.state == ProposalState.DISTRICT_SUBMITTED:
            waiting.append(proposal)
        else:
            report.skipped.append(_("%(unit)s: the proposal is “%(state)s”, not awaiting the city's confirmation.")
                                  % {"unit": proposal.unit.name, "state": proposal.get_state_display()})
    return waiting


@transaction.atomic
def confirm_district_work(campaign: Campaign, proposal_pks, *, actor, comment: str = "") -> Report:
    """The city confirms the district's first review: the filing is accepted (on the district's indicator
    checks) and the proposal becomes the city's draft for its package. A proposal that cannot be confirmed is
    skipped with the reason, and the rest go on."""
    proposal_pks = list(proposal_pks)
    report = Report()
    proposals = _city_proposals(actor, campaign, proposal_pks)
    filings = {f.unit_id: f for f in Filing.objects.filter(campaign=campaign, unit__in=[p.unit_id for p in proposals])}
    for proposal in _awaiting_city(proposals, proposal_pks, report):
        require(rules.can_review(actor, proposal.unit))
        filing = filings.get(proposal.unit_id)
        try:
            with transaction.atomic():
                if filing is not None and filing.state == FilingState.SUBMITTED:
                    review_services.accept_filing(filing, actor=actor, comment=_("Confirmed the district's review."))
                workflow.transition(proposal, "city_confirm", actor=actor, comment=comment.strip())
        except ReviewError as exc:
            report.skipped.append(f"{proposal.unit.name}: {exc}")
        else:
            report.done.append(proposal)
    return report


@transaction.atomic
def return_district_work(campaign: Campaign, proposal_pks, reason: str, *, actor) -> Report:
    """The city returns the district's first review with the reason; the district corrects and sends again."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("Give the reason for returning the work to the district."))
    proposal_pks = list(proposal_pks)
    report = Report()
    proposals = _city_proposals(actor, campaign, proposal_pks)
    report.done = _awaiting_city(proposals, proposal_pks, report)
    for proposal in report.done:
        require(rules.can_review(actor, proposal.unit))
    workflow.transition_many(report.done, "city_return", actor=actor, comment=reason)
    return report
