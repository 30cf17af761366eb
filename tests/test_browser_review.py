"""Two reviewers, one pair, in two real browser sessions: one accepts and the other rejects at the same moment.
Exactly one decision stands, the other reviewer is told who decided what and when (no error box), and replacing
that decision is an explicit act (an undo plus the new decision). No request leaves 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app import PASSWORD, USERS
from test_app_data import demo  # noqa: F401  (session fixture: demo database with one account per role)
from test_browser import ARTIFACTS, CHROMIUM, idle
from test_browser_reruns import REASON, server  # noqa: F401  (module fixture: a live app on a copy of the demo)

from hssk import db

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
RECORDED = "Đã ghi quyết định số"
WARNED = "vừa được quyết định trong lúc bạn xem"


def open_review(browser, url: str, role: str):
    context = browser.new_context(viewport={"width": 1280, "height": 1500}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.get_by_role("heading", name="Đăng nhập").wait_for()
    idle(page)
    page.get_by_label("Tên đăng nhập", exact=True).fill(USERS[role])
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("heading", name="Tổng quan").wait_for()
    idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Đối soát / trùng lặp").click()
    page.get_by_label(REASON, exact=True).wait_for()
    idle(page)
    return context, page


def test_two_reviewers_deciding_one_pair_at_once_leave_one_standing_decision(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        try:
            (ctx_a, a), (ctx_b, b) = (open_review(browser, server["url"], role)
                                      for role in ("phan_tich", "truong_tram"))
            for page, reason in ((a, "Cùng họ tên, ngày sinh và thôn"), (b, "Người khác: trùng tên, khác ngày sinh")):
                box = page.get_by_label(REASON, exact=True)
                box.fill(reason)
                box.press("Enter")
                idle(page)
            accept = a.get_by_role("button", name="Cùng một người")
            reject = b.get_by_role("button", name="Khác người")
            accept.wait_for()
            reject.wait_for()
            # The same moment: both clicks are dispatched before either session's run starts.
            accept.evaluate("el => el.click()")
            reject.evaluate("el => el.click()")
            outcomes = {}
            for name, page in (("a", a), ("b", b)):
                error = page.locator("[data-testid=stException]")
                page.get_by_text(RECORDED).or_(page.get_by_text(WARNED)).or_(error).first.wait_for()
                idle(page)
                page.screenshot(path=str(ARTIFACTS / f"review_two_sessions_{name}.png"))
                assert not error.count(), error.first.inner_text()
                assert not page.locator("[data-testid=stAlertContainer]").filter(
                    has=page.locator("[data-testid=stAlertContentError]")).count()
                outcomes[name] = "warned" if page.get_by_text(WARNED).count() else "recorded"
            assert sorted(outcomes.values()) == ["recorded", "warned"], outcomes
            loser = a if outcomes["a"] == "warned" else b
            warning = loser.get_by_text(WARNED).first.inner_text()
            winner_user = USERS["phan_tich"] if loser is b else USERS["truong_tram"]
            assert winner_user in warning and "chưa được ghi" in warning
            # The warned reviewer replaces the standing decision, explicitly.
            loser.get_by_role("button", name="Thay bằng quyết định của tôi").click()
            loser.get_by_text(RECORDED).wait_for()
            idle(loser)
            assert not loser.locator("[data-testid=stException]").count()
            body = a.locator("body").inner_text() + b.locator("body").inner_text()
            assert "This app has encountered an error" not in body and "Traceback" not in body
            ctx_a.close()
            ctx_b.close()
        finally:
            browser.close()

    server["stop"]()
    con = db.connect(server["db"])
    try:
        rows = con.execute("select decision_id, action, user_name, undoes from decisions order by decision_id"
                           ).fetchall()
        standing = con.execute("select action, user_name from decisions_standing").fetchall()
    finally:
        con.close()
    loser_user = USERS["phan_tich"] if loser is a else USERS["truong_tram"]
    loser_action = "accept" if loser is a else "reject"
    winner_action = "reject" if loser is a else "accept"
    first_id = rows[0][0]
    # The refused click stored nothing; the replacement is an undo of the standing decision plus the new one.
    assert [(action, user, undoes) for _, action, user, undoes in rows] == [
        (winner_action, winner_user, None), ("undo", loser_user, first_id), (loser_action, loser_user, None)]
    assert standing == [(loser_action, loser_user)]
    log = server["log"].read_text()
    assert "Traceback" not in log and "ResourceInUse" not in log
