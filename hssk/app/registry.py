"""The page registry: every page of the app, its title, icon and the permission it needs."""

from __future__ import annotations

from dataclasses import dataclass

from hssk import auth


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


def pages_for(role: str) -> list[PageSpec]:
    return [spec for spec in PAGES if auth.can(role, spec.permission)]
