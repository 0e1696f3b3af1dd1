"""greenmfg/statemachine.py: a Machine refuses unknown states when it is declared, answers which moves each state
allows, and explains a refused move in words (with the record's state, or "not yet created").

A small machine of a door is declared here; the apps' own machines (their enums.py) are read at the end, action by
action from every state.
"""

import pytest
from django.db import models
from django.utils import translation

from greencode.enums import CODE_MACHINE, CodeState
from greenmfg.statemachine import Machine, Move, TransitionNotAllowed
from registry.enums import UNIT_MACHINE, UnitStatus
from reviews.enums import FILING_MACHINE, FilingState


class Door(models.TextChoices):
    OPEN = "open", "Open"
    SHUT = "shut", "Shut"
    LOCKED = "locked", "Locked"


def door_moves() -> list[Move]:
    return [
        Move("build", (None,), Door.SHUT, "Build"),
        Move("open", (Door.SHUT,), Door.OPEN, "Open it"),
        Move("shut", (Door.OPEN,), Door.SHUT, "Shut it"),
        Move("lock", (Door.SHUT,), Door.LOCKED, "Lock it"),
        Move("paint", (Door.OPEN, Door.SHUT, Door.LOCKED), None, "Paint it"),
    ]


@pytest.fixture
def door() -> Machine:
    return Machine("door", Door, door_moves())


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- Move -----------------------------------------------------------------------------------------------------

def test_a_move_with_a_target_leads_there_from_any_state():
    move = Move("open", (Door.SHUT,), Door.OPEN, "Open it")
    assert move.target_from(Door.SHUT) == "open"
    assert move.target_from(Door.LOCKED) == "open"


def test_a_move_without_a_target_keeps_the_state():
    move = Move("paint", (Door.OPEN, Door.SHUT), None, "Paint it")
    assert move.target_from(Door.SHUT) == "shut"
    assert move.target_from(Door.OPEN) == "open"


# --- declaring a machine ---------------------------------------------------------------------------------------

def test_a_machine_keeps_its_name_states_and_moves_by_action(door):
    assert door.name == "door"
    assert door.states is Door
    assert door.moves == {m.action: m for m in door_moves()}
    assert list(door.moves) == ["build", "open", "shut", "lock", "paint"]


def test_a_machine_accepts_none_as_a_source_and_as_a_target():
    machine = Machine("door", Door, [Move("build", (None,), Door.SHUT, "Build"),
                                     Move("paint", (Door.SHUT,), None, "Paint it")])
    assert list(machine.moves) == ["build", "paint"]


def test_a_machine_refuses_an_unknown_source_state():
    with pytest.raises(ValueError) as refused:
        Machine("door", Door, [Move("open", (Door.SHUT, "ajar"), Door.OPEN, "Open it")])
    assert str(refused.value) == "door.open: unknown state(s) ['ajar']"


def test_a_machine_refuses_an_unknown_target_state():
    with pytest.raises(ValueError) as refused:
        Machine("door", Door, [Move("break", (Door.LOCKED,), "broken", "Break it")])
    assert str(refused.value) == "door.break: unknown state(s) ['broken']"


def test_a_machine_names_every_unknown_state_of_a_move_in_order():
    with pytest.raises(ValueError) as refused:
        Machine("gate", Door, [Move("lock", (Door.SHUT,), Door.LOCKED, "Lock it"),
                               Move("swing", ("ajar", Door.OPEN, "wide"), "gone", "Swing")])
    assert str(refused.value) == "gate.swing: unknown state(s) ['ajar', 'wide', 'gone']"


def test_a_machine_refuses_a_state_of_another_machine():
    with pytest.raises(ValueError) as refused:
        Machine("door", Door, [Move("remove", (UnitStatus.LISTED,), Door.SHUT, "Remove")])
    assert str(refused.value) == "door.remove: unknown state(s) [UnitStatus.LISTED]"


# --- asking a machine ------------------------------------------------------------------------------------------

def test_move_returns_the_declared_move(door):
    assert door.move("lock") == Move("lock", (Door.SHUT,), Door.LOCKED, "Lock it")


def test_move_refuses_an_unknown_action_by_name_without_the_key_error(door):
    with pytest.raises(ValueError) as refused:
        door.move("kick")
    assert str(refused.value) == "door has no move 'kick'"
    assert refused.value.__cause__ is None and refused.value.__suppress_context__ is True


@pytest.mark.parametrize("ask", ["allows", "check"])
def test_allows_and_check_refuse_an_unknown_action_the_same_way(door, ask):
    with pytest.raises(ValueError) as refused:
        getattr(door, ask)("kick", Door.OPEN)
    assert str(refused.value) == "door has no move 'kick'"


# Every action of the door from every state (None: no door yet): the state it leads to, or None if refused.
DOOR_TABLE = {
    "build": {None: "shut", "open": None, "shut": None, "locked": None},
    "open": {None: None, "open": None, "shut": "open", "locked": None},
    "shut": {None: None, "open": "shut", "shut": None, "locked": None},
    "lock": {None: None, "open": None, "shut": "locked", "locked": None},
    "paint": {None: None, "open": "open", "shut": "shut", "locked": "locked"},
}


@pytest.mark.parametrize(("action", "state", "after"),
                         [(a, s, after) for a, row in DOOR_TABLE.items() for s, after in row.items()])
def test_each_action_from_each_state(door, action, state, after):
    assert door.allows(action, state) is (after is not None)
    if after is None:
        with pytest.raises(TransitionNotAllowed):
            door.check(action, state)
    else:
        assert door.check(action, state) == after


def test_a_refused_move_names_the_action_and_the_records_state(door):
    with pytest.raises(TransitionNotAllowed) as refused:
        door.check("lock", Door.OPEN)
    assert str(refused.value) == "“Lock it” is not possible while the record is “Open”."


def test_a_refused_move_on_no_record_says_not_yet_created(door):
    with pytest.raises(TransitionNotAllowed) as refused:
        door.check("open", None)
    assert str(refused.value) == "“Open it” is not possible while the record is “not yet created”."


def test_a_refused_move_from_a_state_the_machine_does_not_know_says_not_yet_created(door):
    with pytest.raises(TransitionNotAllowed) as refused:
        door.check("open", "ajar")
    assert str(refused.value) == "“Open it” is not possible while the record is “not yet created”."


def test_a_refused_move_is_explained_in_chinese_by_default():
    with translation.override("zh-hans"), pytest.raises(TransitionNotAllowed) as refused:
        FILING_MACHINE.check("accept", FilingState.DRAFT)
    assert str(refused.value) == "当前状态为“草稿”，不能执行“已通过”。"
    with translation.override("zh-hans"), pytest.raises(TransitionNotAllowed) as refused:
        FILING_MACHINE.check("submit", None)
    assert str(refused.value) == "当前状态为“尚未创建”，不能执行“已提交”。"


@pytest.mark.parametrize(("state", "actions"), [
    (None, ["build"]),
    (Door.OPEN, ["shut", "paint"]),
    (Door.SHUT, ["open", "lock", "paint"]),
    (Door.LOCKED, ["paint"]),
    ("ajar", []),
])
def test_actions_from_lists_the_allowed_actions_in_declared_order(door, state, actions):
    assert door.actions_from(state) == actions


def test_labels_are_the_moves_labels_by_action(door):
    assert door.labels() == {"build": "Build", "open": "Open it", "shut": "Shut it", "lock": "Lock it",
                             "paint": "Paint it"}


# --- the apps' machines, as declared in their enums.py ----------------------------------------------------------

FILING_STATES = [None, *FilingState.values]
FILING_TABLE = {  # action: {state: the state after it}; a state not listed refuses the action
    "create": {None: "draft"},
    "upload": {"draft": "draft", "returned": "returned"},
    "submit": {"draft": "submitted", "returned": "submitted"},
    "check": {"submitted": "submitted"},
    "flag_verdict": {"submitted": "submitted"},
    "assessment_planned": {"submitted": "submitted", "accepted": "accepted"},
    "assessment_updated": {"submitted": "submitted", "accepted": "accepted"},
    "assessment_completed": {"submitted": "submitted", "accepted": "accepted"},
    "compliance_verified": {"submitted": "submitted"},
    "disposition": {"submitted": "submitted"},
    "return": {"submitted": "returned"},
    "accept": {"submitted": "accepted"},
}


@pytest.mark.parametrize(("action", "state"), [(a, s) for a in FILING_TABLE for s in FILING_STATES])
def test_the_filing_machine_each_action_from_each_state(action, state):
    after = FILING_TABLE[action].get(state)
    assert FILING_MACHINE.allows(action, state) is (after is not None)
    if after is None:
        with pytest.raises(TransitionNotAllowed):
            FILING_MACHINE.check(action, state)
    else:
        assert FILING_MACHINE.check(action, state) == after


def test_the_filing_machine_declares_exactly_these_actions():
    assert list(FILING_MACHINE.labels()) == list(FILING_TABLE)


def test_the_filing_machine_explains_a_refusal_with_the_state_label():
    with pytest.raises(TransitionNotAllowed) as refused:
        FILING_MACHINE.check("return", FilingState.RETURNED)
    assert str(refused.value) == "“Returned” is not possible while the record is “Returned for correction”."


def test_the_unit_machine_removes_a_listed_unit_and_relists_a_removed_one():
    assert UNIT_MACHINE.actions_from(UnitStatus.LISTED) == ["remove"]
    assert UNIT_MACHINE.actions_from(UnitStatus.REMOVED) == ["relist"]
    assert UNIT_MACHINE.actions_from(None) == []
    assert (UNIT_MACHINE.check("remove", "listed"), UNIT_MACHINE.check("relist", "removed")) == ("removed", "listed")


@pytest.mark.parametrize(("state", "actions"), [
    (None, ["issue"]),
    (CodeState.ISSUED, ["regrade", "withdraw", "revoke"]),
    (CodeState.WITHDRAWN, ["issue", "revoke"]),
    (CodeState.REVOKED, ["reinstate"]),
])
def test_the_code_machine_actions_from_each_state(state, actions):
    assert CODE_MACHINE.actions_from(state) == actions


def test_the_code_machine_regrade_keeps_the_state_and_revoked_is_final_but_for_reinstatement():
    assert CODE_MACHINE.check("regrade", CodeState.ISSUED) == "issued"
    assert CODE_MACHINE.check("reinstate", CodeState.REVOKED) == "issued"
    with pytest.raises(TransitionNotAllowed) as refused:
        CODE_MACHINE.check("issue", CodeState.REVOKED)
    assert str(refused.value) == "“Issued” is not possible while the record is “Revoked”."
