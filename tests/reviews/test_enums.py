"""The review's state machines, as declared (reviews/enums.py): every move of a filing, a proposal and a city
package, from which states, to which, and the Chinese label the audit trail shows. The services' rules refuse
many wrong moves before the machine is asked, so a wrong declaration could hide behind them."""

from django.utils import translation

from reviews.enums import FILING_MACHINE, PACKAGE_MACHINE, PROPOSAL_MACHINE

EDITABLE = {"draft", "returned"}
DISTRICT_EDITABLE = {"district_draft", "district_returned"}


def table(machine) -> dict:
    with translation.override("zh-hans"):
        return {action: (set(move.sources), move.target, str(move.label)) for action, move in machine.moves.items()}


def test_filing_machine_moves():
    assert table(FILING_MACHINE) == {
        "create": ({None}, "draft", "已创建"),
        "upload": (EDITABLE, None, "已上传"),
        "submit": (EDITABLE, "submitted", "已提交"),
        "check": ({"submitted"}, None, "已核查关键指标"),
        "flag_verdict": ({"submitted"}, None, "已判定数据异常标记"),
        "assessment_planned": ({"submitted", "accepted"}, None, "已安排现场评估"),
        "assessment_updated": ({"submitted", "accepted"}, None, "已更新现场评估"),
        "assessment_completed": ({"submitted", "accepted"}, None, "现场评估已完成"),
        "compliance_verified": ({"submitted"}, None, "合规信息已核查"),
        "disposition": ({"submitted"}, None, "申报事项已处置"),
        "return": ({"submitted"}, "returned", "已退回"),
        "accept": ({"submitted"}, "accepted", "已通过"),  # never from returned: the enterprise answers first
    }


def test_proposal_machine_moves():
    assert table(PROPOSAL_MACHINE) == {
        "propose": ({None}, "draft", "已提出调整意见"),
        "open_default": ({None}, "draft", "系统自动生成：未填报"),
        "open_incident": ({None, *EDITABLE}, "draft", "因事故报告生成"),
        "edit": (EDITABLE, None, "已修改"),
        "submit": (EDITABLE, "submitted", "已提交"),
        "approve": ({"submitted"}, "approved", "省厅已同意"),
        "return": ({"submitted"}, "returned", "已退回"),
        "miit_decision": ({"approved"}, None, "已记录工信部决定"),
        "district_propose": ({None}, "district_draft", "区县提出初审意见"),
        "district_edit": (DISTRICT_EDITABLE, None, "区县修改"),
        "district_submit": (DISTRICT_EDITABLE, "district_submitted", "报送地市"),
        "city_confirm": ({"district_submitted"}, "draft", "地市已确认"),
        "city_return": ({"district_submitted"}, "district_returned", "已退回区县"),
    }


def test_package_machine_moves():
    assert table(PACKAGE_MACHINE) == {
        "submit": ({None}, "on_time", "已提交"),
        "submit_late": ({None}, "late", "逾期提交"),
        "resubmit": ({"on_time", "late"}, None, "再次提交"),
    }


def test_nothing_leaves_a_decided_proposal_but_the_miit_record():
    assert PROPOSAL_MACHINE.actions_from("approved") == ["miit_decision"]
    assert FILING_MACHINE.actions_from("accepted") == ["assessment_planned", "assessment_updated",
                                                       "assessment_completed"]
