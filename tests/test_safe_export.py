"""Formula-injection-safe CSV / XLSX / JSON writing (hssk.safe_export)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest

from hssk.errors import HsskError
from hssk.safe_export import csv_bytes, file_bytes, json_bytes, neutralise, write_table, xlsx_bytes


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"),
    ("+84912345678", "'+84912345678"),
    ("-2", "'-2"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=cmd", "'\t=cmd"),
    ("\r=cmd", "'\r=cmd"),
    ("Nguyễn Văn An", "Nguyễn Văn An"),
    ("a=b", "a=b"),
    ("001215000345", "001215000345"),
    ("", ""),
    (None, None),
    (-2, -2),  # a number is not a formula
    (1.5, 1.5),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


FRAME = pd.DataFrame({
    "Mã": ["001215000345", "=HYPERLINK(\"http://x\")", ""],
    "Ngày": [date(2026, 3, 1), None, date(2026, 3, 2)],
    "Số": [1, 2, np.nan],
    "@cột": ["a", None, "-b"],
})


def test_csv_is_utf8_with_bom_and_neutralised():
    data = csv_bytes(FRAME)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == ["Mã", "Ngày", "Số", "'@cột"]
    assert table[1] == ["001215000345", "2026-03-01", "1.0", "a"]
    assert table[2] == ["'=HYPERLINK(\"http://x\")", "", "2.0", ""]
    assert table[3] == ["", "2026-03-02", "", "'-b"]


def test_xlsx_cells_are_text_or_dates_never_formulas(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(xlsx_bytes(FRAME, "Danh sách"))
    ws = openpyxl.load_workbook(path).active
    assert ws.title == "Danh sách"
    assert [c.value for c in ws[1]] == ["Mã", "Ngày", "Số", "'@cột"]
    assert ws["A2"].value == "001215000345" and ws["A2"].data_type == "s"
    assert ws["A3"].value == "'=HYPERLINK(\"http://x\")" and ws["A3"].data_type == "s"
    assert ws["B2"].value.date() == date(2026, 3, 1) and ws["B2"].number_format == "DD/MM/YYYY"
    assert ws["C4"].value is None and ws["D4"].value == "'-b"
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D4"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.fitToWidth == 1


def test_several_sheets_and_long_or_odd_titles():
    data = xlsx_bytes({"Một/hai": FRAME, "x" * 40: FRAME.head(1)})
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Một-hai", "x" * 31]


def test_json_is_neutralised_too():
    records = json.loads(json_bytes(FRAME))
    assert records[1]["Mã"] == "'=HYPERLINK(\"http://x\")"
    assert records[0]["Ngày"] == "2026-03-01" and records[2]["Số"] is None
    assert "'@cột" in records[0]


def test_write_table_picks_the_format_from_the_extension(tmp_path):
    assert write_table(FRAME, tmp_path / "a.csv").read_bytes() == csv_bytes(FRAME)
    assert openpyxl.load_workbook(write_table(FRAME, tmp_path / "a.xlsx")).active.max_row == 4
    with pytest.raises(HsskError, match="không được hỗ trợ"):
        file_bytes(FRAME, "pdf")


def test_files_written_for_people_are_owner_only(tmp_path):
    """Exports hold personal data: 0600, also when a file of that name was world-readable before."""
    import pandas as pd

    from hssk.safe_export import write_csv, write_table, write_xlsx

    frame = pd.DataFrame({"Số định danh": ["001215000345"]})
    old = tmp_path / "cu.csv"
    old.write_text("x")
    old.chmod(0o644)
    for path in (write_table(frame, tmp_path / "a.xlsx"), write_csv(frame, old), write_xlsx(frame, tmp_path / "b.xlsx"),
                 write_table(frame, tmp_path / "c.json")):
        assert path.stat().st_mode & 0o777 == 0o600, path
