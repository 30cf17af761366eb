"""Tra cứu người: search before create. A clerk types what they know of a person about to be given a record by hand;
the five persons already known who are most likely that person come back, with the probability and, field by field,
how the details agreed — and each person's records one click away."""

import pandas as pd
import streamlit as st

from hssk import data_state, labels, link
from hssk.app import nav, privacy, session
from hssk.errors import HsskError
from hssk.fmt import vn_pct
from hssk.link import lookup

FOUND = "_lookup_found"
OPEN = "_lookup_open"
RESULT_COLUMNS = {"rank": "Thứ tự", "match_probability": "Xác suất là người này", "person_id": "Mã người",
                  "kind": "Nguồn", "record_id": "Mã hồ sơ", "full_name": "Họ và tên", "birth_text": "Ngày sinh",
                  "personal_id": "Số định danh", "village": "Thôn"}
UNKNOWN = "Không rõ"

con, user = nav.page("Tra cứu người", "import_data")
session.require_data(con)
st.caption("Trước khi tạo hồ sơ mới bằng tay, hãy tìm xem người này đã có trong dữ liệu chưa: nhập những gì bạn "
           "biết (càng nhiều càng chắc chắn), hệ thống so với mọi hồ sơ bằng chính mô hình ghép nối.")


def open_person(person_id: str) -> None:
    st.session_state[OPEN] = person_id


with st.form("lookup_form"):
    c1, c2, c3 = st.columns([3, 2, 1])
    full_name = c1.text_input("Họ và tên", key="lookup_full_name")
    birth = c2.text_input("Ngày sinh (ngày/tháng/năm hoặc năm sinh)", key="lookup_birth")
    sex = c3.selectbox("Giới tính", [None, "Nam", "Nữ"], key="lookup_sex",
                       format_func=lambda v: UNKNOWN if v is None else v)
    c4, c5, c6 = st.columns(3)
    personal_id = c4.text_input("Số định danh cá nhân / CCCD", key="lookup_personal_id")
    insurance = c5.text_input("Số thẻ BHYT / mã số BHXH", key="lookup_insurance")
    village = c6.selectbox("Thôn", [None, *data_state.villages(con)], key="lookup_village",
                           format_func=lambda v: UNKNOWN if v is None else v)
    submitted = st.form_submit_button("Tìm", type="primary", icon=":material/person_search:")

if submitted:
    fields = {"full_name": full_name, "birth_date": birth, "sex": sex, "personal_id": personal_id,
              "insurance_no": insurance, "village": village}
    st.session_state.pop(OPEN, None)
    try:
        with st.spinner("Đang tìm (vài giây)…"):
            st.session_state[FOUND] = lookup.find_persons(con, fields)
    except HsskError as exc:
        st.session_state.pop(FOUND, None)
        st.error(exc.message)

found: pd.DataFrame | None = st.session_state.get(FOUND)
if found is not None:
    if found.empty:
        st.info("Không tìm thấy ai giống người này trong dữ liệu: có thể tạo hồ sơ mới.")
    else:
        best = float(found["match_probability"].iloc[0])
        if best >= 0.9:
            st.warning(f"Rất có thể người này **đã có hồ sơ** (xác suất {vn_pct(best)}): hãy mở hồ sơ bên dưới "
                       "và kiểm tra trước khi tạo hồ sơ mới.", icon=":material/warning:")
        elif best >= 0.5:
            st.info(f"Có người giống (xác suất {vn_pct(best)}): hãy kiểm tra trước khi tạo hồ sơ mới.")
        else:
            st.success(f"Không ai đủ giống (cao nhất {vn_pct(best)}): có thể tạo hồ sơ mới.")
        shown = found.assign(rank=range(1, len(found) + 1),
                             match_probability=[vn_pct(p) for p in found["match_probability"]])
        table = labels.display(shown, RESULT_COLUMNS, {"kind": labels.KINDS})[list(RESULT_COLUMNS.values())]
        privacy.show_table(con, user, table, what="lookup:" + ",".join(found["person_id"]), key="lookup_table")
        st.markdown("**Vì sao, từng trường** (số trong ngoặc: mức độ bằng chứng, dương là giống, âm là khác)")
        for i, row in found.iterrows():
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown(f"**{i + 1}. {row['person_id']} — {vn_pct(row['match_probability'])}**: "
                          + ("; ".join(row["explanation"]) or "không trường nào so sánh được"))
            right.button("Mở hồ sơ", key=f"lookup_open_{i}", on_click=open_person, args=(row["person_id"],),
                         icon=":material/folder_open:", use_container_width=True)

person = st.session_state.get(OPEN)
if person:
    current = link.resolve_person_id(con, person) or person
    st.subheader(f"Các hồ sơ của người {current}")
    if user.can("review_pairs") and st.button("Mở người này ở trang Đối soát (lịch sử, tách hồ sơ)",
                                              key="lookup_to_review", icon=":material/compare_arrows:"):
        st.session_state["person_lookup"] = current  # the person box of Đối soát's «Xem một người» tab
        st.switch_page("pages/doi_soat.py")
    members = link.person_records(con, current)
    if members.empty:
        st.info("Không có hồ sơ nào thuộc mã người này.")
    else:
        privacy.show_table(con, user, labels.display(
            members, {k: v for k, v in labels.PERSON_RECORD_COLUMNS.items() if k != "record_key"},
            {"kind": labels.KINDS, "sex": labels.SEX}), what=f"person:{current}", key="lookup_person_table")
