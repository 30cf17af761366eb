"""Chất lượng dữ liệu: completeness per field and village, the village names that match no village (the head maps
them), findings by kind with examples."""

import streamlit as st

from hssk import kpi, labels, quality
from hssk.app import charts, nav, privacy, session, widgets
from hssk.errors import HsskError

con, user = nav.page("Chất lượng dữ liệu", "view_quality")
session.require_data(con)

st.subheader("Tỷ lệ hồ sơ HSSK đã điền từng trường hành chính, theo thôn")
field_labels = dict(labels.FIELDS)
try:
    completeness = session.cached(kpi.field_completeness)
    admin_labels = dict(zip(*[kpi.admin_fields()[c] for c in ("field", "label_vi")]))
    field_labels.update(admin_labels)
except HsskError as exc:
    st.info(exc.message)
else:
    st.plotly_chart(charts.completeness_heatmap(completeness, admin_labels), key="quality_heatmap",
                    config=charts.PLOTLY_CONFIG)

village = widgets.village_filter(con)
widgets.village_mapping_section(con, user, key="quality_villages")
FINDING_WORDS = {"kind": labels.kind_label, "field": lambda f: field_labels.get(f, f), "code": labels.finding_label,
                 "detail": labels.finding_detail}

summary = quality.findings_summary(con, village)
if summary.empty:
    st.success("Không có phát hiện nào về chất lượng dữ liệu.")
    st.stop()

st.subheader("Phát hiện theo loại")
privacy.show(labels.display(summary, labels.FINDING_HEADERS, FINDING_WORDS))

st.subheader("Ví dụ")
choices = list(summary[["kind", "field", "code"]].itertuples(index=False, name=None))
picked = st.selectbox("Xem ví dụ của", choices, key="finding_kind",
                      format_func=lambda t: f"{labels.kind_label(t[0])} · {field_labels.get(t[1], t[1])} · "
                                            f"{labels.finding_label(t[2])}")
examples = quality.finding_examples(con, *picked, village=village)
privacy.show_table(con, user, labels.display(examples, labels.FINDING_HEADERS, FINDING_WORDS),
                   what=f"quality_examples:{picked[0]}:{picked[1]}")

repairs = quality.legacy_repairs(con, village)
if not repairs.empty:
    st.subheader("Sửa lỗi phông chữ cũ (TCVN3/VNI)")
    privacy.show_table(con, user, labels.display(
        repairs, {"field": "Trường", "value": "Trong tệp", "detail": "Phông chữ", "current_value": "Sau khi sửa"},
        {"field": FINDING_WORDS["field"], "detail": labels.finding_detail}), what="quality_legacy_repairs")

invalid_ids = quality.invalid_ids(con, village)
if not invalid_ids.empty:
    st.subheader("Mã định danh, BHYT, điện thoại không hợp lệ")
    privacy.show(labels.display(invalid_ids, labels.FINDING_HEADERS, FINDING_WORDS))
