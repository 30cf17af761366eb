"""Danh sách công việc: what to fix next, per village and kind, on screen and as .xlsx."""

import streamlit as st

from hssk import ui

con, user = ui.page("Danh sách công việc", "view_worklists")
ui.require_data(con)
kpi = ui.backend("hssk.kpi")
worklists = ui.backend("hssk.worklists")

village_names = list(ui.cached_or_stop(kpi.compute)["villages"])

village = ui.village_filter(con, options=village_names)
kind = st.selectbox("Loại danh sách", list(worklists.WORKLISTS), key="worklist_kind",
                    format_func=lambda k: worklists.WORKLISTS[k].title)
mask = not user.can("see_personal_data")
if mask:
    st.caption("Số định danh, số thẻ BHYT và số điện thoại được che theo vai trò của bạn.")

frame = worklists.to_display(ui.cached(worklists.build, kind, village=village, mask_ids=mask))
st.caption(f"{ui.fmt_int(len(frame))} dòng — {'toàn xã' if village is None else 'thôn ' + village}.")
ui.show_table(con, user, frame, what=f"worklist:{kind}:{village or ''}")

if user.can("export_worklists"):
    suffix = ui.file_slug(village or "toan_xa")
    left, right = st.columns(2)
    with left:
        ui.download_button(
            user, "Tải danh sách này (.xlsx)",
            lambda c: worklists.export_bytes(c, kind, "xlsx", village=village, mask_ids=mask)[0],
            f"{kind}_{suffix}.xlsx", what=f"worklist:{kind}", key="dl_worklist",
            detail={"village": village, "masked": mask})
    with right:
        ui.download_button(
            user, "Tải tất cả danh sách (.xlsx, mỗi danh sách một trang)",
            lambda c: worklists.export_bytes(c, worklists.ALL, "xlsx", village=village, mask_ids=mask)[0],
            f"tat_ca_danh_sach_{suffix}.xlsx", what="worklist:all", key="dl_worklist_all",
            detail={"village": village, "masked": mask})
