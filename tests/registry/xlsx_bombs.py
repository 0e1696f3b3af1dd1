"""Hostile .xlsx files for the upload-bounds tests and bench/bombs.py: small on disk, huge or malformed inside.

Each builder starts from a genuine workbook written by openpyxl and swaps or adds parts, streaming them into
the zip, so even a part that expands to hundreds of MB is built without holding it in memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator

from openpyxl import Workbook

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def genuine(header=("统一社会信用代码", "单位名称"), rows=(("x", "y"),)) -> bytes:
    """A one-sheet workbook; the sheet is titled like a bulk upload's first sheet, so every upload path reads it."""
    wb = Workbook()
    ws = wb.active
    ws.title = "绿色工厂"
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rebuild(base: bytes, replace: dict[str, bytes | Iterable[bytes]] | None = None,
            add: dict[str, bytes | Iterable[bytes]] | None = None, content_types: bytes | None = None) -> bytes:
    """`base` with some parts replaced or added; a part may be given as chunks, streamed in."""
    replace, add = dict(replace or {}), dict(add or {})
    if content_types is not None:
        replace["[Content_Types].xml"] = content_types
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            body = replace.pop(info.filename, None)
            _write(dst, info.filename, src.read(info) if body is None else body)
        for name, body in {**replace, **add}.items():
            _write(dst, name, body)
    return out.getvalue()


def _write(dst: zipfile.ZipFile, name: str, body: bytes | Iterable[bytes]) -> None:
    if isinstance(body, bytes):
        dst.writestr(name, body)
        return
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 9
    with dst.open(info, "w", force_zip64=True) as part:
        for chunk in body:
            part.write(chunk)


def _repeat(unit: bytes, count: int, head: bytes = b"", tail: bytes = b"") -> Iterator[bytes]:
    yield head
    block = 100_000
    full, rest = divmod(count, block)
    chunk = unit * block
    for _ in range(full):
        yield chunk
    yield unit * rest
    yield tail


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def with_shared_strings(body: bytes | Iterable[bytes], base: bytes | None = None) -> bytes:
    """`base` with a shared-strings part (declared in [Content_Types].xml, where openpyxl looks for it)."""
    base = base or genuine()
    with zipfile.ZipFile(io.BytesIO(base)) as src:
        types = src.read("[Content_Types].xml").decode()
    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
    return rebuild(base, add={"xl/sharedStrings.xml": body},
                   content_types=types.replace("</Types>", override + "</Types>").encode())


def shared_strings_bomb(count: int = 20_000_000) -> bytes:
    """`count` one-letter shared strings (20 million expand to about 340 MB; the file is under 1 MB)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{SHEET_NS}" count="{count}" uniqueCount="{count}">'
    return with_shared_strings(_repeat(b"<si><t>a</t></si>", count, head.encode(), b"</sst>"))


def _sheet(rows: Iterable[bytes], dimension: str | None = None) -> Iterator[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{SHEET_NS}">'.encode()
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    yield from rows
    yield b"</sheetData></worksheet>"


def _header_row(header) -> bytes:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(header))
    return f'<row r="1">{cells}</row>'.encode()


def no_dimension_sheet(rows: int = 3_000_000, header=("统一社会信用代码", "单位名称")) -> bytes:
    """A header row, then `rows` one-cell rows, with no <dimension>: openpyxl alone would parse it all on open."""

    def body():
        yield _header_row(header)
        for start in range(2, rows + 2, 50_000):
            yield b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n)
                           for n in range(start, min(start + 50_000, rows + 2)))

    return rebuild(genuine(header), replace={"xl/worksheets/sheet1.xml": _sheet(body())})


def wide_row(cells: int = 2_000_000, header=("统一社会信用代码", "单位名称")) -> bytes:
    """One row of `cells` cells under a <dimension> that claims the whole grid: a "huge sheet"."""

    def body():
        yield _header_row(header)
        yield b'<row r="2">'
        yield from _repeat(b'<c><v>1</v></c>', cells)
        yield b"</row>"

    return rebuild(genuine(header), replace={"xl/worksheets/sheet1.xml": _sheet(body(), "A1:XFD1048576")})


def many_sheets(count: int = 5000) -> bytes:
    """`count` worksheets, each a tiny part of its own, all listed in the workbook."""
    base = genuine()
    sheet = b"".join(_sheet([b'<row r="1"><c r="A1"><v>1</v></c></row>']))
    with zipfile.ZipFile(io.BytesIO(base)) as src:
        types = src.read("[Content_Types].xml").decode()
        workbook = src.read("xl/workbook.xml").decode()
        rels = src.read("xl/_rels/workbook.xml.rels").decode()
    overrides = "".join(f'<Override PartName="/xl/worksheets/bomb{i}.xml" ContentType="{WORKSHEET_TYPE}"/>'
                        for i in range(count))
    entries = "".join(f'<sheet xmlns:r="{REL_NS}" name="S{i}" sheetId="{i + 100}" r:id="rIdB{i}"/>'
                      for i in range(count))
    links = "".join(f'<Relationship Id="rIdB{i}" Target="worksheets/bomb{i}.xml" '
                    f'Type="{REL_NS}/worksheet"/>' for i in range(count))
    return rebuild(
        base,
        replace={"xl/workbook.xml": workbook.replace("</sheets>", entries + "</sheets>").encode(),
                 "xl/_rels/workbook.xml.rels": rels.replace("</Relationships>", links + "</Relationships>").encode()},
        add={f"xl/worksheets/bomb{i}.xml": sheet for i in range(count)},
        content_types=types.replace("</Types>", overrides + "</Types>").encode(),
    )


def entity_amplification() -> bytes:
    """The "billion laughs": nested entity declarations in the shared strings."""
    lol = '<!ENTITY a0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE sst [{lol}]><sst xmlns="{SHEET_NS}" count="1" uniqueCount="1">'
           f"<si><t>&a9;</t></si></sst>")
    return with_shared_strings(xml.encode())


def undefined_entity() -> bytes:
    xml = f'<?xml version="1.0"?><sst xmlns="{SHEET_NS}" count="1" uniqueCount="1"><si><t>&nowhere;</t></si></sst>'
    return with_shared_strings(xml.encode())


def not_well_formed() -> bytes:
    return rebuild(genuine(), replace={"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row r='1'>"})


def not_a_zip() -> bytes:
    return b"PK\x03\x04 this is not really a zip archive" + b"\x00" * 200


def styles_bomb(mb: int = 40) -> bytes:
    """A styles part far larger than any real one (openpyxl parses it whole)."""
    head = f'<?xml version="1.0"?><styleSheet xmlns="{SHEET_NS}"><numFmts>'.encode()
    unit = b'<numFmt numFmtId="200" formatCode="0"/>'
    return rebuild(genuine(), replace={"xl/styles.xml": _repeat(unit, mb * 1024 * 1024 // len(unit), head,
                                                                   b"</numFmts></styleSheet>")})


ALL = {
    "shared_strings": shared_strings_bomb,
    "no_dimension": no_dimension_sheet,
    "huge_sheet": wide_row,
    "many_sheets": many_sheets,
}
