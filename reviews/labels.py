"""Words for the audit trail: each recorded action and state, as people read them."""

from django.utils.translation import gettext_lazy as _

from .enums import FilingState, ProposalState

ACTION_LABELS = {
    "create": _("Created"),
    "edit": _("Changed"),
    "submit": _("Submitted"),
    "resubmit": _("Submitted again"),
    "check": _("Key indicators checked"),
    "flag_verdict": _("Data flags judged"),
    "assessment_planned": _("On-site assessment planned"),
    "assessment_updated": _("On-site assessment updated"),
    "assessment_completed": _("On-site assessment completed"),
    "return": _("Returned"),
    "accept": _("Accepted"),
    "propose": _("Proposal opened"),
    "open_default": _("Opened by the portal: did not file"),
    "open_incident": _("Opened by an incident report"),
    "approve": _("Approved by the province"),
    "miit_decision": _("MIIT's decision recorded"),
    "report": _("Reported"),
    "upload": _("Uploaded"),
}

STATE_LABELS = {
    "filing": dict(FilingState.choices),
    "proposal": dict(ProposalState.choices),
    "package": {"late": _("Late"), "on_time": _("On time")},
}
# Every state of every kind, for a transition read without knowing its kind.
ALL_STATE_LABELS = {state: label for labels in STATE_LABELS.values() for state, label in labels.items()}


def audit_rows(transitions, kind: str) -> list[dict]:
    states = STATE_LABELS.get(kind, {})
    return [
        {
            "at": t.at, "actor": t.actor, "action": ACTION_LABELS.get(t.action, t.action),
            "from": states.get(t.from_state, t.from_state), "to": states.get(t.to_state, t.to_state),
            "comment": t.comment,
        }
        for t in transitions
    ]
