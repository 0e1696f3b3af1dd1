"""Files in the layout of MIIT's published lists, with the quirks of the real ones: a title row above the
header, other provinces' rows, 地区 merged over a province's rows, full- and half-width brackets, stray spaces,
renames printed as "（原…）", and optional columns the province adds."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

MIIT_HEADERS = ["序号", "地区", "工厂名称", "行业", "第三方评价机构"]


def miit_workbook(rows, headers=MIIT_HEADERS, title="附件1 2024年度绿色工厂名单", merge_regions=True) -> bytes:
    """`rows` are lists in `headers` order; a region left None continues the one above. Where consecutive rows
    share a region, its cells are merged as in MIIT's files (only the first keeps the value)."""
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.append(list(headers))
    first_data_row = 3
    region_col = headers.index("地区") + 1
    start = None
    for i, row in enumerate(rows):
        ws.append(list(row))
        r = first_data_row + i
        region = row[region_col - 1]
        if region is not None or start is None:
            if merge_regions and start is not None and r - 1 > start:
                ws.merge_cells(start_row=start, end_row=r - 1, start_column=region_col, end_column=region_col)
            start = r
    last = first_data_row + len(rows) - 1
    if merge_regions and start is not None and last > start:
        ws.merge_cells(start_row=start, end_row=last, start_column=region_col, end_column=region_col)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def miit_file(rows, name="2024年度绿色工厂名单.xlsx", **kwargs) -> io.BytesIO:
    data = io.BytesIO(miit_workbook(rows, **kwargs))
    data.name = name
    return data


def miit_upload(rows, name="2024年度绿色工厂名单.xlsx", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, miit_workbook(rows, **kwargs),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
