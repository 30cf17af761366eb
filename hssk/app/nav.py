"""The gate every page starts with: `con, user = nav.page("Tiêu đề", "permission")` (the registry: hssk.app.registry)."""

from __future__ import annotations

import duckdb
import streamlit as st

from hssk import audit, config, data_state
from hssk.app import login, session
from hssk.app.registry import PAGES, PageSpec, pages_for  # noqa: F401  (nav.PAGES is the app's page list)
from hssk.auth import User
from hssk.demo.load import is_demo
from hssk.fmt import vn_datetime

# Streamlit's own table toolbar ("Download as CSV", "Search", "Fullscreen") is English and would download
# personal data outside the audited path: it is hidden; downloads go through privacy.download_button. A table
# editor inside a container keyed "editor_…" keeps its toolbar (adding rows needs it; it holds no personal data).
# The upload box's own English words ("Drag and drop files here", "Browse files") give way to Vietnamese ones.
UPLOAD_WORDS = "Kéo thả tệp vào đây hoặc bấm vào ô này để chọn tệp (tối đa 200 MB mỗi tệp)"
PAGE_STYLE = (
    "<style>[data-testid='stElementToolbar']{display:none !important}"
    "[class*='st-key-editor_'] [data-testid='stElementToolbar']{display:flex !important}"
    "[data-testid='stFileUploaderDropzone'] *{font-size:0 !important;color:transparent !important}"
    "[data-testid='stFileUploaderDropzone'] button{border:none !important;background:none !important}"
    f"[data-testid='stFileUploaderDropzone']::before{{content:'{UPLOAD_WORDS}';font-size:0.95rem}}"
    "</style>")


def page(title: str, permission: str) -> tuple[duckdb.DuckDBPyConnection, User]:
    """Start a page: a logged-in user holding `permission`, else an error and stop."""
    con = session.connection()
    # A page reached without a session (a direct link, or after logging out) shows the login form itself.
    user = login.gate(con)
    audit.set_actor(user.user_name, user.role)
    if not user.can(permission):
        denied(con, user, permission)
    login.sidebar_account(user)  # here, not in app.py: a page run alone (AppTest, a rerun) has it too
    st.html(PAGE_STYLE)
    demo, line, behind = status(con, user)
    if demo:
        st.warning(DEMO_BANNER, icon=":material/science:")
    st.title(title)
    if line:
        (st.warning if behind else st.caption)(line)
    session.show_flash()
    return con, user


DEMO_BANNER = ("**DỮ LIỆU MẪU** — đây là một xã giả lập để tập dùng phần mềm, không phải dữ liệu của trạm. "
               "Để làm việc với dữ liệu của trạm, đóng phần mềm rồi mở cơ sở dữ liệu riêng của trạm: "
               "`make run DB=data/hssk.duckdb`.")


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Changes with every import, undo and linkage run (started or finished): the key of the cached data state."""
    parts = []
    for sql in ("select max(batch_id), count(undone_at) from import_batches",
                "select max(run_id), count(finished_at) from link_runs"):
        try:
            parts.append(str(con.execute(sql).fetchall()[0]))
        except duckdb.CatalogException:  # a table a later step creates
            parts.append("-")
    return "|".join(parts)


@st.cache_data(show_spinner=False, max_entries=32)
def _data_state(db_file: str, fingerprint: str) -> tuple[bool, data_state.DataState]:
    con = session.new_cursor()
    try:
        return is_demo(con), data_state.state(con)
    finally:
        con.close()


def status(con: duckdb.DuckDBPyConnection, user: User) -> tuple[bool, str, bool]:
    """(demo database?, the page's one-line data state, whether the figures are behind the data).

    The state is read once per data state (`_fingerprint`: imports, undos, linkage runs), not on every page."""
    demo, now = _data_state(str(config.db_path()), _fingerprint(con))
    if not now.has_data:
        return demo, "", False
    imported = f"Lần nhập gần nhất: {vn_datetime(now.last_import)}"
    if now.current:
        doing = " · Đang tính lại số liệu…" if now.running else "."
        return demo, f"{imported} · Số liệu tính đến {vn_datetime(now.figures_at)}{doing}", False
    if now.running:
        return demo, (f"Số liệu chưa cập nhật theo lần nhập lúc {vn_datetime(now.last_import)}: đang cập nhật, "
                      "hãy tải lại trang sau ít phút."), True
    since = f" (số liệu đang hiển thị tính đến {vn_datetime(now.figures_at)})" if now.figures_at else ""
    how = ("hãy bấm «Ghép nối lại toàn bộ» trên trang Nhập dữ liệu" if user.can("run_linkage")
           else "hãy nhờ cán bộ phân tích hoặc trưởng trạm cập nhật (trang Nhập dữ liệu)")
    return demo, (f"Số liệu chưa cập nhật theo lần nhập lúc {vn_datetime(now.last_import)}{since}: {how}, "
                  "hoặc chạy lệnh `python -m hssk link`."), True


def denied(con: duckdb.DuckDBPyConnection, user: User, permission: str):
    """Refuse an action (logged), and stop the script."""
    audit.record(con, user.user_name, user.role, "denied", target=permission)
    st.error(f"Vai trò «{user.role_label}» không có quyền thực hiện chức năng này.")
    st.stop()


def require(con: duckdb.DuckDBPyConnection, user: User, permission: str) -> None:
    """Check an action inside a page (a button handler) against the role."""
    if not user.can(permission):
        denied(con, user, permission)
