"""Thôn: one village's KPIs, how complete each administrative field is there, its progress and its worklists."""

import streamlit as st

from hssk import config, kpi, labels, visits, worklists
from hssk.app import charts, nav, privacy, session, widgets
from hssk.fmt import vn_int, vn_pct

con, user = nav.page("Thôn", "view_village")
session.require_data(con)

result = session.cached_or_stop(kpi.compute_current)

village = widgets.village_filter(con, options=list(result["villages"]), allow_all=False)
if village is None:
    st.info("Chưa có thôn nào trong dữ liệu.")
    st.stop()
values, names, targets = result["villages"][village], labels.kpi_labels(), config.campaign().targets
st.header(village)

left, right = st.columns(2)
for column, key in ((left, "kpi_admin"), (right, "kpi_health")):
    column.plotly_chart(charts.gauge(values[key], targets[key], labels.GAUGE_TITLES[key]), key=f"gauge_{key}",
                        config=charts.PLOTLY_CONFIG)
cols = st.columns(4)
cols[0].metric(names["coverage"], vn_pct(values["coverage"]))
for i, key in enumerate(["residents_alive", "with_record", "missing_record", "duplicate_persons",
                         "deceased_with_record", "off_register_records", "extra_records"], start=1):
    cols[i % 4].metric(names.get(key, key), vn_int(values[key]))

st.subheader("Mức độ đầy đủ của từng trường hành chính")
field_labels = dict(zip(*[kpi.admin_fields()[c] for c in ("field", "label_vi")]))
shown = kpi.completeness_from_result(result, [kpi.OVERALL, village])  # measured once with the KPIs
if shown.empty:
    st.caption("Chưa đo được trường nào.")
else:
    st.plotly_chart(charts.completeness_heatmap(shown, field_labels), key="village_heatmap",
                    config=charts.PLOTLY_CONFIG)

st.subheader("Tiến độ")
widgets.progress_section(con, user, village=village)

st.subheader("Danh sách công việc của thôn")
mask = not user.can("see_personal_data")
# Only the chosen list is built (each list reads the whole commune's records once).
kind = st.segmented_control("Danh sách", list(worklists.WORKLISTS), default="missing_record", key="village_worklist",
                            format_func=lambda k: worklists.WORKLISTS[k].title)
if kind:
    frame = worklists.to_display(session.cached(worklists.build, kind, village=village, mask_ids=mask))
    st.caption(f"{worklists.WORKLISTS[kind].title}: {vn_int(len(frame))} dòng.")
    privacy.show_table(con, user, frame, what=f"worklist:{kind}:{village}")
st.caption("Tải danh sách về máy ở trang «Danh sách công việc».")

st.subheader("Xem một người: lượt khám chữa bệnh và chẩn đoán")
person_id = st.text_input("Mã người (xem ở danh sách công việc hoặc trang «Đối soát»)", key="village_person").strip()
if person_id:
    seen = session.cached(visits.person_visits, person_id)
    if seen.empty:
        st.caption("Người này chưa có lượt khám nào trong dữ liệu BHYT (tệp XML giám định) đã nhập.")
    else:
        st.caption(f"{vn_int(len(seen))} lượt khám, mới nhất trước.")
        privacy.show_table(con, user, labels.display(seen, labels.PERSON_VISIT_COLUMNS), what=f"visits:{person_id}")
