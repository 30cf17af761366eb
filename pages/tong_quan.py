"""Tổng quan: the two campaign KPIs against their targets, the counts behind them, villages and progress.

Every number comes from `hssk.kpi.compute` — the same call as `python -m hssk kpi --json`.
"""

import pandas as pd
import streamlit as st

from hssk import ui

con, user = ui.page("Tổng quan", "view_overview")
ui.require_data(con)
kpi = ui.backend("hssk.kpi")

result = ui.cached_or_stop(kpi.compute)

overall, labels, targets = result["overall"], ui.kpi_labels(), ui.targets()
st.caption(f"Số liệu tính đến ngày {pd.Timestamp(result['as_of']):%d/%m/%Y}.")

left, right = st.columns(2)
for column, key in ((left, "kpi_admin"), (right, "kpi_health")):
    column.plotly_chart(ui.gauge(overall[key], targets[key], ui.GAUGE_TITLES[key]), key=f"gauge_{key}",
                        config=ui.PLOTLY_CONFIG)

COUNTS = ["residents_alive", "with_record", "missing_record", "duplicate_persons", "extra_records",
          "deceased_with_record", "off_register_records"]
cols = st.columns(4)
cols[0].metric(labels["coverage"], ui.fmt_pct(overall["coverage"]))
for i, key in enumerate(COUNTS, start=1):
    cols[i % 4].metric(labels.get(key, key), ui.fmt_int(overall[key]))

st.subheader("Đúng – đủ – sạch – sống")
dims = st.columns(4)
for column, key in zip(dims, ("dim_dung", "dim_du", "dim_sach", "dim_song")):
    column.metric(labels[key], ui.fmt_pct(overall.get(key)))

st.subheader("Theo thôn (thôn xa chỉ tiêu nhất ở trên)")
villages = pd.DataFrame([{"village": v, **values} for v, values in result["villages"].items()])
if villages.empty:
    st.caption("Chưa có số liệu theo thôn.")
else:
    left, right = st.columns(2)
    for column, key in ((left, "kpi_admin"), (right, "kpi_health")):
        column.plotly_chart(ui.village_gap_bars(villages, key, targets[key], labels.get(key, key)),
                            key=f"bars_{key}", config=ui.PLOTLY_CONFIG)

st.subheader("Tiến độ đến hạn chót")
ui.progress_section(con, user, village=None)
