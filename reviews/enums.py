"""The vocabulary of the yearly review: states, outcomes, verdicts and the audit actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FilingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    ACCEPTED = "accepted", _("Accepted")


# States in which the enterprise may still edit its filing.
EDITABLE_FILING_STATES = (FilingState.DRAFT, FilingState.RETURNED)


class FlagKind(models.TextChoices):
    YEAR_ON_YEAR = "yoy", _("Change of more than ±50% on last year")
    OUTLIER = "outlier", _("Far outside its industry (robust z-score)")


class FlagVerdict(models.TextChoices):
    PENDING = "pending", _("Awaiting the city")
    CONFIRMED = "confirmed", _("Confirmed by the city")
    REJECTED = "rejected", _("Not accepted by the city")


class CheckVerdict(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")


class ComplianceItem(models.TextChoices):
    """The compliance block (粤工信节能函〔2024〕37号): the negative list that removes most units."""

    ABNORMAL_LIST = "abnormal_list", _("List of abnormal operations (经营异常名录)")
    SERIOUS_DISHONESTY = "serious_dishonesty", _("Seriously dishonest entities (严重失信)")
    JUDGMENT_DEFAULTER = "judgment_defaulter", _("Judgment defaulters (失信被执行人)")
    PENALTIES = "penalties", _("Administrative penalties")
    DISCHARGE_PERMIT = "discharge_permit", _("Pollutant discharge permit (排污许可证)")
    RECTIFICATION = "rectification", _("Energy-inspection rectification (节能监察整改)")


class ComplianceSource(models.TextChoices):
    CREDIT_CHINA = "credit_china", _("Credit China (信用中国)")
    CREDIT_GUANGDONG = "credit_guangdong", _("Credit Guangdong (信用广东)")
    GSXT = "gsxt", _("National Enterprise Credit Information Publicity System (国家企业信用信息公示系统)")
    PERMIT_PLATFORM = "permit_platform", _("National pollutant discharge permit platform")
    ENERGY_INSPECTION = "energy_inspection", _("Energy-inspection records")
    OTHER = "other", _("Other source")


class ComplianceResult(models.TextChoices):
    CLEAR = "clear", _("Nothing found")
    FOUND = "found", _("Finding confirmed")


class Disposition(models.TextChoices):
    """What the city did about a declared accident, penalty or compliance finding."""

    INCIDENT = "incident", _("Incident report filed")
    PROPOSAL = "proposal", _("Adjustment proposal opened")
    NO_ACTION = "no_action", _("No action, with the reason")


class SuggestionKind(models.TextChoices):
    """A suggested verdict on one key indicator, for the reviewer to accept or override."""

    COMPLIANT = "compliant", _("Compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")
    CHECK = "check", _("Check")
    NONE = "", _("No suggestion")


class AssessmentConclusion(models.TextChoices):
    PENDING = "", _("Not yet concluded")
    MEETS = "meets", _("Meets the requirements")
    RECTIFY = "rectify", _("Must rectify")
    FAILS = "fails", _("Does not meet the requirements")


class Outcome(models.TextChoices):
    KEEP = "keep", _("Keep on the list")
    RECTIFY = "rectify", _("Rectify by a due date")
    REMOVE = "remove", _("Remove from the list")
    RENAME = "rename", _("Change the name")


class RemoveReason(models.TextChoices):
    FAILED_INDICATORS = "failed_indicators", _("Key indicators fail the requirements")
    ACCIDENT = "accident", _("Major safety, quality or environmental accident")
    NOT_FILED = "not_filed", _("Did not file")
    NEGATIVE_LIST = "negative_list", _("On the negative list")
    OTHER = "other", _("Other")


class ProposalState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the province")
    APPROVED = "approved", _("Approved by the province")
    RETURNED = "returned", _("Returned to the city")
    # Where a city reviews through districts: the district's first proposal, before the city takes it over.
    DISTRICT_DRAFT = "district_draft", _("Drafted by the district")
    DISTRICT_SUBMITTED = "district_submitted", _("Sent to the city by the district")
    DISTRICT_RETURNED = "district_returned", _("Returned to the district")


class IncidentKind(models.TextChoices):
    SAFETY = "safety", _("Major safety accident")
    QUALITY = "quality", _("Major quality accident")
    ENVIRONMENT = "environment", _("Major environmental-pollution accident")


class MiitOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("MIIT confirmed the proposal")
    NOT_CONFIRMED = "not_confirmed", _("MIIT did not confirm the proposal")



class PackageState(models.TextChoices):
    """A city package is submitted once, on time or late; later proposals join it (resubmit)."""

    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class CampaignPhase(models.TextChoices):
    """Where a campaign stands, read from its dates (Beijing time); it has no stored state."""

    NOT_OPEN = "not_open", _("Not open yet")
    FILING = "filing", _("Filing open")
    CITY_REVIEW = "city_review", _("City review")
    PROVINCE_REVIEW = "province_review", _("Province review")
    CLOSED = "closed", _("Closed")


# --- the state machines: declared once; reviews.workflow performs every move ----------------------------

from greenmfg.statemachine import Machine, Move  # noqa: E402  (the vocabulary above comes first)

EDITABLE_PROPOSAL_STATES = (ProposalState.DRAFT, ProposalState.RETURNED)
# The district's own work: it edits these and sends them to the city.
DISTRICT_EDITABLE_STATES = (ProposalState.DISTRICT_DRAFT, ProposalState.DISTRICT_RETURNED)
# Every state of a proposal that is still with the district or waits for the city's confirmation.
DISTRICT_STATES = (*DISTRICT_EDITABLE_STATES, ProposalState.DISTRICT_SUBMITTED)

FILING_MACHINE = Machine("filing", FilingState, [
    Move("create", (None,), FilingState.DRAFT, _("Created")),
    Move("upload", EDITABLE_FILING_STATES, None, _("Uploaded")),
    Move("submit", EDITABLE_FILING_STATES, FilingState.SUBMITTED, _("Submitted")),
    Move("check", (FilingState.SUBMITTED,), None, _("Key indicators checked")),
    Move("flag_verdict", (FilingState.SUBMITTED,), None, _("Data flags judged")),
    Move("assessment_planned", (FilingState.SUBMITTED, FilingState.ACCEPTED), None, _("On-site assessment planned")),
    Move("assessment_updated", (FilingState.SUBMITTED, FilingState.ACCEPTED), None, _("On-site assessment updated")),
    Move("assessment_completed", (FilingState.SUBMITTED, FilingState.ACCEPTED), None,
         _("On-site assessment completed")),
    Move("compliance_verified", (FilingState.SUBMITTED,), None, _("Compliance verified")),
    Move("disposition", (FilingState.SUBMITTED,), None, _("Declared finding disposed of")),
    Move("return", (FilingState.SUBMITTED,), FilingState.RETURNED, _("Returned")),
    Move("accept", (FilingState.SUBMITTED,), FilingState.ACCEPTED, _("Accepted")),
])

PROPOSAL_MACHINE = Machine("proposal", ProposalState, [
    Move("propose", (None,), ProposalState.DRAFT, _("Proposal opened")),
    Move("open_default", (None,), ProposalState.DRAFT, _("Opened by the portal: did not file")),
    Move("open_incident", (None, *EDITABLE_PROPOSAL_STATES), ProposalState.DRAFT, _("Opened by an incident report")),
    Move("edit", EDITABLE_PROPOSAL_STATES, None, _("Changed")),
    Move("submit", EDITABLE_PROPOSAL_STATES, ProposalState.SUBMITTED, _("Submitted")),
    Move("approve", (ProposalState.SUBMITTED,), ProposalState.APPROVED, _("Approved by the province")),
    Move("return", (ProposalState.SUBMITTED,), ProposalState.RETURNED, _("Returned")),
    Move("miit_decision", (ProposalState.APPROVED,), None, _("MIIT's decision recorded")),
    # District first review: the district proposes and sends; the city confirms (its own draft) or returns.
    Move("district_propose", (None,), ProposalState.DISTRICT_DRAFT, _("First proposal opened by the district")),
    Move("district_edit", DISTRICT_EDITABLE_STATES, None, _("Changed by the district")),
    Move("district_submit", DISTRICT_EDITABLE_STATES, ProposalState.DISTRICT_SUBMITTED, _("Sent to the city")),
    Move("city_confirm", (ProposalState.DISTRICT_SUBMITTED,), ProposalState.DRAFT,
         _("Confirmed by the city")),
    Move("city_return", (ProposalState.DISTRICT_SUBMITTED,), ProposalState.DISTRICT_RETURNED,
         _("Returned to the district")),
])

PACKAGE_MACHINE = Machine("package", PackageState, [
    Move("submit", (None,), PackageState.ON_TIME, _("Submitted")),
    Move("submit_late", (None,), PackageState.LATE, _("Submitted late")),
    Move("resubmit", (PackageState.ON_TIME, PackageState.LATE), None, _("Submitted again")),
])

# Records without a state of their own: every change is still one audited action.
CAMPAIGN_ACTIONS = {"create": _("Created"), "edit": _("Changed"),
                    "district_review": _("Review through districts set")}
INCIDENT_ACTIONS = {"report": _("Reported")}


class EvidenceKind(models.TextChoices):
    """What an evidence file stands behind (reviews/models_evidence.py); its `target` names the item."""

    FILING = "filing", _("The filing as a whole")
    CHANGE = "change", _("A declared change")
    FLAG = "flag", _("A flagged value")
    RETURN_ANSWER = "return_answer", _("The answer to a return")
    ASSESSMENT = "assessment", _("On-site assessment")
    MIIT_DECISION = "miit_decision", _("MIIT's decision document")


# Evidence files are added and removed without a state change; each is one audited action on its filing or proposal.
EVIDENCE_ACTIONS = {"evidence_added": _("Evidence file added"), "evidence_removed": _("Evidence file removed")}
