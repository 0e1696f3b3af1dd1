import io

import pytest
from openpyxl import load_workbook

from registry.xlsx import Sheet, write_workbook

RISKY = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tcmd", "\r=1"]


def _written(rows, headers=("a",)):
    buffer = io.BytesIO()
    write_workbook(buffer, [Sheet("t", list(headers), rows)])
    return load_workbook(io.BytesIO(buffer.getvalue())).active


@pytest.mark.parametrize("value", RISKY)
def test_xlsx_formula_like_text_is_written_as_quoted_text_unchanged(value):
    ws = _written([[value]])
    cell = ws["A2"]
    assert cell.value == value
    assert cell.data_type == "s"
    assert cell.quotePrefix is True


def test_xlsx_ordinary_values_are_written_plainly():
    ws = _written([["广州市", -3, 2.5, None, "a=b"]], headers=["a", "b", "c", "d", "e"])
    assert [c.value for c in ws[2]] == ["广州市", -3, 2.5, None, "a=b"]
    assert [c.quotePrefix for c in ws[2]] == [False, False, False, False, False]


def test_xlsx_written_workbook_holds_no_formula():
    ws = _written([["=1+1"], [5]], headers=["=title"])
    assert [r[0] for r in ws.iter_rows(values_only=True)] == ["=title", "=1+1", 5]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
