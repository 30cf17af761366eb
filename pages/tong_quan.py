"""Tổng quan: the two campaign KPIs against their targets, the counts behind them, villages and progress.

Every number comes from `hssk.kpi.compute` — the same call as `python -m hssk kpi --json`.
"""

import pandas as pd
import streamlit as st

from hssk import config, kpi, labels
from hssk.app import charts, nav, session, widgets
from hssk.fmt import vn_date, vn_int, vn_pct

con, user = nav.page("Tổng quan", "view_overview")
session.require_data(con)

result = session.cached_or_stop(kpi.compute)

overall, names, targets = result["overall"], labels.kpi_labels(), config.campaign().targets
st.caption(f"Số liệu tính đến ngày {vn_date(pd.Timestamp(result['as_of']))}.")

left, right = st.columns(2)
for column, key in ((left, "kpi_admin"), (right, "kpi_health")):
    column.plotly_chart(charts.gauge(overall[key], targets[key], labels.GAUGE_TITLES[key]), key=f"gauge_{key}",
                        config=charts.PLOTLY_CONFIG)

COUNTS = ["residents_alive", "with_record", "missing_record", "duplicate_persons", "extra_records",
          "deceased_with_record", "off_register_records"]
cols = st.columns(4)
cols[0].metric(names["coverage"], vn_pct(overall["coverage"]))
for i, key in enumerate(COUNTS, start=1):
    cols[i % 4].metric(names.get(key, key), vn_int(overall[key]))

st.subheader("Đúng – đủ – sạch – sống")
dims = st.columns(4)
for column, key in zip(dims, ("dim_dung", "dim_du", "dim_sach", "dim_song")):
    column.metric(names[key], vn_pct(overall.get(key)))

st.subheader("Theo thôn (thôn xa chỉ tiêu nhất ở trên)")
villages = pd.DataFrame([{"village": v, **values} for v, values in result["villages"].items()])
if villages.empty:
    st.caption("Chưa có số liệu theo thôn.")
else:
    left, right = st.columns(2)
    for column, key in ((left, "kpi_admin"), (right, "kpi_health")):
        column.plotly_chart(charts.village_gap_bars(villages, key, targets[key], names.get(key, key)),
                            key=f"bars_{key}", config=charts.PLOTLY_CONFIG)

st.subheader("Tiến độ đến hạn chót")
widgets.progress_section(con, user, village=None)
