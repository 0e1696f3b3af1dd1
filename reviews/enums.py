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


class IncidentKind(models.TextChoices):
    SAFETY = "safety", _("Major safety accident")
    QUALITY = "quality", _("Major quality accident")
    ENVIRONMENT = "environment", _("Major environmental-pollution accident")


class MiitOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("MIIT confirmed the proposal")
    NOT_CONFIRMED = "not_confirmed", _("MIIT did not confirm the proposal")

