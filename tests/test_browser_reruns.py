"""Overlapping reruns of one session in a real browser: type the reason, press Enter and click "Cùng một người"
at once — two script runs back to back. Each run has a cursor of its own and the session's writes take turns,
so eight such gestures store eight decisions and show no error. No request leaves 127.0.0.1."""

from __future__ import annotations

import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from test_app import PASSWORD, USERS
from test_app_data import demo  # noqa: F401  (session fixture: demo database with one account per role)
from test_browser import ARTIFACTS, CHROMIUM, idle

from hssk import config, db
from hssk.link import run_linkage
from hssk.link.run import with_thresholds
from tests.live_app import serving

ROOT = Path(__file__).resolve().parent.parent
REASON = "Lý do (bắt buộc khi chấp nhận hoặc từ chối)"
# The text a person can see: text nodes of rendered elements with a readable font size, plus ::before content.
VISIBLE_TEXT = """() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const el = walker.currentNode.parentElement, style = el && getComputedStyle(el);
        if (style && style.display !== 'none' && style.visibility !== 'hidden' && parseFloat(style.fontSize) > 0
                && style.color !== 'rgba(0, 0, 0, 0)' && el.getClientRects().length) out.push(walker.currentNode.data);
    }
    for (const el of document.querySelectorAll('*')) {
        const before = getComputedStyle(el, '::before').content;
        if (before && before !== 'none' && before !== 'normal') out.push(before);
    }
    return out.join('\\n');
}"""

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def server(demo, tmp_path_factory):
    base = tmp_path_factory.mktemp("reruns")
    db_file = base / "hssk.duckdb"
    shutil.copy(demo["path"], db_file)
    # Eight decisions need eight pairs waiting: with a stricter upper threshold more pairs wait for a reviewer
    # (the demo commune's own queue holds only a few).
    cfg = config.load_config()
    cfg["linkage"] = with_thresholds(0.999999, cfg["linkage"].get("lower", 0.5), cfg)
    con = db.connect(db_file)
    try:
        run_linkage(con, config=cfg)
        assert con.execute("select count(*) from review_queue").fetchall()[0][0] >= 8
    finally:
        con.close()
    with serving(db_file, base) as app:
        yield app


def test_eight_fast_type_enter_click_decisions_are_all_stored(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        context = browser.new_context(viewport={"width": 1280, "height": 1500}, locale="vi-VN")
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            page.goto(server["url"])
            page.get_by_role("heading", name="Đăng nhập").wait_for()
            idle(page)
            page.get_by_label("Tên đăng nhập", exact=True).fill(USERS["phan_tich"])
            page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.get_by_role("heading", name="Tổng quan").wait_for()
            idle(page)
            page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Đối soát / trùng lặp").click()
            page.get_by_label(REASON, exact=True).wait_for()
            idle(page)
            for i in range(1, 9):
                box = page.get_by_label(REASON, exact=True)
                box.fill(f"Cùng họ tên, ngày sinh ({i})")
                box.press("Enter")  # one rerun starts…
                page.get_by_role("button", name="Cùng một người").click()  # …and the click starts the next
                error = page.locator("[data-testid=stException]")
                page.get_by_text(f"Đã quyết định {i} ", exact=False).or_(error).first.wait_for()
                idle(page)
                assert not error.count(), (i, error.first.inner_text())
            page.screenshot(path=str(ARTIFACTS / "reruns_after_eight.png"))
            body = page.locator("body").inner_text()
            # Streamlit's own widgets speak English unless told otherwise: what is visible on the import page.
            page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Nhập dữ liệu").click()
            page.locator("[data-testid=stFileUploader]").wait_for()
            idle(page)
            page.screenshot(path=str(ARTIFACTS / "reruns_import_page.png"))
            visible = page.evaluate(VISIBLE_TEXT)
            favicon = page.evaluate("() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
        finally:
            context.close()
            browser.close()

    assert "This app has encountered an error" not in body and "Traceback" not in body
    english = [w for w in ("Drag and drop", "Browse files", "per file", "Download", "Search") if w in visible]
    assert not english, english
    assert "Chọn tệp" in visible  # the page's own words are seen (the check reads the page)
    server["stop"]()
    con = db.connect(server["db"])
    try:
        stored = con.execute("select action, user_name, reason from decisions order by decision_id").fetchall()
        logged = con.execute("select count(*) from audit_log where action = 'decision'").fetchone()[0]
    finally:
        con.close()
    assert [(a, u) for a, u, _ in stored] == [("accept", USERS["phan_tich"])] * 8
    assert sorted(r for _, _, r in stored) == sorted(f"Cùng họ tên, ngày sinh ({i})" for i in range(1, 9))
    assert logged >= 8
    log = server["log"].read_text()
    assert "Traceback" not in log and "ResourceInUse" not in log

    # Everything the page loaded — scripts, fonts, icons, the tab icon — came from the app itself.
    hosts = {urllib.parse.urlsplit(u).hostname for u in requests if not u.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, sorted(u for u in requests if "127.0.0.1" not in u)[:10]
    assert favicon and all(h.startswith((server["url"], "data:")) for h in favicon), favicon
