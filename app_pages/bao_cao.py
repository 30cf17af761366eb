"""Báo cáo: the monthly CDC report — a preview of the workbook and the very file `python -m hssk report` writes."""

import io
from datetime import date

import openpyxl
import pandas as pd
import streamlit as st

from hssk import ui
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


def sheet_frames(data: bytes) -> dict[str, pd.DataFrame]:
    """Each sheet of the workbook as a table of its cell values (what the printed page shows)."""
    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    frames = {}
    for ws in book.worksheets:
        rows = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
        rows = [r for r in rows if any(str(v).strip() for v in r)]
        frames[ws.title] = pd.DataFrame(rows).astype(str) if rows else pd.DataFrame()
    return frames


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

for title, frame in sheet_frames(data).items():
    with st.expander(title, expanded=(title == report.MAIN_SHEET)):
        st.dataframe(ui.for_display(con, user, frame, what=f"report:{title}"), hide_index=True)
