"""The monthly report as HTML, for the in-app preview: each sheet of the workbook `hssk.report` lays out, read
back cell by cell as the printed sheet shows it (ratios '95,3 %', counts '12.345', dates dd/mm/yyyy)."""

from __future__ import annotations

import html
import io

import openpyxl

from hssk.fmt import vn_date, vn_decimal, vn_int, vn_pct, vn_pp
from hssk.masking import mask_text
from hssk.report_layout import layout

CELL_STYLE = "border:1px solid #ddd;padding:2px 6px;vertical-align:top;"


def cell_text(cell) -> str:
    """A cell as the printed sheet shows it."""
    value = cell.value
    if value is None:
        return ""
    fmt = cell.number_format or ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "đ" in fmt:  # a change in percentage points
            return vn_pp(value)
        if "%" in fmt:
            return vn_pct(value)
        return vn_int(value) if float(value).is_integer() else vn_decimal(value)
    if hasattr(value, "strftime"):
        return vn_date(value)
    return str(value)


def sheet_html(ws, masked: bool) -> str:
    """The sheet as an HTML table, merged cells kept, empty rows dropped."""
    spans, hidden = {}, set()
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1)
        hidden |= {(r, c) for r in range(rng.min_row, rng.max_row + 1)
                   for c in range(rng.min_col, rng.max_col + 1)} - {(rng.min_row, rng.min_col)}
    rows = []
    for row in ws.iter_rows():
        cells = []
        for cell in row:
            if (cell.row, cell.column) in hidden:
                continue
            text = cell_text(cell)
            text = mask_text(text) if masked else text
            rowspan, colspan = spans.get((cell.row, cell.column), (1, 1))
            bold = "font-weight:600;" if cell.font is not None and cell.font.bold else ""
            cells.append(f'<td rowspan="{rowspan}" colspan="{colspan}" style="{CELL_STYLE}{bold}">'
                         f'{html.escape(text)}</td>')
        if any(cell_text(c) for c in row):
            rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<table style="border-collapse:collapse;font-size:0.85rem">' + "".join(rows) + "</table>"


def report_html(data, masked: bool) -> dict[str, str]:
    """{sheet title: HTML table} of the report laid out from its gathered figures (`hssk.report_data.ReportData`)."""
    return {ws.title: sheet_html(ws, masked) for ws in layout(data).worksheets}


def workbook_html(data: bytes, masked: bool) -> dict[str, str]:
    """{sheet title: HTML table} of a report workbook's bytes."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: sheet_html(ws, masked) for ws in book.worksheets}
