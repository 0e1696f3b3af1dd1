"""The bounded .xlsx reader (registry/spreadsheet_bounds.py): caps checked before openpyxl sees a file, a child
process with memory and time limits, bounded rows, and a plain "cannot be read" answer with the reason."""

import functools
import io
import zipfile

import pytest
from django.utils import translation
from django.utils.html import escape

from registry import spreadsheet_bounds as bounds
from registry.spreadsheet_bounds import ImportFileError, Limits, SheetSpec, cell_value, read_workbook
from tests.registry import xlsx_bombs as bombs

MB = 1024 * 1024
TWENTY_MILLION_STRINGS = functools.cache(lambda: bombs.shared_strings_bomb(20_000_000))
PREFIX = "文件无法作为 Excel .xlsx 工作簿读取："
SUFFIX = "。请在 Excel 或 WPS 中另存为 .xlsx 后重试。"


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def limits(**overrides) -> Limits:
    base = dict(upload_bytes=10 * MB, part_bytes=64 * MB, total_bytes=128 * MB, shared_strings_bytes=16 * MB,
                other_part_bytes=8 * MB, parts=500, sheets=50, memory_bytes=280 * MB, seconds=20)
    return Limits(**{**base, **overrides})


def refusal(data: bytes, **kwargs) -> str:
    with pytest.raises(ImportFileError) as caught:
        read_workbook(io.BytesIO(data), name="bomb.xlsx", **kwargs)
    return str(caught.value)


def sst_of_exact_size(size: int) -> bytes:
    head = f'<?xml version="1.0"?><sst xmlns="{bombs.SHEET_NS}">'.encode()
    tail = b"</sst>"
    filler = size - len(head) - len(tail)
    return bombs.with_shared_strings(head + b" " * filler + tail)


def test_bounds_openpyxl_parses_with_defusedxml():
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


# --- before openpyxl: the zip's members against the caps --------------------------------------------------

def test_bounds_shared_strings_exactly_at_the_cap_pass_the_archive_check():
    bounds.check_archive(sst_of_exact_size(1 * MB), limits(shared_strings_bytes=1 * MB))


def test_bounds_shared_strings_one_byte_over_the_cap_are_refused_with_the_reason():
    with pytest.raises(ImportFileError) as caught:
        bounds.check_archive(sst_of_exact_size(1 * MB + 1), limits(shared_strings_bytes=1 * MB))
    assert str(caught.value) == (PREFIX + "其共享文本表（xl/sharedStrings.xml）解压后为 1.0 MB，上限为 1.0 MB" + SUFFIX)


def test_bounds_twenty_million_shared_strings_in_under_a_megabyte_are_refused_before_parsing():
    data = TWENTY_MILLION_STRINGS()
    assert len(data) < 1_000_000
    assert refusal(data) == PREFIX + "其共享文本表（xl/sharedStrings.xml）解压后为 324.2 MB，上限为 16.0 MB" + SUFFIX


def test_bounds_a_worksheet_part_over_its_cap_is_refused():
    data = bombs.no_dimension_sheet(200_000)
    size = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml").file_size
    bounds.check_archive(data, limits(part_bytes=size))
    with pytest.raises(ImportFileError) as caught:
        bounds.check_archive(data, limits(part_bytes=size - 1))
    assert "xl/worksheets/sheet1.xml" in str(caught.value)


def test_bounds_the_sum_of_the_parts_over_its_cap_is_refused():
    data = bombs.genuine()
    total = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(data)).infolist())
    bounds.check_archive(data, limits(total_bytes=total))
    with pytest.raises(ImportFileError) as caught:
        bounds.check_archive(data, limits(total_bytes=total - 1))
    assert str(caught.value).startswith(PREFIX + "其各部分解压后合计")


def test_bounds_a_styles_part_far_larger_than_any_real_one_is_refused():
    assert refusal(bombs.styles_bomb(40)) == PREFIX + "其部件 xl/styles.xml 解压后为 40.0 MB，上限为 8.0 MB" + SUFFIX


def test_bounds_many_parts_are_refused_before_parsing():
    assert refusal(bombs.many_sheets(5000)) == PREFIX + "其中包含 5009 个部件，上限为 500 个" + SUFFIX


def test_bounds_many_worksheets_are_refused(settings):
    settings.UPLOAD_XLSX_MAX_SHEETS = 50
    assert refusal(bombs.many_sheets(50)) == PREFIX + "其中有 51 个工作表，上限为 50 个" + SUFFIX


def test_bounds_a_file_that_is_not_a_zip_is_refused():
    assert refusal(bombs.not_a_zip()) == PREFIX + "它不是 zip 压缩包（.xlsx 文件都是 zip 压缩包）" + SUFFIX


def test_bounds_the_upload_limit_is_checked_first(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    assert refusal(b"x" * 1001) == "文件大小为 0.0 MB，上限为 0 MB。请拆分为较小的文件。"


# --- malformed XML: a plain answer, never an exception --------------------------------------------------------

@pytest.mark.parametrize("build, detail", [
    (bombs.entity_amplification, "EntitiesForbidden: name='a0'"),
    (bombs.undefined_entity, "ParseError: undefined entity"),
    (bombs.not_well_formed, "ParseError: no element found"),
])
def test_bounds_malformed_xml_is_refused_with_the_reason(build, detail):
    message = refusal(build())
    assert message.startswith(PREFIX + "其 XML 格式不正确或使用了被禁止的实体声明（" + detail)
    assert message.endswith(SUFFIX)


# --- inside the child: rows, columns, memory and time ----------------------------------------------------------

def test_bounds_a_sheet_without_dimension_is_read_only_up_to_the_row_bound():
    data = bombs.no_dimension_sheet(200_000)
    assert refusal(data, max_rows=5000) == "工作表“绿色工厂”超过 5000 行。请拆分为较小的文件。"


def test_bounds_exactly_max_rows_rows_are_read():
    data = bombs.no_dimension_sheet(99)
    wb = read_workbook(io.BytesIO(data), name="ok.xlsx", max_rows=100)
    assert len(wb.first().rows) == 100
    assert wb.first().rows[-1] == (100, (1,))


def test_bounds_one_row_past_max_rows_is_refused():
    data = bombs.no_dimension_sheet(100)
    assert refusal(data, max_rows=100) == "工作表“绿色工厂”超过 100 行。请拆分为较小的文件。"


def test_bounds_reading_stops_when_the_header_is_not_in_the_first_rows():
    data = bombs.no_dimension_sheet(200_000, header=("甲", "乙"))
    wb = read_workbook(io.BytesIO(data), name="x.xlsx", sheets=[SheetSpec(header=("统一社会信用代码",), within=10)])
    sheet = wb.first()
    assert sheet.header_found is False
    assert [number for number, _values in sheet.rows] == list(range(1, 11))


def test_bounds_columns_past_max_cols_are_not_read():
    data = bombs.genuine(header=("a", "b", "c", "d"), rows=[(1, 2, 3, 4)])
    wb = read_workbook(io.BytesIO(data), name="x.xlsx", max_cols=2)
    assert wb.first().rows == [(1, ("a", "b")), (2, (1, 2))]


def test_bounds_a_runaway_row_hits_the_memory_cap_and_is_refused(settings):
    settings.UPLOAD_PARSE_MEMORY_MB = 120
    assert refusal(bombs.wide_row(1_000_000)) == PREFIX + "读取它需要超过 120.0 MB 内存" + SUFFIX


def test_bounds_a_read_that_runs_past_the_time_limit_is_refused(settings):
    settings.UPLOAD_PARSE_SECONDS = 1
    data = bombs.no_dimension_sheet(200_000)
    assert refusal(data, max_rows=2_000_000) == PREFIX + "读取时间超过 1 秒" + SUFFIX


def test_bounds_only_the_named_sheets_are_read():
    data = bombs.many_sheets(3)
    wb = read_workbook(io.BytesIO(data), name="x.xlsx", sheets=[SheetSpec(name="S1"), SheetSpec(name="无此表")])
    assert wb.sheetnames == ["绿色工厂", "S0", "S1", "S2"]
    assert list(wb.sheets) == ["S1"]
    assert wb.sheets["S1"].rows == [(1, (1,))]


# --- values ----------------------------------------------------------------------------------------------------

def test_bounds_dates_and_numbers_come_back_as_python_values():
    import datetime as dt

    data = bombs.genuine(header=("d", "n", "f", "t"), rows=[(dt.date(2024, 3, 31), 7, 1.5, "文本")])
    wb = read_workbook(io.BytesIO(data), name="x.xlsx")
    assert wb.first().rows[1] == (2, (dt.datetime(2024, 3, 31), 7, 1.5, "文本"))


@pytest.mark.parametrize("stored, read", [
    ("'=SUM(A1)", "=SUM(A1)"), ("'+86", "+86"), ("'-3", "-3"), ("'@x", "@x"),
    ("'abc", "'abc"), ("'", "'"), ("=1", "=1"), ("广州", "广州"), (5, 5), (None, None),
])
def test_bounds_the_apostrophe_of_an_older_export_is_removed(stored, read):
    assert cell_value(stored) == read


# --- every upload path: a bad file is a plain answer, never a 500, and nothing is saved -----------------------

def _sst_just_over_a_small_cap(settings):
    settings.UPLOAD_XLSX_SHARED_STRINGS_MB = 1
    return sst_of_exact_size(1 * MB + 1)


BAD_FILES = {
    "shared strings": lambda settings: TWENTY_MILLION_STRINGS(),
    "shared strings just over the cap": _sst_just_over_a_small_cap,
    "entity amplification": lambda settings: bombs.entity_amplification(),
    "undefined entity": lambda settings: bombs.undefined_entity(),
    "not well formed": lambda settings: bombs.not_well_formed(),
    "many sheets": lambda settings: bombs.many_sheets(60),
    "not a zip": lambda settings: bombs.not_a_zip(),
}


def _post(client, url, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(url, {"file": SimpleUploadedFile("bomb.xlsx", data)})


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bounds_every_upload_path_answers_a_bad_file_plainly_and_saves_nothing(client, settings, kind):
    from django.urls import reverse

    from registry.models import Unit
    from reviews.models import Filing
    from tests import factories
    from tests.conftest import login
    from tests.reviews.test_filing import make_campaign

    data = BAD_FILES[kind](settings)
    make_campaign()
    unit = factories.UnitFactory(city=factories.city("广州市"))
    units_before = Unit.objects.count()
    paths = [
        (factories.province_user("p1"), reverse("registry:unit_import"), "report"),
        (factories.enterprise_user(unit), reverse("reviews:filing_upload", args=[2024, unit.pk]), "parsed"),
        (factories.city_user("广州市", "gz1"), reverse("reviews:city_upload", args=[2024]), "parsed"),
    ]
    for user, url, key in paths:
        login(client, user)
        response = _post(client, url, data)
        assert response.status_code == 200, url
        assert response.context[key].file_error.startswith(PREFIX), (url, response.context[key].file_error)
        assert escape(response.context[key].file_error) in response.content.decode()
    assert Unit.objects.count() == units_before
    assert not Filing.objects.exists()


def test_bounds_the_import_command_answers_a_bad_file_plainly(tmp_path, db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bombs.undefined_entity())
    with pytest.raises(CommandError) as caught:
        call_command("import_units", str(path))
    assert PREFIX in str(caught.value)
