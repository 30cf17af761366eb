"""Báo cáo: the monthly CDC report — a preview of the workbook and the very file `python -m hssk report` writes."""

from datetime import date

import pandas as pd
import streamlit as st

from hssk import config, report, report_preview
from hssk.app import nav, privacy, session
from hssk.errors import HsskError

con, user = nav.page("Báo cáo", "view_report")
session.require_data(con)


def months() -> list[str]:
    """From the campaign start (or 12 months back) to this month, newest first."""
    today = date.today()
    start = pd.Timestamp(config.campaign().start or f"{today.year - 1}-{today.month:02d}-01")
    span = pd.period_range(min(start, pd.Timestamp(today)).to_period("M"), pd.Timestamp(today).to_period("M"), freq="M")
    return [str(p) for p in reversed(span)]


month = st.selectbox("Tháng báo cáo", months(), key="report_month", format_func=lambda m: f"{m[5:]}/{m[:4]}")
try:
    data = session.cached(report.gather, month)  # every figure, read once; the file and the preview lay it out
except HsskError as exc:
    st.info(exc.message)
    st.stop()

file_name = f"bao_cao_hssk_{month.replace('-', '_')}.xlsx"
if user.can("export_report"):
    privacy.download_button(user, "Tải báo cáo (.xlsx)", lambda c: report.workbook_bytes(data), file_name,
                            what="report", key="dl_report", detail={"month": month})
st.caption("Nội dung «Khó khăn» và «Đề xuất» lấy từ tệp data/report_notes.md. "
           "Tệp tải về giống hệt tệp do lệnh `python -m hssk report` tạo ra.")

for title, table in report_preview.report_html(data, masked=not user.can("see_personal_data")).items():
    with st.expander(title, expanded=(title == report.MAIN_SHEET)):
        st.markdown(table, unsafe_allow_html=True)
