"""The dynamic-adjustment summary: the command and the download button write the same columns and rows."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reviews.enums import MiitOutcome, Outcome, RemoveReason
from reviews.exports import ADJUSTMENT_HEADERS
from reviews.models import AdjustmentProposal
from reviews.services import province as province_services
from reviews.services import review as review_services
from tests import factories
from tests.conftest import login

from .review_helpers import accepted_filing, open_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(gz_unit, gz_reviewer, province):
    campaign = open_campaign()
    renamed = factories.UnitFactory(name="广州旧名有限公司")
    kept = factories.UnitFactory(name="广州保留有限公司")
    formula = factories.UnitFactory(name="=HYPERLINK(1)有限公司")
    for unit, data in ((gz_unit, {"outcome": Outcome.REMOVE, "remove_reason": RemoveReason.FAILED_INDICATORS,
                                  "reason": "能耗超标"}),
                       (renamed, {"outcome": Outcome.RENAME, "new_name": "广州新名有限公司", "reason": "更名"}),
                       (kept, {"outcome": Outcome.KEEP}),
                       (formula, {"outcome": Outcome.REMOVE, "remove_reason": RemoveReason.OTHER, "reason": "其他"})):
        accepted_filing(campaign, unit, gz_reviewer)
        review_services.save_proposal(campaign, unit, data, actor=gz_reviewer)
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    for p in AdjustmentProposal.objects.all():
        province_services.decide_proposal(p.pk, "approve", actor=province)
    rename = AdjustmentProposal.objects.get(unit=renamed)
    province_services.record_miit_decision(rename, outcome=MiitOutcome.CONFIRMED, decided_on=timezone.localdate(),
                                           actor=province)
    return campaign


def _rows(content: bytes):
    values = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    header = [i for i, r in enumerate(values) if r and r[0] == "序号"][0]
    return values[header], values[header + 1:]


def test_export_adjustments_command_writes_the_summary(decided, gz_unit, tmp_path):
    target = tmp_path / "adjustments.xlsx"
    out = io.StringIO()
    call_command("export_adjustments", "--year", str(decided.year), "--output", str(target), stdout=out)
    headers, rows = _rows(target.read_bytes())
    assert list(headers) == ["序号", "城市", "单位名称", "统一社会信用代码", "类型", "级别", "批次", "调整类型", "原名称", "新名称", "原因"]
    assert list(headers) == ADJUSTMENT_HEADERS
    by_name = {r[2]: r for r in rows}
    assert sorted(by_name) == sorted(["=HYPERLINK(1)有限公司", gz_unit.name, "广州新名有限公司"])  # keep is no adjustment
    risky = [c for row in load_workbook(target).active.iter_rows() for c in row if c.value == "=HYPERLINK(1)有限公司"]
    assert [(c.data_type, c.quotePrefix) for c in risky] == [("s", True)]  # text, kept text when edited
    assert by_name[gz_unit.name][1:] == ("广州市", gz_unit.name, gz_unit.credit_code, "绿色工厂", "国家级", 8,
                                         "移出名单", None, None, "关键指标不符合要求：能耗超标")
    assert by_name["广州新名有限公司"][7:10] == ("变更名称", "广州旧名有限公司", "广州新名有限公司")
    assert [r[0] for r in rows] == [1, 2, 3]
    assert "3 adjustment(s)" in out.getvalue()


def test_export_adjustments_command_refuses_an_unknown_year(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_adjustments", "--year", "1999", "--output", str(tmp_path / "x.xlsx"))


def test_export_adjustments_download_button_gives_the_same_table(client, decided, province, tmp_path):
    login(client, province)
    response = client.get(reverse("reviews:adjustments_xlsx"), {"year": decided.year})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    headers, rows = _rows(b"".join(response.streaming_content))
    assert list(headers) == ADJUSTMENT_HEADERS
    assert len(rows) == 3
    filtered = client.get(reverse("reviews:proposal_list"), {"year": decided.year, "outcome": "keep", "format": "xlsx"})
    headers, rows = _rows(b"".join(filtered.streaming_content))
    assert [r[2] for r in rows] == ["广州保留有限公司"]


def test_adjustments_batch_column_names_a_year_list_after_the_eighth_batch(gz_reviewer):
    from reviews.exports import adjustment_rows

    campaign = open_campaign()
    eighth = factories.UnitFactory(name="第八批工厂")
    yearly = factories.UnitFactory(name="2024年度工厂", batch=None, year_listed=2024,
                                   listed_in=factories.published_list("2024年度"))
    for unit in (eighth, yearly):
        AdjustmentProposal.objects.create(campaign=campaign, unit=unit, outcome=Outcome.KEEP)
    rows = {r[2]: r[6] for r in adjustment_rows(AdjustmentProposal.objects.all())}
    assert rows == {"第八批工厂": 8, "2024年度工厂": "2024年度"}
