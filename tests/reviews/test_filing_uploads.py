"""Filing spreadsheets: one enterprise's round trip, and a city's bulk upload. All-or-nothing."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from registry.enums import UnitKind
from reviews.enums import FilingState
from reviews.models import Filing
from tests import factories
from tests.conftest import login
from tests.reviews.test_filing import GOOD, make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    return make_campaign()


def _download(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _as_upload(wb, name="filing.xlsx"):
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def _fill_single(wb, values: dict):
    ws = wb.active
    for row in ws.iter_rows(min_row=1):
        if row[0].value in values:
            row[3].value = values[row[0].value]
    return wb


def test_filing_xlsx_round_trip_loads_the_draft(client, campaign, gz_unit):
    enterprise = factories.enterprise_user(gz_unit)
    login(client, enterprise)
    wb = _download(client, reverse("reviews:filing_xlsx", args=[2024, gz_unit.pk]))
    headers = [c.value for c in wb.active[3]]
    assert headers == ["字段代码", "项目", "计量单位", "填报值"]
    numbers = {k: float(v) for k, v in GOOD.items() if k not in ("product_name", "product_unit")}
    _fill_single(wb, {**numbers, "product_unit": "件", "name_changed": "否"})
    response = client.post(reverse("reviews:filing_upload", args=[2024, gz_unit.pk]), {"file": _as_upload(wb)})
    assert response.status_code == 302
    filing = Filing.objects.get(unit=gz_unit)
    assert filing.state == FilingState.DRAFT
    assert filing.energy_tce == Decimal("200")
    assert filing.product_unit == "件"
    assert filing.indicators.filter(code="energy_per_output").get().value == Decimal("20")


def test_filing_upload_with_bad_cells_names_each_row_and_saves_nothing(client, campaign, gz_unit):
    login(client, factories.enterprise_user(gz_unit))
    wb = _download(client, reverse("reviews:filing_xlsx", args=[2024, gz_unit.pk]))
    _fill_single(wb, {"output_value": 10000, "energy_tce": -3, "co2_t": "很多", "relocated": "也许"})
    response = client.post(reverse("reviews:filing_upload", args=[2024, gz_unit.pk]), {"file": _as_upload(wb)})
    assert response.status_code == 200
    errors = response.context["parsed"].errors
    assert [e.column for e in errors] == ["综合能源消费量", "碳排放总量", "发生搬迁"]
    assert all(e.row > 3 for e in errors)
    assert not Filing.objects.exists()


def test_filing_upload_physical_error_saves_nothing(client, campaign, gz_unit):
    login(client, factories.enterprise_user(gz_unit))
    wb = _download(client, reverse("reviews:filing_xlsx", args=[2024, gz_unit.pk]))
    _fill_single(wb, {"output_value": 10000, "energy_tce": 100, "renewable_energy_tce": 150})
    response = client.post(reverse("reviews:filing_upload", args=[2024, gz_unit.pk]), {"file": _as_upload(wb)})
    assert response.status_code == 200
    assert [e.column for e in response.context["parsed"].errors] == ["可再生能源使用量"]
    assert not Filing.objects.exists()


def test_filing_upload_rejects_files_that_are_not_filings(client, campaign, gz_unit):
    login(client, factories.enterprise_user(gz_unit))
    response = client.post(reverse("reviews:filing_upload", args=[2024, gz_unit.pk]),
                           {"file": SimpleUploadedFile("x.xlsx", b"PK not really")})
    assert response.context["parsed"].file_error
    response = client.post(reverse("reviews:filing_upload", args=[2024, gz_unit.pk]),
                           {"file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert ".xlsx" in response.context["parsed"].file_error
    assert not Filing.objects.exists()


def _bulk_rows(wb, sheet, rows: dict):
    """Fill the template's pre-listed rows: {credit code: {field: value}}."""
    ws = wb[sheet]
    keys = [c.value for c in ws[2]]
    for row in ws.iter_rows(min_row=3):
        code = row[0].value
        for field, value in rows.get(code, {}).items():
            row[keys.index(field)].value = value
    return wb


def test_city_bulk_upload_all_good_saves_and_submits_every_filing(client, campaign, gz_reviewer):
    units = factories.UnitFactory.create_batch(3)
    park = factories.UnitFactory(kind=UnitKind.PARK, industry=None)
    factories.UnitFactory(city=factories.city("深圳市"))  # not Guangzhou's: absent from the template
    login(client, gz_reviewer)
    wb = _download(client, reverse("reviews:city_upload_template", args=[2024]))
    listed = [r[0].value for r in wb["绿色工厂"].iter_rows(min_row=3)]
    assert sorted(listed) == sorted(u.credit_code for u in units)
    numbers = {k: float(v) for k, v in GOOD.items() if k not in ("product_name", "product_unit")}
    _bulk_rows(wb, "绿色工厂", {u.credit_code: {**numbers, "product_unit": "件"} for u in units})
    _bulk_rows(wb, "绿色工业园区", {park.credit_code: {
        "months_reported": 12, "value_added": 50000, "energy_tce": 9000, "co2_t": 20000,
        "water_withdrawn_m3": 100000, "park_enterprises": 100, "park_green_factories": 12}})
    response = client.post(reverse("reviews:city_upload", args=[2024]), {"file": _as_upload(wb), "submit": "on"})
    assert response.status_code == 302
    assert Filing.objects.filter(state=FilingState.SUBMITTED).count() == 4


def test_city_bulk_upload_one_bad_row_saves_nothing_and_names_it(client, campaign, gz_reviewer):
    units = factories.UnitFactory.create_batch(3)
    login(client, gz_reviewer)
    wb = _download(client, reverse("reviews:city_upload_template", args=[2024]))
    numbers = {k: float(v) for k, v in GOOD.items() if k not in ("product_name", "product_unit")}
    rows = {u.credit_code: {**numbers, "product_unit": "件"} for u in units}
    rows[units[1].credit_code]["solid_waste_utilised_t"] = 99  # more than the 40 t generated
    _bulk_rows(wb, "绿色工厂", rows)
    response = client.post(reverse("reviews:city_upload", args=[2024]), {"file": _as_upload(wb)})
    assert response.status_code == 200
    errors = response.context["parsed"].errors
    assert [(e.column) for e in errors] == ["绿色工厂 · 一般工业固体废物综合利用量"]
    assert not Filing.objects.exists()


def test_city_bulk_upload_cannot_file_for_another_city(client, campaign, gz_reviewer):
    sz = factories.UnitFactory(city=factories.city("深圳市"))
    factories.UnitFactory()
    login(client, gz_reviewer)
    wb = _download(client, reverse("reviews:city_upload_template", args=[2024]))
    ws = wb["绿色工厂"]
    ws.append([sz.credit_code, sz.name, 12, 10000])
    response = client.post(reverse("reviews:city_upload", args=[2024]), {"file": _as_upload(wb)})
    assert response.status_code == 200
    assert [e.column for e in response.context["parsed"].errors] == ["绿色工厂 · 统一社会信用代码"]
    assert not Filing.objects.exists()


def test_city_bulk_upload_is_for_staff_only(client, campaign, gz_unit):
    login(client, factories.enterprise_user(gz_unit))
    assert client.get(reverse("reviews:city_upload", args=[2024])).status_code == 403
    assert client.get(reverse("reviews:city_upload_template", args=[2024])).status_code == 403


def _rows(units, **overrides):
    from reviews.uploads import BulkRow
    from tests.reviews.test_filing import good_totals

    return [BulkRow(i + 3, "绿色工厂", u, {**good_totals(), **overrides}, "") for i, u in enumerate(units)]


@pytest.mark.parametrize("n", [1, 3])
def test_city_bulk_apply_runs_a_constant_number_of_queries(campaign, gz_reviewer, django_assert_num_queries, n):
    from reviews.services.filings import apply_bulk

    units = factories.UnitFactory.create_batch(n)
    rows = _rows(units)
    # The same count at 1 and 3 rows: every step is one statement for the whole batch.
    with django_assert_num_queries(13):  # 12 + the audit rows of the filings it creates
        problems = apply_bulk(campaign, rows, actor=gz_reviewer, submit=True)
    assert problems == []
    assert Filing.objects.filter(state=FilingState.SUBMITTED).count() == n


def test_city_bulk_upload_updates_existing_drafts_and_refuses_submitted_ones(campaign, gz_reviewer):
    from reviews.services.filings import apply_bulk, filing_for, save_filing

    draft_unit, submitted_unit = factories.UnitFactory.create_batch(2)
    draft = filing_for(campaign, draft_unit)
    save_filing(draft, {"output_value": Decimal(5)}, actor=None)
    Filing.objects.filter(pk=filing_for(campaign, submitted_unit).pk).update(state=FilingState.SUBMITTED)
    problems = apply_bulk(campaign, _rows([draft_unit, submitted_unit]), actor=gz_reviewer, submit=False)
    assert [(row, column) for row, column, _m in problems] == [(4, "绿色工厂 · 统一社会信用代码")]
    draft.refresh_from_db()
    assert draft.output_value == Decimal(5)  # nothing saved
    assert apply_bulk(campaign, _rows([draft_unit]), actor=gz_reviewer, submit=False) == []
    draft.refresh_from_db()
    assert draft.output_value == Decimal("10000")
    assert draft.version == 3


# --- every row accounted for, and a faithful round trip --------------------------------------------------------

def test_filing_upload_a_row_below_the_template_end_is_an_error_not_ignored(client, campaign, gz_unit):
    login(client, factories.enterprise_user(gz_unit))
    wb = _download(client, reverse("reviews:filing_xlsx", args=[2024, gz_unit.pk]))
    ws = wb.active
    last = ws.max_row
    ws.cell(row=last + 1, column=1, value="output_value")
    ws.cell(row=last + 1, column=4, value=5)
    _fill_single(wb, {"output_value": 10000})
    response = client.post(reverse("reviews:filing_upload", args=[2024, gz_unit.pk]), {"file": _as_upload(wb)})
    assert response.status_code == 200
    errors = response.context["parsed"].errors
    assert [(e.row, e.column) for e in errors] == [(last + 1, "")]
    assert errors[0].message == f"此行位于模板末尾之后（最后一个字段在第 {last} 行），无法读取。请把数值移到对应字段所在行，或删除此行。"
    assert not Filing.objects.exists()


def test_filing_upload_the_last_template_row_is_still_read(client, campaign, gz_unit):
    from reviews.uploads import parse_single

    login(client, factories.enterprise_user(gz_unit))
    wb = _download(client, reverse("reviews:filing_xlsx", args=[2024, gz_unit.pk]))
    ws = wb.active
    assert ws.cell(row=ws.max_row, column=1).value == "rectification_open"  # the compliance block ends it
    ws.cell(row=ws.max_row, column=4, value="是")
    parsed = parse_single(_as_upload(wb), filename="f.xlsx", kind=gz_unit.kind)
    assert (parsed.file_error, parsed.errors) == ("", [])
    assert parsed.data["rectification_open"] is True


def test_filing_upload_a_repeated_field_code_is_an_error_not_an_overwrite(client, campaign, gz_unit):
    login(client, factories.enterprise_user(gz_unit))
    wb = _download(client, reverse("reviews:filing_xlsx", args=[2024, gz_unit.pk]))
    ws = wb.active
    rows = {r[0].value: r[0].row for r in ws.iter_rows(min_row=4)}
    ws.cell(row=rows["output_value"], column=4, value=10000)
    ws.cell(row=rows["co2_t"], column=1, value="output_value")  # a second 产值 row, with another value
    ws.cell(row=rows["co2_t"], column=4, value=99)
    response = client.post(reverse("reviews:filing_upload", args=[2024, gz_unit.pk]), {"file": _as_upload(wb)})
    errors = response.context["parsed"].errors
    assert [(e.row, e.column, e.message) for e in errors] == [
        (rows["co2_t"], "工业总产值", f"字段代码“output_value”出现了两次（另见第 {rows['output_value']} 行），请只保留其中一行。")]
    assert not Filing.objects.exists()


def test_filing_upload_a_value_whose_code_was_deleted_is_an_error(client, campaign, gz_unit):
    login(client, factories.enterprise_user(gz_unit))
    wb = _download(client, reverse("reviews:filing_xlsx", args=[2024, gz_unit.pk]))
    ws = wb.active
    rows = {r[0].value: r[0].row for r in ws.iter_rows(min_row=4)}
    ws.cell(row=rows["energy_tce"], column=1).value = None
    ws.cell(row=rows["energy_tce"], column=4, value=200)
    _fill_single(wb, {"output_value": 10000})
    response = client.post(reverse("reviews:filing_upload", args=[2024, gz_unit.pk]), {"file": _as_upload(wb)})
    assert [(e.row, e.column) for e in response.context["parsed"].errors] == [(rows["energy_tce"], "字段代码")]


def test_filing_download_then_upload_keeps_a_formula_like_text_exactly(client, campaign, gz_unit):
    from reviews.services.filings import filing_for, save_filing

    enterprise = factories.enterprise_user(gz_unit)
    filing = filing_for(campaign, gz_unit)
    save_filing(filing, {"product_name": "=型号-A", "product_unit": "+件"}, actor=enterprise)
    login(client, enterprise)
    wb = _download(client, reverse("reviews:filing_xlsx", args=[2024, gz_unit.pk]))
    response = client.post(reverse("reviews:filing_upload", args=[2024, gz_unit.pk]), {"file": _as_upload(wb)})
    assert response.status_code == 302, response.context and response.context["parsed"]
    filing.refresh_from_db()
    assert (filing.product_name, filing.product_unit) == ("=型号-A", "+件")


def test_filing_upload_of_an_older_export_drops_its_neutralising_apostrophe(client, campaign, gz_unit):
    login(client, factories.enterprise_user(gz_unit))
    wb = _download(client, reverse("reviews:filing_xlsx", args=[2024, gz_unit.pk]))
    _fill_single(wb, {"product_name": "'=型号-A", "product_unit": "'-件"})
    response = client.post(reverse("reviews:filing_upload", args=[2024, gz_unit.pk]), {"file": _as_upload(wb)})
    assert response.status_code == 302
    filing = Filing.objects.get(unit=gz_unit)
    assert (filing.product_name, filing.product_unit) == ("=型号-A", "-件")


def test_city_bulk_upload_a_key_row_naming_a_field_twice_is_refused(client, campaign, gz_reviewer):
    factories.UnitFactory()
    login(client, gz_reviewer)
    wb = _download(client, reverse("reviews:city_upload_template", args=[2024]))
    ws = wb["绿色工厂"]
    keys = [c.value for c in ws[2]]
    ws.cell(row=2, column=keys.index("co2_t") + 1, value="energy_tce")
    response = client.post(reverse("reviews:city_upload", args=[2024]), {"file": _as_upload(wb)})
    first = keys.index("energy_tce") + 1
    second = keys.index("co2_t") + 1
    from openpyxl.utils import get_column_letter as col

    assert response.context["parsed"].file_error == (
        f"工作表“绿色工厂”的键行中字段代码“energy_tce”出现了两次（第 {col(first)} 列和第 {col(second)} 列）。请重新下载模板。")
    assert not Filing.objects.exists()


def test_city_bulk_upload_one_company_on_two_lists_files_each_listing(client, campaign, gz_reviewer):
    """The factory and the supply-chain listing of one company share its credit code: each sheet is its own."""
    factory = factories.UnitFactory(name="广汽本田汽车有限公司")
    chain = factories.UnitFactory(name=factory.name, kind=UnitKind.SUPPLY_CHAIN, credit_code=factory.credit_code,
                                  enterprise=factory.enterprise)
    login(client, gz_reviewer)
    wb = _download(client, reverse("reviews:city_upload_template", args=[2024]))
    numbers = {k: float(v) for k, v in GOOD.items() if k not in ("product_name", "product_unit")}
    _bulk_rows(wb, "绿色工厂", {factory.credit_code: {**numbers, "product_unit": "件"}})
    _bulk_rows(wb, "绿色供应链管理企业", {chain.credit_code: {
        "months_reported": 12, "purchase_total": 1000, "green_purchase": 400, "suppliers_total": 100,
        "suppliers_audited": 60}})
    response = client.post(reverse("reviews:city_upload", args=[2024]), {"file": _as_upload(wb)})
    assert response.status_code == 302, response.context["parsed"].errors
    assert sorted(Filing.objects.values_list("unit__kind", flat=True)) == ["factory", "supply_chain"]
    assert Filing.objects.get(unit=chain).unit_id == chain.pk


def test_filing_xlsx_carries_the_changes_and_compliance_blocks(client, campaign, gz_unit):
    login(client, factories.enterprise_user(gz_unit))
    wb = _download(client, reverse("reviews:filing_xlsx", args=[2024, gz_unit.pk]))
    codes = [row[0].value for row in wb.active.iter_rows(min_row=4)]
    assert codes[codes.index("had_accident"):] == [
        "had_accident", "penalised", "scope_changed", "address_changed", "boundary_changed", "restructured",
        "changes_note", "on_abnormal_list", "seriously_dishonest", "judgment_defaulter", "no_discharge_permit",
        "rectification_open"]
    _fill_single(wb, {"months_reported": 12, "restructured": "是", "changes_note": "2023年吸收合并子公司",
                      "judgment_defaulter": "否", "no_discharge_permit": "有"})
    response = client.post(reverse("reviews:filing_upload", args=[2024, gz_unit.pk]), {"file": _as_upload(wb)})
    assert response.status_code == 302
    filing = Filing.objects.get(unit=gz_unit)
    assert (filing.restructured, filing.judgment_defaulter, filing.no_discharge_permit) == (True, False, True)
    assert filing.changes_note == "2023年吸收合并子公司"


def test_city_bulk_template_has_a_column_for_every_declared_item(client, campaign, gz_reviewer):
    factories.UnitFactory()
    login(client, gz_reviewer)
    wb = _download(client, reverse("reviews:city_upload_template", args=[2024]))
    keys = [c.value for c in wb["绿色工厂"][2]]
    assert {"scope_changed", "address_changed", "boundary_changed", "restructured", "on_abnormal_list",
            "seriously_dishonest", "judgment_defaulter", "no_discharge_permit", "rectification_open"} <= set(keys)
