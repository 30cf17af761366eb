"""The whole journey in a real browser (Debian Chromium, Playwright) against a live `streamlit run app.py`.

First run → create the station head → overview KPIs → accept one pair and reject another → download a
worklist and the monthly report → create a viewer, who sees and downloads identifiers only masked.
Screenshots go to tests/artifacts/ (git-ignored); render times are printed and checked.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import openpyxl
import pytest
from test_app_data import demo  # noqa: F401  (session fixture: demo database, kpi --json, identifiers)

from hssk.fmt import vn_int, vn_pct
from tests.live_app import CHROMIUM, free_port, serving  # noqa: F401  (other browser tests import them here)

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("HSSK_ARTIFACTS", ROOT / "tests" / "artifacts"))
HEAD, VIEWER, PASSWORD = "truongtram", "canboxem", "mat-khau-du-dai-2026"
VIEWER_PASSWORD = "ba con ca boi duoi ao"
# A page switch on cached figures, measured from the click until the script finished and every chart was
# drawn. The Python side is held to 1 s in test_app_data; the browser adds chart drawing, slow on a busy
# 2-core CI machine, hence the margin (measured values are printed).

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def server(demo, tmp_path_factory):
    """`streamlit run app.py` on a copy of the demo database that has no account yet."""
    base = tmp_path_factory.mktemp("browser")
    db_file = base / "hssk.duckdb"
    shutil.copy(demo["pristine"], db_file)
    with serving(db_file, base) as app:
        yield app


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        context = browser.new_context(viewport={"width": 1280, "height": 1500}, accept_downloads=True,
                                      locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page
        page.screenshot(path=str(ARTIFACTS / "99_last.png"))  # where the journey ended (or failed)
        context.close()
        browser.close()


def idle(page) -> float:
    """Wait until the script run triggered by the last action has finished; returns the seconds waited."""
    start = time.monotonic()
    page.wait_for_timeout(150)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'")
    return time.monotonic() - start


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def go(page, title: str) -> float:
    """Open a page from the sidebar navigation; returns the seconds until its script finished and its
    charts were drawn."""
    start = time.monotonic()
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    page.wait_for_function(
        """title => {
            const app = document.querySelector('[data-testid=stApp]');
            const heading = [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === title);
            const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
            const drawn = charts.every(c => c.querySelector('.main-svg'));
            return heading && drawn && app?.dataset.testScriptState === 'notRunning';
        }""", arg=title, polling=50)
    return time.monotonic() - start


def fill(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")  # commit the value before the next click
    idle(page)


def download(page, button: str, target: Path) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    info.value.save_as(target)
    return target.read_bytes()


def xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
                     if c is not None)


def test_the_station_journey(server, page, demo):
    timings = {}
    page.goto(server["url"] + "/doi_soat")  # a page's address before anyone exists: the first-run form
    page.get_by_role("heading", name="Thiết lập lần đầu").wait_for()
    assert "Đối soát" not in page.locator("body").inner_text()
    page.goto(server["url"])
    page.get_by_role("heading", name="Thiết lập lần đầu").wait_for()
    idle(page)
    shot(page, "01_first_run")

    for label, value in (("Tên đăng nhập", HEAD), ("Họ và tên", "Nguyễn Thị Hoa"), ("Mật khẩu", PASSWORD),
                         ("Nhập lại mật khẩu", PASSWORD)):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Tạo tài khoản quản trị").click()
    page.get_by_role("heading", name="Tổng quan").wait_for()
    idle(page)
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    shot(page, "02_overview")
    body = page.locator("body").inner_text()
    overall = demo["kpi"]["overall"]
    assert vn_pct(overall["coverage"]) in body
    assert vn_int(overall["residents_alive"]) in body
    assert page.locator(".js-plotly-plot").count() >= 4  # two gauges, two village charts

    timings["Đối soát"] = go(page, "Đối soát / trùng lặp")
    first = page.locator("strong", has_text="Cặp 1 /").inner_text()
    fill(page, "Lý do (bắt buộc khi chấp nhận hoặc từ chối)", "Cùng họ tên, ngày sinh, số định danh")
    shot(page, "03_review_pair")
    page.get_by_role("button", name="Cùng một người").click()
    page.get_by_text("cùng một người.", exact=False).first.wait_for()
    idle(page)
    fill(page, "Lý do (bắt buộc khi chấp nhận hoặc từ chối)", "Khác ngày sinh và họ tên mẹ")
    page.get_by_role("button", name="Khác người").click()
    page.get_by_text("khác người.", exact=False).first.wait_for()
    idle(page)
    shot(page, "04_review_after_decisions")
    assert "Đã quyết định 2" in page.locator("body").inner_text(), first

    timings["Danh sách công việc"] = go(page, "Danh sách công việc")
    shot(page, "05_worklists")
    worklist = download(page, "Tải danh sách này (.xlsx)", server["dir"] / "head_worklist.xlsx")
    assert worklist[:2] == b"PK" and "Họ và tên" in xlsx_text(worklist)
    assert any(s in xlsx_text(worklist) for s in demo["secrets"])  # the head's file is not masked

    timings["Báo cáo"] = go(page, "Báo cáo")
    shot(page, "06_report")
    report = download(page, "Tải báo cáo (.xlsx)", server["dir"] / "report.xlsx")
    assert set(openpyxl.load_workbook(io.BytesIO(report)).sheetnames) >= {"Báo cáo", "Theo thôn"}

    for title in ("Tổng quan", "Thôn", "Chất lượng dữ liệu", "Nhập dữ liệu"):
        timings[title] = go(page, title)

    # The head creates a viewer; the viewer logs in.
    timings["Quản trị"] = go(page, "Quản trị")
    page.get_by_label("Tên đăng nhập", exact=True).fill(VIEWER)
    page.get_by_label("Họ và tên", exact=True).fill("Cán bộ xem")
    page.get_by_label("Mật khẩu ban đầu", exact=True).fill(PASSWORD)
    page.get_by_test_id("stSelectbox").filter(has_text="Vai trò").first.click()
    page.get_by_role("option", name="Chỉ xem").click()
    page.get_by_role("button", name="Tạo tài khoản").click()
    page.get_by_text(f"Đã tạo tài khoản {VIEWER}").wait_for()
    shot(page, "07_admin")
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_role("heading", name="Đăng nhập").wait_for()
    idle(page)
    page.get_by_label("Tên đăng nhập", exact=True).fill(VIEWER)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    # An account made by the head must choose its own password first: only that form is shown.
    page.get_by_role("heading", name="Đổi mật khẩu").wait_for()
    idle(page)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    page.get_by_label("Mật khẩu được cấp", exact=True).fill(PASSWORD)
    page.get_by_label("Mật khẩu mới", exact=True).fill(VIEWER_PASSWORD)
    page.get_by_label("Nhập lại mật khẩu mới", exact=True).fill(VIEWER_PASSWORD)
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.get_by_role("heading", name="Tổng quan").wait_for()
    idle(page)
    assert "DỮ LIỆU MẪU" in page.locator("body").inner_text()  # the demo says so on every page

    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Đối soát" not in nav and "Quản trị" not in nav and "Nhập dữ liệu" not in nav
    seen = [page.locator("body").inner_text()]
    for title in ("Thôn", "Chất lượng dữ liệu", "Danh sách công việc"):
        go(page, title)
        seen.append(page.locator("body").inner_text())
    shot(page, "08_viewer_worklists")
    masked = download(page, "Tải tất cả danh sách (.xlsx, mỗi danh sách một trang)",
                      server["dir"] / "viewer_worklists.xlsx")
    text = "\n".join(seen) + xlsx_text(masked)
    assert "******" in text
    assert not [s for s in demo["secrets"] if s in text]

    # Render times are measured by benchmarks/pages.py, not asserted here (timing targets live in benchmarks).
    print("first visit, seconds:", {k: round(v, 2) for k, v in timings.items()})
    assert "Traceback" not in server["log"].read_text()
