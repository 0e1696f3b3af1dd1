"""The one way an uploaded .xlsx is read: within fixed bounds, outside the web worker.

Every spreadsheet upload (the registry import, the enterprise's filing upload, a city's bulk upload, and the
`import_units` command) comes through `read_workbook`:

1. the upload's own size and name are checked (UPLOAD_MAX_BYTES, .xlsx);
2. before openpyxl sees the file, the zip's members are listed: the upload is refused when there are too many
   parts or worksheets, when any part, or all of them together, would expand beyond a fixed cap, or when the
   shared-strings table is too large (openpyxl reads it whole);
3. the workbook is then opened by a child process (registry/xlsx_worker.py) with a memory cap, a CPU-time cap,
   a wall-clock timeout and a lower priority; it reads only the sheets asked for, at most `max_rows` rows of
   at most `max_cols` columns, and stops a sheet when its header row is not among its first rows.

Whatever goes wrong, the caller gets an ImportFileError whose message is the portal's usual "cannot be read as
an Excel .xlsx workbook" with the reason; nothing is half-read. Values come back as plain Python values, with the
apostrophe that older exports put before = + - @ removed again (see registry/xlsx.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml.ElementTree as SafeET
from django.conf import settings
from django.utils.translation import gettext as _

from .xlsx import FORMULA_PREFIXES

MB = 1024 * 1024
log = logging.getLogger("greenmfg.uploads")
ROOT = Path(__file__).resolve().parent.parent
CONTENT_TYPES = "[Content_Types].xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (wrong type, too big, unreadable, missing columns...)."""


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    part_bytes: int  # one worksheet, expanded
    total_bytes: int  # every part together, expanded
    shared_strings_bytes: int
    other_part_bytes: int  # styles, workbook, theme, relationships...
    parts: int
    sheets: int
    memory_bytes: int
    seconds: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            upload_bytes=settings.UPLOAD_MAX_BYTES,
            part_bytes=settings.UPLOAD_XLSX_PART_MB * MB,
            total_bytes=settings.UPLOAD_XLSX_TOTAL_MB * MB,
            shared_strings_bytes=settings.UPLOAD_XLSX_SHARED_STRINGS_MB * MB,
            other_part_bytes=settings.UPLOAD_XLSX_OTHER_PART_MB * MB,
            parts=settings.UPLOAD_XLSX_MAX_PARTS,
            sheets=settings.UPLOAD_XLSX_MAX_SHEETS,
            memory_bytes=settings.UPLOAD_PARSE_MEMORY_MB * MB,
            seconds=settings.UPLOAD_PARSE_SECONDS,
        )


@dataclass(frozen=True)
class SheetSpec:
    """A sheet to read: by name (None: the first sheet), and the header cells that must appear in one of
    its first `within` rows (else reading stops there and `header_found` is False)."""

    name: str | None = None
    header: Sequence[str] = ()
    within: int = 10


@dataclass
class SheetData:
    title: str
    rows: list[tuple[int, tuple]] = field(default_factory=list)  # (row number, values); blank rows left out
    header_found: bool = True


@dataclass
class WorkbookData:
    sheetnames: list[str]
    sheets: dict[str, SheetData]

    def first(self) -> SheetData:
        return self.sheets[self.sheetnames[0]]


def _mb(n: int) -> str:
    return f"{n / MB:.1f}"


def unreadable(reason: str) -> ImportFileError:
    return ImportFileError(
        _("The file cannot be read as an Excel .xlsx workbook: %(reason)s. Save it from Excel or WPS as .xlsx "
          "and try again.") % {"reason": reason})


def _size(fileobj) -> int:
    size = getattr(fileobj, "size", None)
    if size is None:
        pos = fileobj.tell()
        fileobj.seek(0, 2)
        size = fileobj.tell()
        fileobj.seek(pos)
    return size


def check_upload(fileobj, name: str, limits: Limits) -> bytes:
    """The upload's bytes, after checking its size and name. Raises ImportFileError."""
    size = _size(fileobj)
    if size > limits.upload_bytes:
        raise ImportFileError(
            _("The file is %(size).1f MB; the limit is %(limit).0f MB. Split it into smaller files.")
            % {"size": size / 1e6, "limit": limits.upload_bytes / 1e6}
        )
    if name and not name.lower().endswith(".xlsx"):
        raise ImportFileError(
            _("Only Excel .xlsx files can be uploaded (the file “%(name)s” is not one).") % {"name": name})
    fileobj.seek(0)
    return fileobj.read()


def _content_types(archive: zipfile.ZipFile, limits: Limits) -> dict[str, str]:
    """Part name (without the leading /) → content type, from [Content_Types].xml (read with defusedxml)."""
    try:
        info = archive.getinfo(CONTENT_TYPES)
    except KeyError:
        raise unreadable(_("it has no [Content_Types].xml part, so it is not an .xlsx workbook"))
    if info.file_size > limits.other_part_bytes:
        raise unreadable(_("its part %(part)s expands to %(size)s MB; the limit is %(limit)s MB")
                         % {"part": CONTENT_TYPES, "size": _mb(info.file_size), "limit": _mb(limits.other_part_bytes)})
    try:
        root = SafeET.fromstring(archive.read(info))
    except Exception as exc:  # defusedxml, expat and zlib errors all mean the same thing here
        raise unreadable(_("its part %(part)s is not well-formed XML (%(detail)s)")
                         % {"part": CONTENT_TYPES, "detail": type(exc).__name__})
    defaults = {d.get("Extension", "").lower(): d.get("ContentType", "") for d in root.iter(f"{CT_NS}Default")}
    types = {o.get("PartName", "").lstrip("/"): o.get("ContentType", "") for o in root.iter(f"{CT_NS}Override")}
    for name in archive.namelist():
        types.setdefault(name, defaults.get(name.rsplit(".", 1)[-1].lower(), ""))
    return types


def check_archive(data: bytes, limits: Limits) -> None:
    """Refuse a workbook whose parts would expand beyond the caps, before any XML of it is parsed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise unreadable(_("it is not a zip archive, as every .xlsx file is"))
    with archive:
        members = archive.infolist()
        if len(members) > limits.parts:
            raise unreadable(_("it holds %(count)d parts; the limit is %(limit)d")
                             % {"count": len(members), "limit": limits.parts})
        types = _content_types(archive, limits)
        sheets = [m for m in members if types.get(m.filename) == WORKSHEET_TYPE]
        if len(sheets) > limits.sheets:
            raise unreadable(_("it has %(count)d worksheets; the limit is %(limit)d")
                             % {"count": len(sheets), "limit": limits.sheets})
        total = 0
        for member in members:
            kind = types.get(member.filename, "")
            total += member.file_size
            if kind == SHARED_STRINGS_TYPE and member.file_size > limits.shared_strings_bytes:
                raise unreadable(_("its table of shared text (%(part)s) expands to %(size)s MB; the limit is %(limit)s MB")
                                 % {"part": member.filename, "size": _mb(member.file_size),
                                    "limit": _mb(limits.shared_strings_bytes)})
            cap = limits.part_bytes if kind == WORKSHEET_TYPE else limits.other_part_bytes
            if kind != SHARED_STRINGS_TYPE and member.file_size > cap:
                raise unreadable(_("its part %(part)s expands to %(size)s MB; the limit is %(limit)s MB")
                                 % {"part": member.filename, "size": _mb(member.file_size), "limit": _mb(cap)})
        if total > limits.total_bytes:
            raise unreadable(_("its parts expand to %(size)s MB together; the limit is %(limit)s MB")
                             % {"size": _mb(total), "limit": _mb(limits.total_bytes)})


_TAGS = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "timedelta": lambda seconds: dt.timedelta(seconds=seconds),
}


def cell_value(value):
    """A value from the worker as the parsers expect it. A text that an older export neutralised with a
    leading apostrophe ('=…, '+…, '-…, '@…) comes back without it, so download → upload is a round trip."""
    if isinstance(value, list) and len(value) == 2 and value[0] in _TAGS:
        return _TAGS[value[0]](value[1])
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def _run_worker(data: bytes, job: dict, limits: Limits) -> dict:
    started = time.monotonic()
    result = _spawn(data, job, limits)
    log.info("spreadsheet read: %s in %.2f s, reader peak %.0f MB", "ok" if result.get("ok") else result.get("reason"),
             time.monotonic() - started, result.get("peak_rss_kb", 0) / 1024,
             extra={"xlsx_seconds": time.monotonic() - started, "xlsx_peak_rss_kb": result.get("peak_rss_kb", 0),
                    "xlsx_outcome": "ok" if result.get("ok") else result.get("reason")})
    return result


def _spawn(data: bytes, job: dict, limits: Limits) -> dict:
    try:
        proc = subprocess.run(  # noqa: S603 (our own module, run with our own interpreter)
            [sys.executable, "-m", "registry.xlsx_worker", json.dumps(job)],
            input=data, capture_output=True, timeout=limits.seconds + 5, cwd=ROOT,
            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0",
                 "LANG": "C.UTF-8"},
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "reason": "timeout"}
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return {"ok": False, "reason": "timeout"}
    try:
        return json.loads(proc.stdout)
    except (ValueError, MemoryError):
        # The worker died without an answer: the memory cap was hit where Python could not report it.
        return {"ok": False, "reason": "memory"}


def read_workbook(fileobj, *, name: str = "", sheets: Sequence[SheetSpec] = (SheetSpec(),),
                  max_rows: int | None = None, max_cols: int = 64) -> WorkbookData:
    """The asked-for sheets of an uploaded .xlsx, read within the bounds above. Raises ImportFileError."""
    limits = Limits.from_settings()
    data = check_upload(fileobj, name, limits)
    check_archive(data, limits)
    max_rows = max_rows or settings.UPLOAD_MAX_ROWS + 100
    job = {
        "memory_bytes": limits.memory_bytes, "cpu_seconds": limits.seconds, "max_sheets": limits.sheets,
        "max_rows": max_rows, "max_cols": max_cols,
        "sheets": [{"name": s.name, "header": list(s.header), "within": s.within} for s in sheets],
    }
    result = _run_worker(data, job, limits)
    if not result.get("ok"):
        raise _refusal(result, limits)
    out = {}
    for title, sheet in result["sheets"].items():
        rows = [(number, tuple(cell_value(v) for v in values)) for number, values in sheet["rows"]]
        out[title] = SheetData(title=title, rows=rows, header_found=sheet["header_found"])
    return WorkbookData(sheetnames=result["sheetnames"], sheets=out)


def _refusal(result: dict, limits: Limits) -> ImportFileError:
    reason = result.get("reason")
    if reason == "no_sheet":
        return ImportFileError(_("The workbook has no worksheet."))
    if reason == "too_many_rows":
        return ImportFileError(_("The sheet “%(sheet)s” has more than %(limit)d rows. Split it into smaller files.")
                               % {"sheet": result["sheet"], "limit": result["limit"]})
    if reason == "too_many_sheets":
        return unreadable(_("it has %(count)d worksheets; the limit is %(limit)d")
                          % {"count": result["count"], "limit": result["limit"]})
    if reason == "timeout":
        return unreadable(_("reading it takes longer than %(seconds)d seconds") % {"seconds": limits.seconds})
    if reason == "memory":
        return unreadable(_("reading it needs more than %(limit)s MB of memory") % {"limit": _mb(limits.memory_bytes)})
    if reason == "xml":
        return unreadable(_("its XML is not well formed or uses forbidden entity declarations (%(detail)s)")
                          % {"detail": result.get("detail", "")})
    return unreadable(_("it is not a valid workbook (%(detail)s)") % {"detail": result.get("detail", "")})
