"""The child process that opens an uploaded .xlsx for registry/spreadsheet_bounds.py, within fixed limits.

    python -m registry.xlsx_worker '<job as JSON>'  < workbook.xlsx  > result.json

It imports no Django. Before openpyxl is imported it caps its own address space, CPU time and file writes
and lowers its priority, so a workbook built to exhaust memory or time ends this process (the web worker
that started it only waits for it). It reads only the sheets the job names, at most `max_rows` rows of at
most `max_cols` columns each, and stops a sheet early when its header row is not among its first rows.
The answer is one JSON document on stdout: {"ok": true, "sheetnames": [...], "sheets": {...}} or
{"ok": false, "reason": "...", ...}. Non-JSON cell values are tagged lists (["date", "2024-01-31"], ...).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import resource
import sys


def _limit(job: dict) -> None:
    memory = int(job["memory_bytes"])
    seconds = int(job["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    os.nice(10)  # below the web workers and the database, so a runaway read never starves them


def _encode(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, dt.datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, dt.date):
        return ["date", value.isoformat()]
    if isinstance(value, dt.time):
        return ["time", value.isoformat()]
    if isinstance(value, dt.timedelta):
        return ["timedelta", value.total_seconds()]
    return str(value)


def _header_cells(values) -> set[str]:
    return {str(v).strip().rstrip("*") for v in values if v is not None}


def read(data: bytes, job: dict) -> dict:
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    # openpyxl works out a sheet's size when it opens it, and without a <dimension> element that means
    # parsing the whole sheet. The size is never needed here: rows are read up to our own bound.
    ReadOnlyWorksheet._get_size = lambda self: None

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    names = list(wb.sheetnames)
    if len(names) > job["max_sheets"]:
        return {"ok": False, "reason": "too_many_sheets", "count": len(names), "limit": job["max_sheets"]}
    if not names:
        return {"ok": False, "reason": "no_sheet"}
    max_rows, max_cols = int(job["max_rows"]), int(job["max_cols"])
    sheets: dict[str, dict] = {}
    for spec in job["sheets"]:
        name = spec.get("name") or names[0]
        if name not in names or name in sheets:
            continue
        header = set(spec.get("header") or [])
        within = int(spec.get("within") or max_rows)
        found = not header
        rows = []
        ws = wb[name]
        for number, values in enumerate(ws.iter_rows(min_row=1, max_row=max_rows + 1, max_col=max_cols,
                                                     values_only=True), start=1):
            values = list(values)
            while values and (values[-1] is None or (isinstance(values[-1], str) and not values[-1].strip())):
                values.pop()
            if number > max_rows:
                if values:
                    return {"ok": False, "reason": "too_many_rows", "sheet": name, "limit": max_rows}
                break
            if values:
                rows.append([number, [_encode(v) for v in values]])
                if not found and header <= _header_cells(values):
                    found = True
            if not found and number >= within:
                break
        sheets[name] = {"rows": rows, "header_found": found}
    return {"ok": True, "sheetnames": names, "sheets": sheets}


def _xml_error(exc: BaseException) -> bool:
    names = {cls.__name__ for cls in type(exc).__mro__}
    modules = {cls.__module__ for cls in type(exc).__mro__}
    return bool(names & {"ParseError", "XMLSyntaxError", "ExpatError", "DefusedXmlException"}) or any(
        m.startswith(("defusedxml", "xml.", "lxml")) for m in modules)


def _status_kb(field: str) -> int:
    """A figure from /proc/self/status: VmHWM is this process's own peak resident memory since it started
    (ru_maxrss would include the parent's memory at the fork), VmPeak its peak address space."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _out_of_memory(exc: BaseException, job: dict) -> bool:
    """A C extension that cannot allocate often raises SystemError or a parse error instead of MemoryError;
    an address space that reached the cap tells what really happened."""
    return isinstance(exc, MemoryError) or _status_kb("VmPeak") * 1024 >= 0.9 * int(job["memory_bytes"])


def main(argv: list[str]) -> int:
    job = json.loads(argv[0])
    _limit(job)
    data = sys.stdin.buffer.read()
    try:
        result = read(data, job)
    except Exception as exc:  # every failure to read the file is answered, not raised
        if _out_of_memory(exc, job):
            result = {"ok": False, "reason": "memory"}
        else:
            result = _failure(exc)
    result["peak_rss_kb"] = _status_kb("VmHWM")
    try:
        sys.stdout.write(json.dumps(result, ensure_ascii=False))
        sys.stdout.flush()
    except MemoryError:
        return 3
    return 0


def _failure(exc: Exception) -> dict:
    cause = exc
    while cause.__cause__ is not None and not _xml_error(cause):
        cause = cause.__cause__
    text = str(cause)
    name = type(cause).__name__
    if text.startswith(name + "(") and text.endswith(")"):  # defusedxml's exceptions print as their repr
        text = text[len(name) + 1:-1]
    return {"ok": False, "reason": "xml" if _xml_error(cause) else "invalid", "detail": f"{name}: {text}"[:300]}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
