"""The app and the command line side by side, with a live `streamlit run app.py` and a real browser.

DuckDB lets one process write a file: the app holds it only while a script run works, so a command run while a
person has the app open succeeds, and what the command changed shows on the person's next page view.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from test_app import PASSWORD, USERS
from test_app_data import demo  # noqa: F401  (session fixture: demo database and its files)
from test_browser import CHROMIUM

from hssk.fmt import vn_int
from tests.live_app import serving

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


def hssk(*args: str, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hssk", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def live(demo, tmp_path_factory):
    base = tmp_path_factory.mktemp("live")
    db_file = base / "hssk.duckdb"
    for path in Path(demo["path"]).parent.glob(Path(demo["path"]).name + "*"):  # the database and its audit keys
        shutil.copy(path, base / path.name.replace(Path(demo["path"]).name, db_file.name, 1))
    with serving(db_file, base) as app:
        yield {**app, "files": Path(demo["path"]).parent / "files"}


@pytest.fixture(scope="module")
def browser_page(live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        context = browser.new_context(viewport={"width": 1280, "height": 1500}, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(60_000)
        yield page
        context.close()
        browser.close()


def idle(page) -> None:
    page.wait_for_timeout(150)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'")


def go(page, title: str) -> str:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=title, exact=True).wait_for()
    idle(page)
    return page.locator("body").inner_text()


def test_commands_work_while_the_app_is_open_and_their_changes_show(live, browser_page):
    page = browser_page
    page.goto(live["url"])
    page.get_by_role("heading", name="Đăng nhập").wait_for()
    idle(page)
    page.get_by_label("Tên đăng nhập", exact=True).fill(USERS["truong_tram"])
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("heading", name="Tổng quan").wait_for()
    idle(page)
    before = json.loads(hssk("kpi", "--json", "--no-snapshot", env=live["env"]).stdout)
    assert vn_int(before["overall"]["residents_alive"]) in page.locator("body").inner_text()

    # A read command while the person has the overview open: it opens the same file and succeeds.
    done = hssk("kpi", "--json", "--no-snapshot", env=live["env"])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["overall"] == before["overall"]

    # A write command: a new register with the first half of its residents (the register is a snapshot: the
    # new file replaces the old one). The import links incrementally and refreshes the figures by itself.
    register = next(live["files"].glob("dan_cu*.xlsx"))
    book = openpyxl.load_workbook(register)
    sheet = book.worksheets[0]
    sheet.delete_rows(2 + (sheet.max_row - 1) // 2, sheet.max_row)
    shorter = live["dir"] / "dan_cu_moi.xlsx"
    book.save(shorter)
    done = hssk("import", "--kind", "population", str(shorter), env=live["env"])
    assert done.returncode == 0, done.stderr
    after = json.loads(hssk("kpi", "--json", "--no-snapshot", env=live["env"]).stdout)
    assert after["overall"]["residents_alive"] < before["overall"]["residents_alive"]

    # The next view shows the command's figures (the cache is keyed by the data state, not served stale).
    go(page, "Thôn")
    body = go(page, "Tổng quan")
    assert vn_int(after["overall"]["residents_alive"]) in body
    assert "Lỗi" not in body


def test_a_page_waits_for_a_command_then_opens(live, browser_page):  # after the test above: logged in
    """While another process holds the file the page waits and says who holds it; when it lets go, the page opens."""
    page = browser_page
    holder = subprocess.Popen(
        [sys.executable, "-c", ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
                                " time.sleep(2.5); c.close(); time.sleep(30)"), str(live["db"])],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Thôn", exact=True).click()
        page.get_by_text("đang chờ chương trình", exact=False).first.wait_for(timeout=10_000)
        waiting = page.locator("body").inner_text()
        assert f"PID {holder.pid}" in waiting
        page.get_by_role("heading", name="Thôn", exact=True).wait_for(timeout=20_000)
        idle(page)
        assert "đang chờ chương trình" not in page.locator("body").inner_text()
    finally:
        holder.kill()
        holder.wait()
