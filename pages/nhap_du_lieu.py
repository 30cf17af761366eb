"""Nhập dữ liệu: upload a batch, check the header mapping and the findings, then commit (or undo the last)."""

from pathlib import Path

import pandas as pd
import streamlit as st

from hssk import labels, link, quality, refresh
from hssk.app import nav, privacy, session
from hssk.app import uploads as uploads_on_disk
from hssk.errors import HsskError
from hssk.fmt import vn_int
from hssk.ingest import KINDS
from hssk.ingest.headers import ALIASES, label
from hssk.ingest.readers import read_sheets
from hssk.ingest.store import import_files, import_history, last_import, undo_last_import

IGNORE = "_ignore"
KIND_LABELS = labels.KINDS_LONG

con, user = nav.page("Nhập dữ liệu", "import_data")

# What the readers of hssk.ingest take for each kind (claim XML for claims; workbooks and text for the others).
ACCEPTED = {kind: ["xml", "zip"] if kind == "claims" else ["xlsx", "xlsm", "csv", "txt", "tsv"] for kind in KINDS}

kind = st.selectbox("Loại dữ liệu", KINDS, format_func=KIND_LABELS.get, key="import_kind")
st.caption(labels.IMPORT_ACCEPTS[kind])
uploads = st.file_uploader("Chọn tệp — có thể chọn nhiều tệp của cùng một lô", type=ACCEPTED[kind],
                           accept_multiple_files=True, key="import_files")


def field_options(kind: str) -> list[str]:
    return [IGNORE] + list(ALIASES[kind])


def field_label(kind: str, field: str) -> str:
    return "(không dùng — giữ nguyên trong dữ liệu gốc)" if field == IGNORE else label(kind, field)


def mapping_preview(paths: list[Path], kind: str) -> dict[str, str]:
    """Show how each file's headers are read; return the user's fixes (original header → field)."""
    overrides: dict[str, str] = dict(st.session_state.get("import_manual", {}))
    for path in paths:
        try:
            sheets = read_sheets(path, kind, overrides)
        except HsskError as exc:
            st.error(exc.message)
            continue
        for sheet in sheets:
            where = path.name + (f" — trang «{sheet.sheet}»" if sheet.sheet else "")
            with st.expander(f"{where}: tiêu đề ở dòng {sheet.header_row}", expanded=bool(sheet.unknown_columns)):
                rows = [{"Cột trong tệp": sheet.headers[pos], "Trường": field_label(kind, field)}
                        for pos, field in sorted(sheet.mapping.items())]
                privacy.show(pd.DataFrame(rows))
                for header in sheet.unknown_columns:
                    choice = st.selectbox(f"Cột chưa nhận diện: «{header}»", field_options(kind),
                                          format_func=lambda f: field_label(kind, f),
                                          key=f"map::{path.name}::{header}")
                    if choice != IGNORE:
                        overrides[header] = choice
    with st.expander("Gán cột thủ công (khi tệp báo thiếu cột bắt buộc)"):
        c1, c2, c3 = st.columns([3, 3, 1], vertical_alignment="bottom")
        header = c1.text_input("Tên cột đúng như trong tệp", key="manual_header")
        field = c2.selectbox("Là trường", list(ALIASES[kind]), format_func=lambda f: field_label(kind, f),
                             key="manual_field")
        if c3.button("Thêm", key="add_manual") and header.strip():
            st.session_state.setdefault("import_manual", {})[header.strip()] = field
            st.rerun()
    return overrides


PREVIEW_COLUMNS = {"field": "Trường", "code": "Loại phát hiện", "n": "Số dòng", "value": "Giá trị",
                   "detail": "Chi tiết"}


def dry_run_tables(preview: quality.ImportPreview, kind: str) -> tuple[int, pd.DataFrame, pd.DataFrame]:
    """Rows and findings of the batch read into a throwaway database (hssk.quality), in words."""
    words = {"field": lambda f: label(kind, f) if f in ALIASES[kind] else labels.field_label(f),
             "code": labels.finding_label, "detail": labels.finding_detail}
    return (preview.n_rows, labels.display(preview.summary, PREVIEW_COLUMNS, words),
            labels.display(preview.examples, PREVIEW_COLUMNS, words))


if not uploads:
    uploads_on_disk.remove()  # the upload was cancelled (files removed from the uploader)
else:
    paths = uploads_on_disk.saved_paths(uploads)
    st.subheader("1. Đọc tiêu đề cột")
    overrides = mapping_preview(paths, kind)

    st.subheader("2. Kiểm tra trước khi nhập")
    if st.button("Kiểm tra", icon=":material/rule:", key="check_import"):
        try:
            with st.spinner("Đang đọc và chuẩn hoá…"):
                preview = quality.import_preview(paths, kind, overrides)
                st.session_state["import_check"] = (kind, [p.name for p in paths], overrides,
                                                    (*dry_run_tables(preview, kind), int(preview.summary["n"].sum())))
        except HsskError as exc:
            st.error(exc.message)
    check = st.session_state.get("import_check")
    current = (kind, [p.name for p in paths], overrides)
    if check and check[:3] == current:
        n_rows, summary, examples, n_findings = check[3]
        st.success(f"Đọc được {vn_int(n_rows)} dòng; {vn_int(n_findings)} phát hiện.")
        if not summary.empty:
            privacy.show(summary)
            with st.expander("Ví dụ"):
                privacy.show_table(con, user, examples, what="import_preview_findings")

        st.subheader("3. Nhập vào cơ sở dữ liệu")
        note = st.text_input("Ghi chú cho lô nhập (không bắt buộc)", key="import_note")
        if st.button("Nhập", type="primary", icon=":material/database_upload:", key="commit_import"):
            nav.require(con, user, "import_data")
            bar = st.progress(0.0, text="Bắt đầu…")
            with session.writing():
                try:
                    result = import_files(con, paths, kind, overrides=overrides, note=note or None,
                                          progress=lambda f, m: bar.progress(min(max(0.5 * f, 0.0), 1.0), text=m))
                    # The figures follow the import at once: incremental linkage, then the KPIs of this state.
                    refreshed = None if result.batch_id is None else refresh.bring_up_to_date(
                        con, progress=lambda f, m: bar.progress(min(max(0.5 + 0.5 * f, 0.0), 1.0), text=m))
                except HsskError as exc:
                    st.error(exc.message)
                    result = None
            if result is not None:
                session.data_changed()
                st.session_state.pop("import_check", None)
                uploads_on_disk.remove()
                st.success(labels.import_done(result))
                if refreshed is not None:
                    st.success(labels.refresh_done(refreshed))
    elif check:
        st.caption("Tệp, loại dữ liệu hoặc cách gán cột đã thay đổi: hãy bấm «Kiểm tra» lại.")

st.subheader("Lịch sử nhập")
history = import_history(con)
if history.empty:
    st.caption("Chưa có lô nhập nào.")
else:
    privacy.show(labels.display(history, labels.IMPORT_HISTORY_COLUMNS, {"kind": labels.KINDS}))
    last = last_import(con)
    # The head and the analyst may undo the last import; data entry only its own (nothing came after it).
    own_only = not user.can("undo_import")
    if last is not None and user.can("import_data") and (not own_only or last["created_by"] == user.user_name):
        confirm = st.checkbox(f"Tôi muốn hoàn tác lô số {last['batch_id']} ({KIND_LABELS.get(last['kind'])}, "
                              f"{vn_int(last['n_rows'])} dòng)", key="undo_confirm")
        if st.button("Hoàn tác lần nhập gần nhất", disabled=not confirm, icon=":material/undo:", key="undo_import"):
            nav.require(con, user, "import_data")
            bar = st.progress(0.0, text="Bắt đầu…")
            with session.writing():
                try:
                    undone = undo_last_import(con, only_by=user.user_name if own_only else None)
                    refresh.bring_up_to_date(con, progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
                except HsskError as exc:
                    st.error(exc.message)
                    undone = None
            if undone is not None:
                session.data_changed()
                session.flash(f"Đã hoàn tác lô số {undone}; số liệu đã được cập nhật.")
                st.rerun()
    elif last is not None and own_only:
        st.caption("Bạn chỉ hoàn tác được lần nhập gần nhất nếu chính bạn đã nhập lô đó.")

st.subheader("Ghép nối lại toàn bộ")
st.caption("Sau mỗi lần nhập hoặc hoàn tác, số liệu được cập nhật tự động (chỉ chấm điểm các hồ sơ mới hoặc đã "
           "thay đổi). Chạy lại toàn bộ khi cần chấm điểm lại mọi cặp, ví dụ sau khi đổi ngưỡng ghép nối. Các quyết "
           "định đối soát đã ghi vẫn được giữ nguyên.")
if user.can("run_linkage") and st.button("Ghép nối lại toàn bộ", icon=":material/hub:", key="run_linkage"):
    nav.require(con, user, "run_linkage")
    bar = st.progress(0.0, text="Bắt đầu…")
    with session.writing():
        try:
            linked = link.run_linkage(con, full=True,
                                      progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
            refresh.record_state_snapshot(con)
        except HsskError as exc:
            st.error(exc.message)
            linked = None
    if linked is not None:
        session.data_changed()
        st.success(f"Đã ghép nối {vn_int(linked.n_records)} hồ sơ thành {vn_int(linked.n_persons)} người; "
                   f"{vn_int(linked.n_review)} cặp chờ đối soát.")
