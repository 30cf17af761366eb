"""Tổng quan: the two campaign KPIs against their targets, the counts behind them, villages and progress.

Every number comes from `hssk.kpi.compute` — the same call as `python -m hssk kpi --json`.
"""

import pandas as pd
import streamlit as st

from hssk import config, kpi, labels, progress, refresh
from hssk.app import charts, nav, session, widgets
from hssk.fmt import vn_date, vn_decimal, vn_int, vn_pct


def vn_points(share: float) -> str:
    """0.021 → '2,1 điểm %' (a change of a percentage; a fall is said as one)."""
    return f"{vn_decimal(share * 100, 1)} điểm %" if share >= 0 else f"giảm {vn_decimal(-share * 100, 1)} điểm %"


con, user = nav.page("Tổng quan", "view_overview")
session.require_data(con)

result = session.cached_or_stop(kpi.compute_current)
if session.first_time_in_state("kpi_snapshot"):
    # The trend and the change since last month follow every data state: the figures just computed are recorded
    # when nothing was recorded since the data last changed (at most one snapshot a day).
    with session.writing():
        if refresh.snapshot_if_new_state(con, result) is not None:
            session.forget_version()

overall, names, targets = result["overall"], labels.kpi_labels(), config.campaign().targets
st.caption(f"Chỉ tiêu tính cho ngày {vn_date(pd.Timestamp(result['as_of']))} "
           "(tuổi, hạn thẻ, người đã mất tính đến ngày này).")

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
passed, note = progress.deadline_note()
if passed:
    st.warning(note, icon=":material/event_busy:")
else:
    st.caption(note)
pace = progress.pace(session.cached(progress.projection))
for row in pace.itertuples():
    name = names.get(row.key, row.key)
    if row.last_value >= row.target:
        st.markdown(f"- **{name}**: đã đạt mục tiêu {vn_pct(row.target)} (hiện {vn_pct(row.last_value)}).")
        continue
    needed = ("hạn chót đã qua" if row.needed_per_month is None
              else f"cần tăng {vn_points(row.needed_per_month)} mỗi tháng để đạt {vn_pct(row.target)}")
    observed = ("chưa đủ số liệu để tính tốc độ (cần số liệu của ít nhất 2 ngày)" if row.observed_per_month is None
                else f"tốc độ hiện tại {vn_points(row.observed_per_month)} mỗi tháng")
    st.markdown(f"- **{name}**: hiện {vn_pct(row.last_value)}; {needed}; {observed}.")
widgets.progress_section(con, user, village=None)
