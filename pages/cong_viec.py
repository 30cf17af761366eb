"""Danh sách công việc: what to fix next, per village and kind, on screen and as .xlsx or .csv; and the record to
enter (the best record of each person, in the platform's column order)."""

import streamlit as st

from hssk import kpi, labels, worklists
from hssk.app import nav, privacy, session, widgets
from hssk.fmt import file_slug, vn_int

con, user = nav.page("Danh sách công việc", "view_worklists")
session.require_data(con)

village_names = list(session.cached_or_stop(kpi.compute)["villages"])

village = widgets.village_filter(con, options=village_names)
kind = st.selectbox("Loại danh sách", list(worklists.WORKLISTS), key="worklist_kind",
                    format_func=lambda k: worklists.WORKLISTS[k].title)
mask = not user.can("see_personal_data")
if mask:
    st.caption("Số định danh, số thẻ BHYT và số điện thoại được che theo vai trò của bạn.")
if kind == "health_fill":
    st.caption("Mỗi dòng là một nhóm thông tin sức khỏe còn thiếu trong HSSK mà hồ sơ giám định BHYT hoặc dữ liệu "
               "khám chữa bệnh, tiêm chủng đã có: giá trị cần nhập kèm nơi khám, ngày khám và mã lượt khám làm bằng "
               "chứng, mới nhất trước.")

raw = session.cached(worklists.build, kind, village=village, mask_ids=mask)
if kind == "missing_record" and "candidate_record_id" in raw.columns:  # search before create (linkage's marks)
    st.caption("Tìm trước khi tạo: người có một hồ sơ HSSK có thể là của mình (đang chờ đối soát) được ghi ở cột "
               f"«{labels.WORKLIST_COLUMNS['action']}», kèm mã hồ sơ ở cột "
               f"«{labels.WORKLIST_COLUMNS['candidate_record_id']}»: hãy kiểm tra hồ sơ đó trước khi tạo mới.")
frame = worklists.to_display(raw)
st.caption(f"{vn_int(len(frame))} dòng — {'toàn xã' if village is None else 'thôn ' + village}.")
privacy.show_table(con, user, frame, what=f"worklist:{kind}:{village or ''}")

if user.can("export_worklists"):
    suffix = file_slug(village or "toan_xa")
    left, right = st.columns(2)
    for column, fmt in ((left, "xlsx"), (right, "csv")):
        with column:
            privacy.download_button(
                user, f"Tải danh sách này (.{fmt})",
                lambda c, fmt=fmt: worklists.export_bytes(c, kind, fmt, village=village, mask_ids=mask)[0],
                f"{kind}_{suffix}.{fmt}", what=f"worklist:{kind}", key=f"dl_worklist_{fmt}",
                detail={"village": village, "masked": mask})
    with left:
        privacy.download_button(
            user, "Tải tất cả danh sách (.xlsx, mỗi danh sách một trang)",
            lambda c: worklists.export_bytes(c, worklists.ALL, "xlsx", village=village, mask_ids=mask)[0],
            f"tat_ca_danh_sach_{suffix}.xlsx", what="worklist:all", key="dl_worklist_all",
            detail={"village": village, "masked": mask})

    st.subheader(labels.WORKLIST_TITLES[worklists.RECORD_TO_ENTER])
    st.caption("Mỗi người một dòng, các trường theo đúng thứ tự cột của hệ thống HSSK; mỗi giá trị lấy từ nguồn "
               "đáng tin nhất theo quy tắc của tệp survivorship.csv, kèm nguồn và ngày, và đánh dấu các trường khác "
               "với HSSK hiện tại. Tệp .xlsx có mỗi thôn một trang.")
    left, right = st.columns(2)
    for column, fmt in ((left, "xlsx"), (right, "csv")):
        with column:
            privacy.download_button(
                user, f"Tải hồ sơ cần nhập (.{fmt})",
                lambda c, fmt=fmt: worklists.export_bytes(c, worklists.RECORD_TO_ENTER, fmt, village=village,
                                                          mask_ids=mask)[0],
                f"ho_so_can_nhap_{suffix}.{fmt}", what=f"worklist:{worklists.RECORD_TO_ENTER}",
                key=f"dl_record_to_enter_{fmt}", detail={"village": village, "masked": mask})
