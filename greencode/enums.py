"""The vocabulary of the green code: grades, no-code reasons, run states, peer groups, code statuses."""

from django.db import models
from django.utils.translation import gettext_lazy as _

METHOD_VERSION = "v1"  # the model's default (runs of v1 keep it); a new run records the version it used
METHOD_V1, METHOD_V1_1 = "v1", "v1.1"
# v1.1 against omission: an applicable indicator left blank scores 0 (and counts as the worst value for its peers).
METHOD_VERSIONS = (METHOD_V1, METHOD_V1_1)


class Grade(models.TextChoices):
    A_PLUS = "A+", "A+"
    A = "A", "A"
    B = "B", "B"


class NoCodeReason(models.TextChoices):
    NONE = "", _("Graded")
    NOT_FILED = "not_filed", _("Did not file (未填报)")
    IRREGULAR = "irregular", _("Filing returned or incomplete (填报不规范)")
    ANOMALOUS = "anomalous", _("Unresolved data anomaly (数据异常)")
    REMOVED = "removed", _("Removed from the list")
    INCIDENT = "incident", _("Under an incident report")


# What the enterprise should do about each reason.
REASON_ADVICE = {
    NoCodeReason.NOT_FILED: _("File this year's dynamic-management table; once your city accepts it, "
                              "the code is computed within days."),
    NoCodeReason.IRREGULAR: _("Your filing is not accepted yet, or it reports neither energy nor CO₂ per 10,000 yuan "
                              "of output. Complete it (output value, energy and CO₂ totals) and resubmit it to your "
                              "city."),
    NoCodeReason.ANOMALOUS: _("A value in your filing was flagged as unusual and the city has not confirmed it. "
                              "Explain the value on your filing page and ask your city bureau to confirm it."),
    NoCodeReason.REMOVED: _("The unit is no longer on the green-manufacturing list, so it cannot hold a code."),
    NoCodeReason.INCIDENT: _("A major safety, quality or environmental accident was reported for this unit. "
                             "No code is issued while the report stands; contact your city bureau."),
}


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


class PeerLevel(models.TextChoices):
    DIVISION = "division", _("Same industry division")
    GROUP = "group", _("Same MIIT industry group")
    COHORT = "cohort", _("Whole cohort")
    BENCHMARK = "benchmark", _("Baseline and leading values")


class CodeStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    UNKNOWN = "unknown", _("Unknown")


SCORED_LEVELS = ("national", "provincial")


class CodeState(models.TextChoices):
    """Where an applied-for code stands. Whether a live code is still valid or expired is read from its date."""

    ISSUED = "issued", _("Issued")
    WITHDRAWN = "withdrawn", _("Withdrawn by the enterprise")
    REVOKED = "revoked", _("Revoked")


# --- the state machines: declared once; greencode.services.codes and scoring perform the moves -------------

from greenmfg.statemachine import Machine, Move  # noqa: E402  (the vocabulary above comes first)

CODE_MACHINE = Machine("green code", CodeState, [
    Move("issue", (None, CodeState.WITHDRAWN), CodeState.ISSUED, _("Issued")),
    Move("regrade", (CodeState.ISSUED,), None, _("Grade changed by a new run")),
    Move("withdraw", (CodeState.ISSUED,), CodeState.WITHDRAWN, _("Withdrawn by the enterprise")),
    Move("revoke", (CodeState.ISSUED, CodeState.WITHDRAWN), CodeState.REVOKED, _("Revoked")),
    Move("reinstate", (CodeState.REVOKED,), CodeState.ISSUED, _("Reinstated by the province")),
])

RUN_MACHINE = Machine("score run", RunStatus, [
    Move("start", (None,), RunStatus.RUNNING, _("Started")),
    Move("finish", (RunStatus.RUNNING,), RunStatus.FINISHED, _("Finished")),
    Move("fail", (RunStatus.RUNNING,), RunStatus.FAILED, _("Failed")),
])


# --- institutions (API keys) and the enterprise's consent ---------------------------------------------------

class InstitutionKind(models.TextChoices):
    BANK = "bank", _("Bank or financial institution")
    BUYER = "buyer", _("Buyer")
    GOVERNMENT = "government", _("Government office")
    OTHER = "other", _("Other")


# Bulk verification: at most this many numbers and tokens in one request.
API_BULK_LIMIT = 500

# The audited actions on institutions, keys and consents (reviews.audit records them).
INSTITUTION_ACTIONS = {
    "institution_registered": _("Institution registered"),
    "api_key_issued": _("API key issued"),
    "api_key_revoked": _("API key revoked"),
    "consent_granted": _("Access granted"),
    "consent_withdrawn": _("Access withdrawn"),
}
