"""All-or-nothing spreadsheet imports: read the whole file, report every bad row and column, save nothing
unless every row is good. The unit import uses it, and so do the filing uploads of the reviews app."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from .spreadsheet_bounds import ImportFileError, SheetData, SheetSpec, WorkbookData, read_workbook

__all__ = ["ImportFileError", "ImportReport", "RowError", "SheetData", "SheetSpec", "WorkbookData", "iter_rows",
           "read_sheet", "read_workbook"]

HEADER_WITHIN = 10  # the header row must be among a sheet's first ten rows


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's own row number, as the person sees it
    column: str  # the column's header, or "" for the whole row
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    checked: int = 0  # data rows read and checked (also in a dry run)
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def read_sheet(fileobj, *, name: str = "", required: Sequence[str] = (), max_cols: int = 64,
               max_rows: int | None = None) -> SheetData:
    """The first worksheet of an uploaded .xlsx, read within bounds (registry/spreadsheet_bounds.py); reading
    stops when no row among the first ten holds every `required` header. Raises ImportFileError."""
    return read_workbook(fileobj, name=name, sheets=[SheetSpec(header=tuple(required), within=HEADER_WITHIN)],
                         max_cols=max_cols, max_rows=max_rows).first()


def iter_rows(sheet: SheetData, headers: Sequence[str], required: Sequence[str]) -> Iterator[tuple[int, dict]]:
    """Yield (row number, {header: value}) for each non-blank data row below the header row.

    The header row is the first row that contains every required header, among the first ten rows; columns
    may come in any order. Raises ImportFileError when the headers are missing or the file has too many rows.
    """
    index: dict[str, int] | None = None
    header_row = 0
    for number, values in sheet.rows:
        if number > HEADER_WITHIN:
            break
        cells = [str(v).strip().rstrip("*") if v is not None else "" for v in values]
        if all(h in cells for h in required):
            index = {h: cells.index(h) for h in headers if h in cells}
            header_row = number
            break
    if index is None:
        raise ImportFileError(
            _("The header row was not found. The first sheet must have a row with the columns: %(cols)s.")
            % {"cols": "、".join(required)}
        )
    limit = settings.UPLOAD_MAX_ROWS
    count = 0
    for number, values in sheet.rows:
        if number <= header_row:
            continue
        record = {}
        for h, i in index.items():
            v = values[i] if i < len(values) else None
            if isinstance(v, str):
                v = v.strip()
                if v == "":
                    v = None
            record[h] = v
        if all(v is None for v in record.values()):
            continue
        count += 1
        if count > limit:
            raise ImportFileError(
                _("The file has more than %(limit)d data rows. Split it into smaller files.") % {"limit": limit}
            )
        yield number, record
