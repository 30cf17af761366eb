"""Danh sách công việc: what to fix next, per village and kind, on screen and as .xlsx."""

import streamlit as st

from hssk import kpi, worklists
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

frame = worklists.to_display(session.cached(worklists.build, kind, village=village, mask_ids=mask))
st.caption(f"{vn_int(len(frame))} dòng — {'toàn xã' if village is None else 'thôn ' + village}.")
privacy.show_table(con, user, frame, what=f"worklist:{kind}:{village or ''}")

if user.can("export_worklists"):
    suffix = file_slug(village or "toan_xa")
    left, right = st.columns(2)
    with left:
        privacy.download_button(
            user, "Tải danh sách này (.xlsx)",
            lambda c: worklists.export_bytes(c, kind, "xlsx", village=village, mask_ids=mask)[0],
            f"{kind}_{suffix}.xlsx", what=f"worklist:{kind}", key="dl_worklist",
            detail={"village": village, "masked": mask})
    with right:
        privacy.download_button(
            user, "Tải tất cả danh sách (.xlsx, mỗi danh sách một trang)",
            lambda c: worklists.export_bytes(c, worklists.ALL, "xlsx", village=village, mask_ids=mask)[0],
            f"tat_ca_danh_sach_{suffix}.xlsx", what="worklist:all", key="dl_worklist_all",
            detail={"village": village, "masked": mask})
