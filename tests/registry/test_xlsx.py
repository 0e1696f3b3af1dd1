import io

from openpyxl import load_workbook

from registry.xlsx import Sheet, safe_value, write_workbook


def test_xlsx_formula_cells_are_neutralised():
    assert safe_value("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert safe_value("+1") == "'+1"
    assert safe_value("-2") == "'-2"
    assert safe_value("@SUM(A1)") == "'@SUM(A1)"
    assert safe_value("广州市") == "广州市"
    assert safe_value(-3) == -3


def test_xlsx_written_workbook_holds_no_formula():
    buffer = io.BytesIO()
    write_workbook(buffer, [Sheet("t", ["a"], [["=1+1"], [5]])])
    ws = load_workbook(io.BytesIO(buffer.getvalue())).active
    values = [r[0] for r in ws.iter_rows(values_only=True)]
    assert values == ["a", "'=1+1", 5]
