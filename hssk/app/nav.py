"""The page registry and the gate every page starts with: `con, user = nav.page("Tiêu đề", "permission")`."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import streamlit as st

from hssk import audit, auth
from hssk.app import login, session
from hssk.auth import User


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    permission: str


# The navigation, in order. app.py shows a page only to roles holding its permission, and the page
# checks the permission again when it runs. The icons are drawn from the font Streamlit serves itself.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/tong_quan.py", "Tổng quan", ":material/dashboard:", "view_overview"),
    PageSpec("pages/thon.py", "Thôn", ":material/holiday_village:", "view_village"),
    PageSpec("pages/nhap_du_lieu.py", "Nhập dữ liệu", ":material/upload_file:", "import_data"),
    PageSpec("pages/tra_cuu.py", "Tra cứu người", ":material/person_search:", "import_data"),
    PageSpec("pages/chat_luong.py", "Chất lượng dữ liệu", ":material/fact_check:", "view_quality"),
    PageSpec("pages/doi_soat.py", "Đối soát / trùng lặp", ":material/compare_arrows:", "review_pairs"),
    PageSpec("pages/cong_viec.py", "Danh sách công việc", ":material/checklist:", "view_worklists"),
    PageSpec("pages/bao_cao.py", "Báo cáo", ":material/summarize:", "view_report"),
    PageSpec("pages/quan_tri.py", "Quản trị", ":material/admin_panel_settings:", "manage_users"),
)

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


def pages_for(role: str) -> list[PageSpec]:
    return [spec for spec in PAGES if auth.can(role, spec.permission)]


def page(title: str, permission: str) -> tuple[duckdb.DuckDBPyConnection, User]:
    """Start a page: a logged-in user holding `permission`, else an error and stop."""
    con = session.connection()
    # A page reached without a session (a direct link, or after logging out) shows the login form itself.
    user = login.gate(con)
    audit.set_actor(user.user_name, user.role)
    if not user.can(permission):
        denied(con, user, permission)
    st.html(PAGE_STYLE)
    st.title(title)
    session.show_flash()
    return con, user


def denied(con: duckdb.DuckDBPyConnection, user: User, permission: str):
    """Refuse an action (logged), and stop the script."""
    audit.record(con, user.user_name, user.role, "denied", target=permission)
    st.error(f"Vai trò «{user.role_label}» không có quyền thực hiện chức năng này.")
    st.stop()


def require(con: duckdb.DuckDBPyConnection, user: User, permission: str) -> None:
    """Check an action inside a page (a button handler) against the role."""
    if not user.can(permission):
        denied(con, user, permission)
