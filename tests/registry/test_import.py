import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from registry.enums import UnitStatus
from registry.importer import import_units
from registry.models import Unit, UnitHistory
from tests import factories
from tests.conftest import login
from tests.registry.xlsx_files import upload, workbook_bytes

pytestmark = pytest.mark.django_db


def row(code, name="导入测试工厂有限公司", **extra):
    base = {"统一社会信用代码": code, "单位名称": name, "类型": "绿色工厂", "级别": "国家级", "城市": "广州市",
            "行业代码": 39, "批次": 8, "列入年份": 2023}
    base.update(extra)
    return base


def test_import_valid_file_creates_units_with_history(province):
    codes = [factories.valid_code("440100"), factories.valid_code("440300")]
    report = import_units(upload([row(codes[0]), row(codes[1], "深圳导入工厂", 城市="深圳")]), actor=province)
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    unit = Unit.objects.get(credit_code=codes[1])
    assert unit.city.name == "深圳市"
    assert unit.industry.code == "39"
    assert UnitHistory.objects.filter(unit=unit, source="import").count() == 1


def test_import_is_idempotent_by_credit_code(province):
    code = factories.valid_code()
    import_units(upload([row(code)]), actor=province)
    report = import_units(upload([row(code)]), actor=province)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert Unit.objects.filter(credit_code=code).count() == 1
    report = import_units(upload([row(code, "改名后的工厂有限公司")]), actor=province)
    assert (report.created, report.updated) == (0, 1)
    entry = UnitHistory.objects.get(unit__credit_code=code, field="name")
    assert (entry.old_value, entry.new_value, entry.actor) == ("导入测试工厂有限公司", "改名后的工厂有限公司", province)


def test_import_rejects_a_file_with_one_bad_row_and_saves_nothing(province):
    good1, good2 = factories.valid_code(), factories.valid_code()
    bad_code = good2[:-1] + ("0" if good2[-1] != "0" else "1")
    rows = [row(good1), row(bad_code, "坏行工厂"), row(good2, "第三行工厂")]
    before = Unit.objects.count()
    report = import_units(upload(rows), actor=province)
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(3, "统一社会信用代码")]
    assert Unit.objects.count() == before
    assert UnitHistory.objects.count() == 0


def test_import_reports_every_bad_row_and_column(province):
    code = factories.valid_code()
    rows = [
        row(code, 类型="工厂", 城市="北京市"),
        row(code, 列入年份="去年", 行业代码=99),
        row(factories.valid_code(), 状态="已移出"),
    ]
    report = import_units(upload(rows), actor=province)
    assert sorted((e.row, e.column) for e in report.errors) == [
        (2, "城市"), (2, "类型"),
        (3, "列入年份"), (3, "统一社会信用代码"), (3, "行业代码"),
        (4, "状态原因"),
    ]
    assert Unit.objects.count() == 0


def test_import_rejects_a_file_that_is_not_xlsx(province):
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = import_units(SimpleUploadedFile("units.xlsx", b"not a zip"), actor=province, filename="units.xlsx")
    assert report.file_error
    report = import_units(SimpleUploadedFile("units.csv", b"a,b"), actor=province, filename="units.csv")
    assert ".xlsx" in report.file_error


def test_import_rejects_a_file_without_the_header_row(province):
    report = import_units(upload([["a", "b"]], headers=["foo", "bar"]), actor=province)
    assert "统一社会信用代码" in report.file_error


def test_import_row_limit_is_enforced(province, settings):
    settings.UPLOAD_MAX_ROWS = 2
    rows = [row(factories.valid_code()) for _ in range(3)]
    report = import_units(upload(rows), actor=province)
    assert report.file_error
    assert Unit.objects.count() == 0


def test_import_page_shows_every_error_and_saves_nothing(client, province):
    login(client, province)
    bad = row("123", 城市="火星")
    response = client.post(reverse("registry:unit_import"), {"file": upload([bad])})
    assert response.status_code == 200
    body = response.content.decode()
    assert "火星" in body
    assert response.context["report"].errors
    assert Unit.objects.count() == 0


def test_import_page_applies_a_good_file(client, province):
    login(client, province)
    response = client.post(reverse("registry:unit_import"), {"file": upload([row(factories.valid_code())])})
    assert response.status_code == 302
    assert Unit.objects.count() == 1


def test_import_page_dry_run_saves_nothing(client, province):
    login(client, province)
    response = client.post(reverse("registry:unit_import"), {"file": upload([row(factories.valid_code())]), "dry_run": "on"})
    assert response.status_code == 200
    assert response.context["report"].ok
    assert "全部 1 行检查通过" in response.content.decode()
    assert Unit.objects.count() == 0


def test_import_removed_status_is_applied_with_reason(province):
    unit = factories.UnitFactory()
    report = import_units(
        upload([row(unit.credit_code, unit.name, 状态="已移出", 状态原因="2024年动态管理移出")]), actor=province
    )
    assert report.ok, report.errors
    unit.refresh_from_db()
    assert unit.status == UnitStatus.REMOVED
    assert unit.status_reason == "2024年动态管理移出"
    assert unit.status_date is not None


def test_import_template_downloads_with_the_headers(client, province):
    login(client, province)
    response = client.get(reverse("registry:unit_import_template"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [c.value for c in next(wb.worksheets[0].iter_rows(max_row=1))]
    assert headers[:2] == ["统一社会信用代码", "单位名称"]


def test_import_units_command_all_or_nothing(tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook_bytes([row(factories.valid_code())]))
    call_command("import_units", str(good))
    assert Unit.objects.count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook_bytes([row(factories.valid_code()), row("X")]))
    with pytest.raises(Exception, match="nothing was saved"):
        call_command("import_units", str(bad))
    assert Unit.objects.count() == 1


def test_import_one_code_on_two_lists_is_two_units_of_one_enterprise(province):
    code = factories.valid_code()
    rows = [row(code, "广汽本田汽车有限公司"), row(code, "广汽本田汽车有限公司", 类型="绿色供应链管理企业")]
    report = import_units(upload(rows), actor=province)
    assert report.ok, report.errors
    units = Unit.objects.filter(credit_code=code).order_by("kind")
    assert [u.kind for u in units] == ["factory", "supply_chain"]
    assert units[0].enterprise == units[1].enterprise
    assert units[0].listed_in.name == "第八批"
    # Importing again matches each row to its own listing.
    report = import_units(upload(rows), actor=province)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


def test_import_several_units_of_one_kind_under_one_code_are_told_apart_by_name(province):
    parent = factories.UnitFactory(name="丽珠医药集团股份有限公司")
    factories.UnitFactory(name="丽珠集团丽珠制药厂", credit_code=parent.credit_code, enterprise=parent.enterprise)
    report = import_units(upload([row(parent.credit_code, "丽珠集团丽珠制药厂", 联系人="张工")]), actor=province)
    assert (report.created, report.updated) == (0, 1)
    assert Unit.objects.get(name="丽珠集团丽珠制药厂").contact_name == "张工"
    report = import_units(upload([row(parent.credit_code, "丽珠某新厂")]), actor=province)
    assert [(e.row, e.column) for e in report.errors] == [(2, "统一社会信用代码")]
