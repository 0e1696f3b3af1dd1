"""Words for the audit trail: each recorded action and state, as people read them (from the state machines)."""

from .enums import (
    CAMPAIGN_ACTIONS,
    EVIDENCE_ACTIONS,
    FILING_MACHINE,
    INCIDENT_ACTIONS,
    PACKAGE_MACHINE,
    PROPOSAL_MACHINE,
    FilingState,
    PackageState,
    ProposalState,
)

ACTION_LABELS = {
    **CAMPAIGN_ACTIONS, **INCIDENT_ACTIONS, **EVIDENCE_ACTIONS, **PACKAGE_MACHINE.labels(), **PROPOSAL_MACHINE.labels(),
    **FILING_MACHINE.labels(),
}

STATE_LABELS = {
    "filing": dict(FilingState.choices),
    "proposal": dict(ProposalState.choices),
    "package": dict(PackageState.choices),
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
