"""Sessions in a real browser (Debian Chromium) against a live `streamlit run app.py`: a page's address opened
before login shows the login form (no "Page not found") and that page after login; F5 keeps the user logged in on
that page; a typed page address opens it; the token lives in a cookie, never in the URL; logout ends the session
and F5 then shows the login form."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import CHROMIUM, idle

from hssk import auth, db
from tests.live_app import serving

ROOT = Path(__file__).resolve().parent.parent
HEAD, VIEWER, PASSWORD = "truongtram", "canboxem", "mat-khau-du-dai-2026"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on an empty station database with its head's account."""
    base = tmp_path_factory.mktemp("browser_session")
    db_file = base / "hssk.duckdb"
    con = db.connect(db_file)
    auth.ensure_schema(con)
    auth.create_first_admin(con, HEAD, PASSWORD, "Nguyễn Thị Hoa")
    auth.create_user(con, VIEWER, PASSWORD, "xem", "Cán bộ xem", created_by=HEAD, must_change_password=False)
    con.close()
    with serving(db_file, base) as app:
        yield app


@pytest.fixture(scope="module")
def browser_context(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        context = browser.new_context(viewport={"width": 1280, "height": 1200}, locale="vi-VN")
        yield context
        context.close()
        browser.close()


def heading(page, title: str) -> None:
    page.get_by_role("heading", name=title, exact=True).wait_for()
    idle(page)


def session_cookie(context) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == "hssk_session"), None)


def test_refresh_and_typed_addresses_keep_the_session_and_logout_ends_it(server, browser_context):
    page = browser_context.new_page()
    page.set_default_timeout(30_000)
    url = server["url"]

    page.goto(url + "/doi_soat")  # a bookmarked page, before login
    heading(page, "Đăng nhập")
    body = page.locator("body").inner_text()
    assert "Page not found" not in body and "You have requested" not in body
    assert session_cookie(browser_context) is None

    page.get_by_label("Tên đăng nhập", exact=True).fill(HEAD)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    heading(page, "Đối soát / trùng lặp")  # the page asked for, not Tổng quan
    assert page.url.rstrip("/").endswith("/doi_soat")
    page.wait_for_function("() => document.cookie.includes('hssk_session=')")
    token = session_cookie(browser_context)
    assert token and token not in page.url

    page.reload()  # F5
    heading(page, "Đối soát / trùng lặp")
    assert page.get_by_role("heading", name="Đăng nhập", exact=True).count() == 0

    page.goto(url + "/bao_cao")  # a typed address
    heading(page, "Báo cáo")
    assert page.get_by_role("heading", name="Đăng nhập", exact=True).count() == 0
    assert "Page not found" not in page.locator("body").inner_text()

    second = browser_context.new_page()  # a second tab shares the session
    second.goto(url + "/thon")
    heading(second, "Thôn")

    page.get_by_role("button", name="Đăng xuất").click()
    heading(page, "Đăng nhập")
    page.wait_for_function("() => !location.pathname.endsWith('/bao_cao')")  # the next login starts at home
    page.wait_for_function("() => !document.cookie.includes('hssk_session=')")
    page.reload()
    heading(page, "Đăng nhập")
    second.reload()
    heading(second, "Đăng nhập")

    # the old token opens nothing, even if a copy of the cookie was kept
    browser_context.add_cookies([{"name": "hssk_session", "value": token, "url": url}])
    page.goto(url + "/quan_tri")
    heading(page, "Đăng nhập")

    # a viewer who types the address of a page of the head's: the page's own refusal, in Vietnamese
    page.get_by_label("Tên đăng nhập", exact=True).fill(VIEWER)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("không có quyền", exact=False).wait_for()
    idle(page)
    body = page.locator("body").inner_text()
    assert "Page not found" not in body and "Quản trị" not in page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Traceback" not in server["log"].read_text()
    second.close()
    page.close()
