"""Spreadsheet helpers shared by every export and import in the portal.

Exports use openpyxl's write-only mode, so memory stays bounded however many rows are written, and every
text cell that a spreadsheet program would read as a formula (= + - @, and tab/CR tricks) is neutralised with
the cell style, not by changing the text: it is written as a text cell with the "quote prefix" style (Excel's and
WPS's own way of saying "this is text, even when edited"), so the value reads back exactly as it was written and
a downloaded file uploads again unchanged. Files exported before this put an apostrophe in front of such a text;
the upload reader removes it (registry/spreadsheet_bounds.py).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import FileResponse
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def cell(ws, value, **style) -> WriteOnlyCell:
    """A write-only cell; a formula-like text stays text (a string cell with the quote-prefix style)."""
    out = WriteOnlyCell(ws, value=value)
    if is_formula_like(value):
        out.data_type = "s"
        out.quotePrefix = True
    for name, setting in style.items():
        setattr(out, name, setting)
    return out


def safe_row(ws, row: Iterable) -> list:
    """A row to append: plain values, except formula-like texts, which become neutralised cells."""
    return [cell(ws, v) if is_formula_like(v) else v for v in row]


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int] | None = None
    title_line: str | None = None
    note_line: str | None = None


NO_FILTER = "无（全部）"


def filter_line(pairs: Iterable[tuple]) -> str:
    """The filter a list was exported with, for the sheet's note line, always in Chinese:
    "筛选：城市=广州市；状态=已提交" — or "筛选：无（全部）" when nothing narrows the list."""
    with translation.override("zh-hans"):
        shown = [f"{label}={value}" for label, value in pairs if value not in (None, "")]
    # A search typed by anyone may hold control characters, which a worksheet cannot store: drop them.
    return ILLEGAL_CHARACTERS_RE.sub("", "筛选：" + ("；".join(shown) if shown else NO_FILTER))


def export_query(request) -> str:
    """The page's own query string with format=xlsx: the export link of a filtered list."""
    params = request.GET.copy()
    params.pop("page", None)
    params["format"] = "xlsx"
    return params.urlencode()


def write_workbook(target, sheets: Sequence[Sheet]) -> None:
    """Stream `sheets` into `target` (a path or a binary file object) with a write-only workbook."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="E2EFDA")
    for spec in sheets:
        ws = wb.create_sheet(title=spec.title[:31])
        if spec.widths:
            for i, width in enumerate(spec.widths):
                ws.column_dimensions[get_column_letter(i + 1)].width = width
        if spec.title_line:
            ws.append([cell(ws, spec.title_line, font=Font(bold=True, size=14))])
        if spec.note_line:
            ws.append(safe_row(ws, [spec.note_line]))
        center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.append([cell(ws, header, font=bold, fill=header_fill, alignment=center) for header in spec.headers])
        for row in spec.rows:
            ws.append(safe_row(ws, row))
    wb.save(target)


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> FileResponse:
    """An attachment response; the workbook is spooled to a temporary file, not held in memory."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    write_workbook(spool, sheets)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
