"""Filing spreadsheets: one filing downloaded, filled offline and uploaded; many filings uploaded by a city.

Both uploads are all-or-nothing: every cell is checked with the same validation as the web form, every
problem is reported with its row and column, and nothing is saved unless every row is good.
Headers are always written in Chinese (the format of the file), whatever the interface language.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from registry.enums import UnitKind
from registry.models import Unit
from registry.spreadsheet_import import HEADER_WITHIN, ImportFileError, RowError, SheetSpec, read_sheet, read_workbook
from registry.xlsx import Sheet

from .forms_filing import CHANGE_FIELDS, COMPLIANCE_FIELDS, data_fields, unit_of
from .models import Filing

KEY_ROW_MARK = "credit_code"
SINGLE_HEADERS = ["字段代码", "项目", "计量单位", "填报值"]
YES = {"是", "yes", "true", "1", "y", "有"}
NO = {"否", "no", "false", "0", "n", "无"}
KIND_SHEETS = {UnitKind.FACTORY: "绿色工厂", UnitKind.PARK: "绿色工业园区", UnitKind.SUPPLY_CHAIN: "绿色供应链管理企业"}


def fields_for(kind: str) -> list[str]:
    """The template's rows: the filed data, then the major-changes block, then the compliance block."""
    return data_fields(kind) + CHANGE_FIELDS + COMPLIANCE_FIELDS


def label_zh(name: str) -> str:
    with translation.override("zh-hans"):
        return str(Filing._meta.get_field(name).verbose_name)


def unit_zh(name: str) -> str:
    with translation.override("zh-hans"):
        return unit_of(name)


def cell_out(filing: Filing, name: str):
    value = getattr(filing, name)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


@functools.cache
def _form_field(name: str):
    return Filing._meta.get_field(name).formfield()


def parse_cell(name: str, raw) -> tuple[object, str | None]:
    """(value, None) or (None, message). Uses the model field's own form validation."""
    model_field = Filing._meta.get_field(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if model_field.get_internal_type() == "BooleanField" and not model_field.null:
            return False, None
        return ("" if model_field.get_internal_type() in ("CharField", "TextField") else None), None
    if model_field.get_internal_type() == "BooleanField":
        text = str(raw).strip().lower()
        if text in YES:
            return True, None
        if text in NO:
            return False, None
        return None, _("Write 是 or 否.")
    if isinstance(raw, float) and raw.is_integer() and model_field.get_internal_type() != "DecimalField":
        raw = int(raw)
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = _form_field(name).clean(raw)
        model_field.run_validators(value)
        return value, None
    except ValidationError as exc:
        return None, " ".join(str(m) for m in exc.messages)


# --- one filing -------------------------------------------------------------------------------------------

def filing_sheet(filing: Filing) -> Sheet:
    rows = [[name, label_zh(name), unit_zh(name), cell_out(filing, name)] for name in fields_for(filing.unit.kind)]
    return Sheet(
        title="动态管理表",
        title_line=f"{filing.campaign.year}年度绿色制造动态管理表 · {filing.unit.name}",
        note_line=f"统一社会信用代码 {filing.unit.credit_code}；填报{filing.campaign.data_year}年全年数据。请只填写“填报值”一列，空白表示未填报（不是 0）。",
        headers=SINGLE_HEADERS,
        rows=rows,
        widths=[26, 36, 12, 18],
    )


@dataclass
class ParsedFiling:
    data: dict = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""


SINGLE_MAX_ROWS = 1000  # a filing is about 60 rows; a longer sheet is not one of ours


def parse_single(fileobj, *, filename: str, kind: str) -> ParsedFiling:
    """One filing from its downloaded sheet. Every row is accounted for: a row below the template's last field,
    a field code given twice, or a value whose field code was deleted is reported, never silently dropped."""
    result = ParsedFiling()
    try:
        sheet = read_sheet(fileobj, name=filename, required=SINGLE_HEADERS, max_cols=len(SINGLE_HEADERS),
                           max_rows=SINGLE_MAX_ROWS)
    except ImportFileError as exc:
        result.file_error = str(exc)
        return result
    names = fields_for(kind)
    wanted = set(names)
    header_row = next((number for number, values in sheet.rows if number <= HEADER_WITHIN
                       and [_text(v) for v in _pad(values, 4)] == SINGLE_HEADERS), None)
    if header_row is None:
        result.file_error = _("This is not a filing downloaded from the portal: the header row 字段代码/项目/计量单位/填报值 is missing.")
        return result
    last_row = header_row + len(names)
    first_row_of: dict[str, int] = {}
    for number, values in sheet.rows:
        if number <= header_row:
            continue
        values = _pad(values, 4)
        name = _text(values[0])
        if number > last_row:
            result.errors.append(RowError(number, "", _("This row is below the end of the template (its last field is on row %(last)d), so it cannot be read. Move the value to its field's row or delete the row.") % {"last": last_row}))
            continue
        if not name:
            if values[3] is not None and _text(values[3]):
                result.errors.append(RowError(number, "字段代码", _("This row has a value but its field code was deleted; download the template again or restore the code.")))
            continue
        if name not in wanted:
            result.errors.append(RowError(number, "字段代码", _("“%(name)s” is not a field of this filing; do not change the first column.") % {"name": name}))
            continue
        if name in first_row_of:
            result.errors.append(RowError(number, label_zh(name), _("The field code “%(name)s” appears twice (also on row %(row)d); keep only one of the two rows.") % {"name": name, "row": first_row_of[name]}))
            continue
        first_row_of[name] = number
        value, error = parse_cell(name, values[3])
        if error:
            result.errors.append(RowError(number, label_zh(name), error))
        else:
            result.data[name] = value
    if not first_row_of and not result.errors:
        result.file_error = _("The file has no filled-in rows.")
    return result


def _pad(values, n: int) -> list:
    return list(values) + [None] * (n - len(values))


def _text(value) -> str:
    return str(value).strip() if value is not None else ""


# --- many filings (a city's bulk upload) ----------------------------------------------------------------

def bulk_sheets(units) -> list[Sheet]:
    """One sheet per kind, pre-filled with the units' codes and names; a machine-readable key row on top."""
    sheets = []
    by_kind: dict[str, list[Unit]] = {}
    for unit in units:
        by_kind.setdefault(unit.kind, []).append(unit)
    for kind, title in KIND_SHEETS.items():
        names = fields_for(kind)
        headers = ["统一社会信用代码", "单位名称"] + [
            f"{label_zh(n)}（{unit_zh(n)}）" if unit_zh(n) else label_zh(n) for n in names
        ] + ["异常说明"]
        keys = [KEY_ROW_MARK, "unit_name", *names, "explanation"]
        rows = [keys] + [[u.credit_code, u.name] + [None] * (len(names) + 1) for u in by_kind.get(kind, [])]
        sheets.append(Sheet(title=title, headers=headers, rows=rows, widths=[22, 36] + [14] * (len(names) + 1)))
    return sheets


@dataclass
class BulkRow:
    row: int
    sheet: str
    unit: Unit
    data: dict
    explanation: str


@dataclass
class ParsedBulk:
    rows: list[BulkRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""


BULK_MAX_COLS = 128


def units_by_code(units) -> dict[str, list[Unit]]:
    """Units by the credit code they carry. One code may be carried by several units: one company on the
    factory and the supply-chain list (the kind's sheet tells them apart), or a plant under its parent's code."""
    found: dict[str, list[Unit]] = {}
    for unit in units:
        found.setdefault(unit.credit_code, []).append(unit)
    return found


def parse_bulk(fileobj, *, filename: str, units_by_code: dict[str, list[Unit]], max_rows: int) -> ParsedBulk:
    result = ParsedBulk()
    try:
        wb = read_workbook(fileobj, name=filename, max_cols=BULK_MAX_COLS,
                           sheets=[SheetSpec(name=title, header=(KEY_ROW_MARK,), within=HEADER_WITHIN)
                                   for title in KIND_SHEETS.values()])
    except ImportFileError as exc:
        result.file_error = str(exc)
        return result
    seen_codes: dict[int, str] = {}  # by unit: one code may stand for two listings
    total = 0
    for kind, title in KIND_SHEETS.items():
        sheet = wb.sheets.get(title)
        if sheet is None:
            continue
        keys: list[str] | None = None
        for number, values in sheet.rows:
            cells = ["" if v is None else v for v in values]
            if keys is None:
                if number <= HEADER_WITHIN and cells and str(cells[0]).strip() == KEY_ROW_MARK:
                    keys = [str(c).strip() for c in cells]
                    repeated = _repeated_key(keys)
                    if repeated:
                        result.file_error = _("The key row of the sheet “%(sheet)s” names the field code “%(name)s” twice (columns %(first)s and %(second)s). Download the template again.") % {"sheet": title, **repeated}
                        return result
                continue
            if all(c == "" for c in cells):
                continue
            total += 1
            if total > max_rows:
                result.file_error = _("The file has more than %(limit)d data rows. Split it into smaller files.") % {"limit": max_rows}
                return result
            record = dict(zip(keys, list(cells) + [""] * (len(keys) - len(cells)), strict=False))
            where = f"{title} · "
            code = str(record.get(KEY_ROW_MARK, "")).strip().upper()
            carrying = units_by_code.get(code, [])
            of_kind = [u for u in carrying if u.kind == kind]
            if not carrying:
                result.errors.append(RowError(number, where + "统一社会信用代码",
                                              _("“%(code)s” is not a listed unit you may file for.") % {"code": code}))
                continue
            if not of_kind:
                result.errors.append(RowError(number, where + "统一社会信用代码",
                                              _("This unit is a %(kind)s; put it on the sheet of that name.") % {"kind": label_kind(carrying[0].kind)}))
                continue
            unit = of_kind[0]
            if len(of_kind) > 1:  # a plant carrying its parent's code: the name chooses
                named = [u for u in of_kind if u.name == str(record.get("unit_name", "")).strip()]
                if len(named) != 1:
                    result.errors.append(RowError(number, where + "单位名称", _(
                        "Several units of this kind carry this code; keep the unit's name as the template has it.")))
                    continue
                unit = named[0]
            if unit.pk in seen_codes:
                result.errors.append(RowError(number, where + "统一社会信用代码", _("The same unit appears twice (also on %(where)s).") % {"where": seen_codes[unit.pk]}))
                continue
            seen_codes[unit.pk] = f"{title} 第{number}行"
            data, ok = {}, True
            for name in fields_for(kind):
                if name not in record:
                    continue
                value, error = parse_cell(name, record[name] if record[name] != "" else None)
                if error:
                    ok = False
                    result.errors.append(RowError(number, where + label_zh(name), error))
                else:
                    data[name] = value
            if ok:
                result.rows.append(BulkRow(number, title, unit, data, str(record.get("explanation") or "").strip()))
        if keys is None:
            result.file_error = _("The sheet “%(sheet)s” has lost its key row (the row starting with credit_code). Download the template again.") % {"sheet": title}
            return result
    if not result.rows and not result.errors:
        result.file_error = _("The file has no filled-in rows.")
    return result


def _repeated_key(keys: list[str]) -> dict | None:
    """The first field code that the key row names twice, with both column letters; None if none is."""
    first: dict[str, int] = {}
    for i, key in enumerate(keys, start=1):
        if not key:
            continue
        if key in first:
            return {"name": key, "first": get_column_letter(first[key]), "second": get_column_letter(i)}
        first[key] = i
    return None


def label_kind(kind: str) -> str:
    return KIND_SHEETS.get(kind, kind)
