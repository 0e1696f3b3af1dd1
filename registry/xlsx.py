"""Spreadsheet helpers shared by every export and import in the portal.

Exports use openpyxl's write-only mode, so memory stays bounded however many rows are written, and every
text cell that a spreadsheet program would read as a formula (= + - @, and tab/CR tricks) is neutralised.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_value(value):
    """A cell value that no spreadsheet program will evaluate as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int] | None = None
    title_line: str | None = None
    note_line: str | None = None


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
            cell = WriteOnlyCell(ws, value=safe_value(spec.title_line))
            cell.font = Font(bold=True, size=14)
            ws.append([cell])
        if spec.note_line:
            ws.append([safe_value(spec.note_line)])
        header_cells = []
        for header in spec.headers:
            cell = WriteOnlyCell(ws, value=safe_value(header))
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            header_cells.append(cell)
        ws.append(header_cells)
        for row in spec.rows:
            ws.append([safe_value(v) for v in row])
    wb.save(target)


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> FileResponse:
    """An attachment response; the workbook is spooled to a temporary file, not held in memory."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    write_workbook(spool, sheets)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
