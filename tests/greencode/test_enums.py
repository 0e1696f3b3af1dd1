"""The green code's and the score run's state machines, as declared (greencode/enums.py): every move, from which
states, to which, and the Chinese label the code's history shows. The services' rules refuse most wrong moves
before the machine is asked, so a wrong declaration would hide behind them; this is the declaration's own check."""

from django.utils import translation

from greencode.enums import CODE_MACHINE, RUN_MACHINE


def table(machine) -> dict:
    with translation.override("zh-hans"):
        return {action: (set(move.sources), move.target, str(move.label)) for action, move in machine.moves.items()}


def test_code_machine_moves():
    assert table(CODE_MACHINE) == {
        "issue": ({None, "withdrawn"}, "issued", "已发放"),  # never from revoked: only the province reinstates
        "regrade": ({"issued"}, None, "新一轮评价调整了等级"),
        "withdraw": ({"issued"}, "withdrawn", "企业已撤回"),
        "revoke": ({"issued", "withdrawn"}, "revoked", "已撤销"),
        "reinstate": ({"revoked"}, "issued", "省厅已恢复"),
    }


def test_code_machine_actions_from_each_state():
    assert {state: CODE_MACHINE.actions_from(state) for state in (None, "issued", "withdrawn", "revoked")} == {
        None: ["issue"],
        "issued": ["regrade", "withdraw", "revoke"],
        "withdrawn": ["issue", "revoke"],
        "revoked": ["reinstate"],
    }


def test_run_machine_moves():
    assert table(RUN_MACHINE) == {
        "start": ({None}, "running", "已开始"),
        "finish": ({"running"}, "finished", "已完成"),
        "fail": ({"running"}, "failed", "失败"),
    }
