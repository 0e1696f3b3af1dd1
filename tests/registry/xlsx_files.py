"""Build small .xlsx files in memory for upload tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from registry.importer import HEADERS


def workbook_bytes(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h) for h in headers] if isinstance(row, dict) else list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(rows, name="units.xlsx", headers=HEADERS) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, workbook_bytes(rows, headers),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
