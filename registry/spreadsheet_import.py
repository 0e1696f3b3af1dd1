"""All-or-nothing spreadsheet imports: read the whole file, report every bad row and column, save nothing
unless every row is good. The unit import uses it, and so do the filing uploads of the reviews app."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException


class ImportFileError(Exception):
    """The file as a whole cannot be imported (wrong type, too big, missing columns...)."""


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


def open_sheet(fileobj, *, name: str = ""):
    """The first worksheet of an uploaded .xlsx, after checking size and type. Raises ImportFileError."""
    return open_workbook(fileobj, name=name).worksheets[0]


def open_workbook(fileobj, *, name: str = ""):
    """An uploaded .xlsx opened read-only, after checking size and type. Raises ImportFileError."""
    size = getattr(fileobj, "size", None)
    if size is None:
        pos = fileobj.tell()
        fileobj.seek(0, 2)
        size = fileobj.tell()
        fileobj.seek(pos)
    if size > settings.UPLOAD_MAX_BYTES:
        raise ImportFileError(
            _("The file is %(size).1f MB; the limit is %(limit).0f MB. Split it into smaller files.")
            % {"size": size / 1e6, "limit": settings.UPLOAD_MAX_BYTES / 1e6}
        )
    if name and not name.lower().endswith(".xlsx"):
        raise ImportFileError(_("Only Excel .xlsx files can be uploaded (the file “%(name)s” is not one).") % {"name": name})
    try:
        fileobj.seek(0)
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ImportFileError(
            _("The file cannot be read as an Excel .xlsx workbook. Save it from Excel or WPS as .xlsx and try again.")
        ) from None
    if not wb.worksheets:
        raise ImportFileError(_("The workbook has no worksheet."))
    return wb


def iter_rows(ws, headers: Sequence[str], required: Sequence[str]) -> Iterator[tuple[int, dict]]:
    """Yield (row number, {header: value}) for each non-blank data row below the header row.

    The header row is the first row that contains every required header; columns may come in any order.
    Raises ImportFileError when the headers are missing or the file has too many rows.
    """
    rows = ws.iter_rows(values_only=True)
    index: dict[str, int] | None = None
    header_row = 0
    for number, values in enumerate(rows, start=1):
        cells = [str(v).strip().rstrip("*") if v is not None else "" for v in values]
        if all(h in cells for h in required):
            index = {h: cells.index(h) for h in headers if h in cells}
            header_row = number
            break
        if number >= 10:
            break
    if index is None:
        raise ImportFileError(
            _("The header row was not found. The first sheet must have a row with the columns: %(cols)s.")
            % {"cols": "、".join(required)}
        )
    limit = settings.UPLOAD_MAX_ROWS
    count = 0
    for number, values in enumerate(rows, start=header_row + 1):
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
