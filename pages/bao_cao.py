"""Báo cáo: the monthly CDC report — a preview of the workbook and the very file `python -m hssk report` writes."""

import html
import io
from datetime import date

import openpyxl
import pandas as pd
import streamlit as st

from hssk import ui
from hssk.masking import mask_text
from hssk.errors import HsskError

con, user = ui.page("Báo cáo", "view_report")
ui.require_data(con)
report = ui.backend("hssk.report")


def months() -> list[str]:
    """From the campaign start (or 12 months back) to this month, newest first."""
    today = date.today()
    start = pd.Timestamp(ui.settings().get("campaign", {}).get("start") or f"{today.year - 1}-{today.month:02d}-01")
    span = pd.period_range(min(start, pd.Timestamp(today)).to_period("M"), pd.Timestamp(today).to_period("M"), freq="M")
    return [str(p) for p in reversed(span)]


CELL_STYLE = "border:1px solid #ddd;padding:2px 6px;vertical-align:top;"


def cell_text(cell) -> str:
    """A cell as the printed sheet shows it: ratios as '95,3 %', counts as '12.345', dates as dd/mm/yyyy."""
    value = cell.value
    if value is None:
        return ""
    fmt = cell.number_format or ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "đ" in fmt:  # a change in percentage points
            return f"{value * 100:+.1f} điểm %".replace(".", ",")
        if "%" in fmt:
            return ui.fmt_pct(value)
        return ui.fmt_int(value) if float(value).is_integer() else f"{value:.2f}".replace(".", ",")
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
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


month = st.selectbox("Tháng báo cáo", months(), key="report_month", format_func=lambda m: f"{m[5:]}/{m[:4]}")
try:
    data = ui.cached(report.report_bytes, month)
except HsskError as exc:
    st.info(exc.message)
    st.stop()

file_name = f"bao_cao_hssk_{month.replace('-', '_')}.xlsx"
if user.can("export_report"):
    ui.download_button(user, "Tải báo cáo (.xlsx)", lambda c: data, file_name,
                       what="report", key="dl_report", detail={"month": month})
st.caption("Nội dung «Khó khăn» và «Đề xuất» lấy từ tệp data/report_notes.md. "
           "Tệp tải về giống hệt tệp do lệnh `python -m hssk report` tạo ra.")

book = openpyxl.load_workbook(io.BytesIO(data))
for ws in book.worksheets:
    with st.expander(ws.title, expanded=(ws.title == report.MAIN_SHEET)):
        st.markdown(sheet_html(ws, masked=not user.can("see_personal_data")), unsafe_allow_html=True)
