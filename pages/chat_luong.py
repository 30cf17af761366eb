"""Chất lượng dữ liệu: completeness per field and village, findings by kind with examples."""

import streamlit as st

from hssk import ui
from hssk.errors import HsskError

KIND_LABELS = {"hssk": "HSSK", "population": "Dân cư", "deaths": "Khai tử", "insurance": "BHYT",
               "care": "Khám chữa bệnh"}
HEADERS = {"kind": "Nguồn", "field": "Trường", "code": "Loại", "n": "Số dòng"}
CODE_LABELS = {
    "missing": "Thiếu",
    "invalid": "Sai định dạng",
    "inconsistent": "Mâu thuẫn",
    "legacy_encoding": "Sửa mã cũ (TCVN3/VNI)",
    "restored_zeros": "Khôi phục số 0 đầu",
    "partial_date": "Ngày sinh không đầy đủ",
    "unknown_value": "Giá trị không nhận diện",
}

con, user = ui.page("Chất lượng dữ liệu", "view_quality")
ui.require_data(con)
kpi = ui.backend("hssk.kpi")

worklists = ui.backend("hssk.worklists")

st.subheader("Tỷ lệ hồ sơ HSSK đã điền từng trường hành chính, theo thôn")
FIELD_LABELS = {**worklists.COLUMN_LABELS, "insurance_no": "Số thẻ BHYT", "death_date": "Ngày mất",
                "event_date": "Ngày khám/tiêm", "record_id": "Mã hồ sơ"}
try:
    completeness = ui.cached(kpi.field_completeness)
    field_labels = dict(zip(*[kpi.admin_fields()[c] for c in ("field", "label_vi")]))
    FIELD_LABELS.update(field_labels)
except HsskError as exc:
    st.info(exc.message)
else:
    st.plotly_chart(ui.completeness_heatmap(completeness, field_labels), key="quality_heatmap",
                    config=ui.PLOTLY_CONFIG)

village = ui.village_filter(con)

# Findings of the current snapshot only: an older batch's findings describe rows no longer in use.
FINDINGS = """
    select f.kind, f.field, f.code, f.value, f.detail, c.record_id, c.village
    from findings f join current_clean c using (rec_uid)
    where $village is null or c.village = $village"""

summary = con.execute(f"""
    select kind, field, code, count(*) as n from ({FINDINGS}) group by all order by n desc""",
                      {"village": village}).df()
if summary.empty:
    st.success("Không có phát hiện nào về chất lượng dữ liệu.")
    st.stop()

st.subheader("Phát hiện theo loại")
def labelled(frame):
    return frame.assign(kind=frame["kind"].map(lambda k: KIND_LABELS.get(k, k)),
                        field=frame["field"].map(lambda f: FIELD_LABELS.get(f, f)),
                        code=frame["code"].map(lambda c: CODE_LABELS.get(c, c)))


table = labelled(summary)
st.dataframe(table.rename(columns=HEADERS), hide_index=True)

st.subheader("Ví dụ")
choices = list(summary[["kind", "field", "code"]].itertuples(index=False, name=None))
picked = st.selectbox("Xem ví dụ của", choices, key="finding_kind",
                      format_func=lambda t: f"{KIND_LABELS.get(t[0], t[0])} · {FIELD_LABELS.get(t[1], t[1])} · "
                                            f"{CODE_LABELS.get(t[2], t[2])}")
examples = con.execute(f"""
    select record_id as "Mã hồ sơ", village as "Thôn", value as "Giá trị gốc", detail as "Chi tiết"
    from ({FINDINGS}) where kind = $kind and field = $field and code = $code
    order by record_id limit 50""", {"village": village, "kind": picked[0], "field": picked[1],
                                     "code": picked[2]}).df()
ui.show_table(con, user, examples, what=f"quality_examples:{picked[0]}:{picked[1]}")

repairs = con.execute(f"""
    select field, value as "Trong tệp", detail as "Sau khi sửa"
    from ({FINDINGS}) where code = 'legacy_encoding' limit 20""", {"village": village}).df()
if not repairs.empty:
    st.subheader("Sửa lỗi mã hoá cũ (TCVN3/VNI)")
    repairs = repairs.assign(field=repairs["field"].map(lambda f: FIELD_LABELS.get(f, f)))
    ui.show_table(con, user, repairs.rename(columns={"field": "Trường"}), what="quality_legacy_repairs")

invalid_ids = con.execute(f"""
    select kind, field, code, count(*) as n from ({FINDINGS})
    where field in ('personal_id', 'old_id', 'insurance_no', 'phone') and code in ('invalid', 'inconsistent')
    group by all order by n desc""", {"village": village}).df()
if not invalid_ids.empty:
    st.subheader("Mã định danh, BHYT, điện thoại không hợp lệ")
    st.dataframe(labelled(invalid_ids).rename(columns=HEADERS), hide_index=True)
