"""reviews/services/declared.py rule by rule: the major-changes block and the compliance block as the filing page,
the review page and the spreadsheet read them, row by row, and when a compliance row is a finding."""

import datetime as dt

import pytest
from django.utils import translation

from reviews.enums import ComplianceItem, ComplianceResult, ComplianceSource
from reviews.models import ComplianceCheck, Filing
from reviews.services.declared import Change, ComplianceRow, compliance_rows, declared_changes


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def _check(item, result) -> ComplianceCheck:
    return ComplianceCheck(item=item, source=ComplianceSource.values[0], checked_on=dt.date(2024, 3, 20),
                           result=result)


def test_declared_changes_lists_every_change_in_the_forms_order_with_its_label_detail_and_weight():
    filing = Filing(had_accident=True, production_stopped=True, stopped_months=4, name_changed=True, new_name="新名称",
                    restructured=True)
    assert declared_changes(filing) == [
        Change("had_accident", "发生安全、质量或环境事故", True, None, True),
        Change("penalised", "受到行政处罚", False, None, True),
        Change("relocated", "发生搬迁", False, None, False),
        Change("production_stopped", "停产", True, 4, False),
        Change("name_changed", "名称变更", True, "新名称", False),
        Change("scope_changed", "经营范围变更", False, None, False),
        Change("address_changed", "生产地址变更", False, None, False),
        Change("boundary_changed", "组织边界变化", False, None, False),
        Change("restructured", "兼并、收购或重组", True, None, False),
    ]


def test_compliance_rows_pair_each_answer_with_the_citys_verification_in_order():
    filing = Filing(on_abnormal_list=True, penalised=True, rectification_open=False)
    found = _check(ComplianceItem.JUDGMENT_DEFAULTER, ComplianceResult.FOUND)
    clear = _check(ComplianceItem.PENALTIES, ComplianceResult.CLEAR)
    rows = compliance_rows(filing, {ComplianceItem.JUDGMENT_DEFAULTER: found, ComplianceItem.PENALTIES: clear})
    assert rows == [
        ComplianceRow("abnormal_list", "经营异常名录", True, None),
        ComplianceRow("serious_dishonesty", "严重失信主体名单", False, None),
        ComplianceRow("judgment_defaulter", "失信被执行人", False, found),
        ComplianceRow("penalties", "行政处罚", True, clear),
        ComplianceRow("discharge_permit", "排污许可证", False, None),
        ComplianceRow("rectification", "节能监察整改", False, None),
    ]
    assert [row.failed for row in rows] == [True, False, True, True, False, False]


@pytest.mark.parametrize(("declared", "result", "failed"), [
    (False, None, False),
    (True, None, True),  # the enterprise's own "yes" is a finding, verified or not
    (False, ComplianceResult.CLEAR, False),
    (False, ComplianceResult.FOUND, True),
    (True, ComplianceResult.CLEAR, True),
])
def test_a_compliance_row_fails_on_a_declared_yes_or_a_finding_the_city_confirmed(declared, result, failed):
    check = _check(ComplianceItem.PENALTIES, result) if result else None
    assert ComplianceRow("penalties", "行政处罚", declared, check).failed is failed
