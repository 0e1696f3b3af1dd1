"""Named rules of the yearly review: each answers allowed-or-denied with a reason (greenmfg.rules.Decision).

The services call them before every change; views call the same ones to show or hide an action and to
explain a denial. Who-is-who comes from registry.rules; domain terms from reviews.queries.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from greenmfg.rules import ALLOWED, Decision, deny
from registry import rules as registry_rules

from . import queries
from .enums import CheckVerdict, Disposition, EvidenceKind, FilingState, ProposalState


def can_file(user, unit) -> Decision:
    """Only the enterprise itself files (a city uploads on its behalf through the bulk upload)."""
    return registry_rules.acts_for(user, unit)


def can_review(user, unit) -> Decision:
    """Only the bureau of the unit's city checks, returns and accepts its filing and proposes its outcome."""
    return registry_rules.reviews_unit(user, unit)


def can_submit_package(user, city) -> Decision:
    return registry_rules.reviews_city(user, city)


def can_decide(user) -> Decision:
    """The province approves or returns proposals and records MIIT's decisions."""
    return registry_rules.is_province(user)


def can_report_incident(user, unit) -> Decision:
    decision = registry_rules.reviews_unit(user, unit)
    return decision if not decision else registry_rules.is_listed(unit)


def proposal_not_blocked(filing) -> Decision:
    """A non-compliant key indicator needs a completed on-site assessment before any outcome is proposed."""
    if queries.blocked_by_assessment(filing):
        return deny(_("A key indicator was found non-compliant: complete an on-site assessment (with its "
                      "conclusion and date) before proposing an outcome."))
    return ALLOWED


# --- evidence files (reviews/evidence.py) -------------------------------------------------------------------

def can_attach_evidence(user, kind: str, *, filing=None, proposal=None) -> Decision:
    """Who adds (and removes) which evidence, and when. A filing's own files (the filing, its changes, its flagged
    values) are frozen once it is submitted; the answer to a return takes files only while the filing is returned;
    the city's assessment files follow the assessment; MIIT's decision document is the province's."""
    if (filing is None) == (kind != EvidenceKind.MIIT_DECISION) or (kind == EvidenceKind.MIIT_DECISION and proposal is None):
        return deny(_("Files cannot be attached there."))
    if kind in (EvidenceKind.FILING, EvidenceKind.CHANGE, EvidenceKind.FLAG, EvidenceKind.RETURN_ANSWER):
        decision = can_file(user, filing.unit)
        if not decision:
            return decision
        if kind == EvidenceKind.RETURN_ANSWER:
            if filing.state != FilingState.RETURNED:
                return deny(_("Files for an answer are added only while the filing is returned to the enterprise."))
            return ALLOWED
        if filing.state != FilingState.DRAFT:
            return deny(_("The filing's files are frozen once it is submitted; answer a return with new files instead."))
        return ALLOWED
    if kind == EvidenceKind.ASSESSMENT:
        decision = can_review(user, filing.unit)
        if decision and filing.state not in (FilingState.SUBMITTED, FilingState.ACCEPTED):
            return deny(_("Assessment files are added to a submitted or accepted filing."))
        return decision
    if kind == EvidenceKind.MIIT_DECISION:
        decision = can_decide(user)
        if decision and proposal.state != ProposalState.APPROVED:
            return deny(_("MIIT's decision document is added to a proposal the province has approved."))
        return decision
    return deny(_("Files cannot be attached there."))


# --- district first review ----------------------------------------------------------------------------------

def can_district_review(user, unit, campaign) -> Decision:
    """The reviewer of the unit's district does its first review, where its city reviews through districts."""
    decision = registry_rules.reviews_district_unit(user, unit)
    if not decision:
        return decision
    if not queries.reviews_through_districts(campaign, unit.city):
        return deny(_("%(city)s does not review through districts in this campaign: its city bureau reviews "
                      "the unit.") % {"city": unit.city.name})
    return ALLOWED


def can_check(user, unit, campaign) -> Decision:
    """The indicator check (and the data flags): the city bureau, or the district where it does the first review."""
    if can_review(user, unit):
        return ALLOWED
    return can_district_review(user, unit, campaign)


def can_set_district_review(user, city) -> Decision:
    """Whether a city reviews through districts is the city's own choice (the province may set it too)."""
    return registry_rules.manages_districts(user, city)


def within_district_deadline(campaign, now=None) -> Decision:
    """Until the end of the district deadline day in Beijing time; after it, the district's work arrives late."""
    if campaign.passed(campaign.district_due, now):
        return deny(_("The district review deadline (%(date)s) has passed: the work reaches the city marked late.")
                    % {"date": campaign.district_due})
    return ALLOWED


# --- the province's bulk decisions ----------------------------------------------------------------------------

def decidable(proposal) -> Decision:
    """The province approves or returns only a proposal the city submitted."""
    if proposal.state == ProposalState.SUBMITTED:
        return ALLOWED
    return deny(_("%(unit)s: the proposal is “%(state)s”, so it cannot be decided now.")
                % {"unit": proposal.unit.name, "state": proposal.get_state_display()})


def miit_recordable(proposal, has_decision: bool) -> Decision:
    """MIIT's decision is recorded once, and only for a proposal the province approved."""
    if proposal.state != ProposalState.APPROVED:
        return deny(_("%(unit)s: MIIT's decision is recorded only for a proposal the province has approved.")
                    % {"unit": proposal.unit.name})
    if has_decision:
        return deny(_("%(unit)s: MIIT's decision on this proposal has already been recorded.")
                    % {"unit": proposal.unit.name})
    return ALLOWED



def note_given(verdict: str, suggested: str, note: str) -> Decision:
    """A verdict's note is required only for 不符合 and for an override of a suggested verdict."""
    if (note or "").strip():
        return ALLOWED
    if verdict == CheckVerdict.NON_COMPLIANT:
        return deny(_("Say why this indicator is non-compliant."))
    if suggested in (CheckVerdict.COMPLIANT, CheckVerdict.NON_COMPLIANT) and verdict != suggested:
        return deny(_("Say why you differ from the suggested verdict."))
    return ALLOWED


def disposition_given(filing, verifications=None) -> Decision:
    """A declared accident, penalty or compliance finding needs the city's explicit disposition before the filing
    is accepted: an incident report, an adjustment proposal, or a reason why neither."""
    findings = queries.declared_findings(filing, verifications)
    if not findings:
        return ALLOWED
    if not filing.disposition:
        return deny(_("Dispose of what was declared or found first (%(items)s): report an incident, open a "
                      "proposal, or say why neither is needed.") % {"items": "、".join(findings)})
    return disposition_valid(filing, filing.disposition, filing.disposition_note)


def disposition_valid(filing, disposition: str, note: str) -> Decision:
    """An incident or proposal disposition points at one that exists; "no action" needs its reason."""
    if disposition not in Disposition.values:
        return deny(_("Choose a disposition."))
    if disposition == Disposition.NO_ACTION and not (note or "").strip():
        return deny(_("Give the reason why neither an incident report nor a proposal is needed."))
    if disposition == Disposition.INCIDENT and not filing.unit.incidents.filter(campaign=filing.campaign).exists():
        return deny(_("No incident report of this unit in this campaign yet: report the incident first."))
    if disposition == Disposition.PROPOSAL and not filing.unit.proposals.filter(campaign=filing.campaign).exists():
        return deny(_("No adjustment proposal for this unit in this campaign yet: open the proposal first."))
    return ALLOWED


def resubmission_answered(filing) -> Decision:
    """A returned filing comes back changed, or with the enterprise's answer to the city's reason (words, or files
    attached to the answer)."""
    if filing.state != FilingState.RETURNED or not filing.returned_fingerprint:
        return ALLOWED
    if filing.return_answer.strip() or filing.fingerprint() != filing.returned_fingerprint:
        return ALLOWED
    if queries.answered_with_files(filing):
        return ALLOWED
    return deny(_("Nothing was changed since the city returned the filing: correct it, or answer the city's "
                  "reason in “Answer to the city's return” (in words or with files)."))


def can_enter_prior_years(filing) -> Decision:
    """A unit new to the portal enters its two earlier years once, with its first filing, before it is submitted."""
    if not filing.is_editable or filing.submitted_at is not None:
        return deny(_("The earlier years are entered once, with the first filing, before it is submitted."))
    if filing.unit.filings.exclude(pk=filing.pk).filter(state__in=queries.FILED_STATES).exists():
        return deny(_("This unit has filed before: its earlier years come from those filings."))
    return ALLOWED
