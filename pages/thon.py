"""Thôn: one village's KPIs, how complete each administrative field is there, its progress and its worklists."""

import streamlit as st

from hssk import ui

con, user = ui.page("Thôn", "view_village")
ui.require_data(con)
kpi = ui.backend("hssk.kpi")
worklists = ui.backend("hssk.worklists")

result = ui.cached_or_stop(kpi.compute)

village = ui.village_filter(con, options=list(result["villages"]), allow_all=False)
if village is None:
    st.info("Chưa có thôn nào trong dữ liệu.")
    st.stop()
values, labels, targets = result["villages"][village], ui.kpi_labels(), ui.targets()
st.header(village)

left, right = st.columns(2)
for column, key in ((left, "kpi_admin"), (right, "kpi_health")):
    column.plotly_chart(ui.gauge(values[key], targets[key], ui.GAUGE_TITLES[key]), key=f"gauge_{key}",
                        config=ui.PLOTLY_CONFIG)
cols = st.columns(4)
cols[0].metric(labels["coverage"], ui.fmt_pct(values["coverage"]))
for i, key in enumerate(["residents_alive", "with_record", "missing_record", "duplicate_persons",
                         "deceased_with_record", "off_register_records", "extra_records"], start=1):
    cols[i % 4].metric(labels.get(key, key), ui.fmt_int(values[key]))

st.subheader("Mức độ đầy đủ của từng trường hành chính")
fields = ui.cached(kpi.field_completeness)
field_labels = dict(zip(*[kpi.admin_fields()[c] for c in ("field", "label_vi")]))
shown = fields[fields["village"].isin(["", village])]
if shown.empty:
    st.caption("Chưa đo được trường nào.")
else:
    st.plotly_chart(ui.completeness_heatmap(shown, field_labels), key="village_heatmap",
                    config=ui.PLOTLY_CONFIG)

st.subheader("Tiến độ")
ui.progress_section(con, user, village=village)

st.subheader("Danh sách công việc của thôn")
mask = not user.can("see_personal_data")
counts = {kind: len(ui.cached(worklists.build, kind, village=village, mask_ids=mask)) for kind in worklists.WORKLISTS}
kind = st.segmented_control("Danh sách", list(worklists.WORKLISTS), default="missing_record", key="village_worklist",
                            format_func=lambda k: f"{worklists.WORKLISTS[k].title} ({ui.fmt_int(counts[k])})")
if kind:
    frame = worklists.to_display(ui.cached(worklists.build, kind, village=village, mask_ids=mask))
    ui.show_table(con, user, frame, what=f"worklist:{kind}:{village}")
st.caption("Tải danh sách về máy ở trang «Danh sách công việc».")
