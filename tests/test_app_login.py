"""Login in the app (throttle and lockout as auth.login decides them, one audit record per attempt), sessions that
end on the server, the forced and the voluntary password change, the login form under a page's own address, the
head's lockouts, password reset and audit check, and every page's status line and demo banner (AppTest)."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest
from test_app import APP, PASSWORD, USERS, accounts, accounts_template, app_db, logged_in, session_token, texts  # noqa: F401
from test_app_data import demo, fresh  # noqa: F401  (fixtures)

from hssk import audit, auth, config, db
from hssk.app import login as app_login
from hssk.app import nav
from hssk.ingest.store import undo_last_import

NEW_PASSWORD = "bon con meo tren mai nha"


def login(at: AppTest, user_name: str, password: str) -> AppTest:
    at.text_input[0].input(user_name)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def actions(path: Path, user_name: str | None = None) -> list[str]:
    con = db.connect(path)
    try:
        return [a for (a, u) in con.execute("select action, user_name from audit_log order by audit_id").fetchall()
                if user_name is None or u == user_name]
    finally:
        con.close()


def security(**values) -> None:
    """Set [security] values in the test's own config.toml (a copy)."""
    text = config.CONFIG_PATH.read_text(encoding="utf-8")
    for key, value in values.items():
        text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        assert n == 1, key
    config.CONFIG_PATH.write_text(text, encoding="utf-8")


def with_db(path: Path, func):
    con = db.connect(path)
    try:
        return func(con)
    finally:
        con.close()


# --- login and its throttle --------------------------------------------------------------------------------

def test_one_audit_record_per_attempt_and_a_wait_said_as_auth_says_it(accounts):
    security(login_free_failures=1, login_delay_seconds=30)
    at = AppTest.from_file(APP, default_timeout=30).run()
    at = login(at, "chixem", "sai-mat-khau-roi")
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in at.error[0].value
    at = login(at, "chixem", "sai-mat-khau-nua")  # after one free failure, each try waits
    assert "hãy chờ" in at.warning[0].value
    at = login(at, "chixem", PASSWORD)  # the right password, during the wait: not even checked
    assert at.title[0].value == "Đăng nhập"
    assert "hãy chờ" in at.warning[0].value and "giây" in at.warning[0].value
    assert app_login.SESSION_TOKEN not in at.session_state or not at.session_state[app_login.SESSION_TOKEN]
    # auth.login records each attempt once; the app adds nothing of its own
    assert actions(accounts, "chixem") == ["login_failed"] * 3
    assert with_db(accounts, lambda c: c.execute(
        "select target from audit_log where action = 'login_failed' order by audit_id").fetchall()) == [
        ("refused",), ("wait",), ("wait",)]


def test_a_lockout_is_shown_and_the_head_lifts_it(accounts):
    security(login_free_failures=5, account_lockout_failures=2)
    at = AppTest.from_file(APP, default_timeout=30).run()
    for attempt in ("sai-mat-khau-mot", "sai-mat-khau-hai"):
        at = login(at, "nhaplieu", attempt)
    at = login(at, "nhaplieu", PASSWORD)
    assert "tạm bị khóa" in at.warning[0].value and "trưởng trạm" in at.warning[0].value
    assert at.title[0].value == "Đăng nhập"
    assert "lockout" in actions(accounts)

    head = logged_in("truong_tram").switch_page("pages/quan_tri.py").run()
    locked = [df.value for df in head.dataframe if "Khóa đến" in df.value.columns]
    assert locked and locked[0]["Tài khoản / máy"].tolist() == ["nhaplieu"]
    assert locked[0]["Loại"].tolist() == ["Tài khoản"]
    head.button(key="clear_lockout").click().run()
    assert not head.exception
    assert any("Đã mở khóa" in s.value for s in head.success)
    assert with_db(accounts, lambda c: auth.list_lockouts(c).empty)
    assert with_db(accounts, lambda c: audit.read_log(c, action="lockout_cleared")["user_name"].tolist()) == [
        "truongtram"]

    at = AppTest.from_file(APP, default_timeout=30).run()
    at = login(at, "nhaplieu", PASSWORD)
    assert at.title[0].value == "Tổng quan"


def test_login_opens_a_server_side_session_and_logout_ends_it(accounts):
    at = AppTest.from_file(APP, default_timeout=30).run()
    at = login(at, "phantich", PASSWORD)
    assert at.title[0].value == "Tổng quan"
    token = at.session_state[app_login.SESSION_TOKEN]
    assert with_db(accounts, lambda c: auth.session_user(c, token).user_name) == "phantich"
    # what the cookie carries: a new browser session with it is the same user (F5, a typed address)
    again = AppTest.from_file(APP, default_timeout=30)
    again.session_state[app_login.SESSION_TOKEN] = token
    assert again.run().title[0].value == "Tổng quan"

    at = at.sidebar.button(key="logout").click().run()
    assert at.title[0].value == "Đăng nhập"
    assert with_db(accounts, lambda c: auth.session_user(c, token)) is None  # ended on the server
    assert again.run().title[0].value == "Đăng nhập"  # the other tab on that session is out too
    # the cookie is removed by the page
    scripts = [h.proto.body for h in at.get("html") if "document.cookie" in h.proto.body]
    assert scripts and "Max-Age=0" in scripts[-1] and token not in scripts[-1]


def test_the_cookie_script_carries_the_token_and_never_the_url(accounts):
    at = logged_in("xem")
    token = at.session_state[app_login.SESSION_TOKEN]
    scripts = [h.proto.body for h in at.get("html") if "document.cookie" in h.proto.body]
    assert len(scripts) == 1
    assert f"{app_login.COOKIE}={token}" in scripts[0] and "SameSite=Strict" in scripts[0]
    assert f"Max-Age={720 * 60}" in scripts[0]  # [security] session_absolute_minutes
    assert token not in str(at.query_params)


def test_a_forged_or_expired_token_shows_the_login_form(accounts):
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[app_login.SESSION_TOKEN] = session_token("xem")[:-2] + "xx"  # signature broken
    assert at.run().title[0].value == "Đăng nhập"
    security(session_idle_minutes=0)
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[app_login.SESSION_TOKEN] = session_token("xem")
    assert at.run().title[0].value == "Đăng nhập"
    assert with_db(accounts, lambda c: audit.read_log(c, action="session_ended")["target"].tolist()) == ["idle"]


def test_a_page_address_opened_before_login_opens_that_page_after_login(accounts):
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("pages/doi_soat.py").run()  # a typed or bookmarked address, in a new browser session
    assert [t.value for t in at.title] == ["Đăng nhập"]
    at = login(at, "phantich", PASSWORD)
    assert not at.exception
    assert at.title[0].value == "Đối soát / trùng lặp"


def test_the_login_form_is_served_under_every_page_address():
    """So a typed page address never meets Streamlit's English "Page not found" box: one hidden login page per page
    of the navigation, under the same address (Streamlit resolves a page by its address)."""
    stems = [Path(spec.path).stem for spec in nav.PAGES]
    assert len(set(stems)) == len(stems) and stems[0] == "tong_quan"


# --- password changes --------------------------------------------------------------------------------------

def make_account(head: AppTest, name: str) -> None:
    head.switch_page("pages/quan_tri.py").run()
    head.text_input(key="new_user_name").input(name)
    head.text_input(key="new_user_display").input("Lê Văn Cường")
    head.selectbox(key="new_user_role").select("nhap_lieu")
    head.text_input(key="new_user_password").input(PASSWORD)
    head.button(key="create_user").click().run()
    assert not head.exception


def change(at: AppTest, form: str, old: str, new: str, confirm: str | None = None) -> AppTest:
    at.text_input(key=f"{form}_old").input(old)
    at.text_input(key=f"{form}_new").input(new)
    at.text_input(key=f"{form}_confirm").input(new if confirm is None else confirm)
    return at.button(key=f"{form}_submit").click().run()


def test_an_account_made_by_the_head_must_change_its_password_first(accounts):
    make_account(logged_in("truong_tram"), "ytethon")
    first = login(AppTest.from_file(APP, default_timeout=30).run(), "ytethon", PASSWORD)
    assert [t.value for t in first.title] == ["Đổi mật khẩu"]
    assert not first.dataframe and not first.metric
    at = AppTest.from_file(APP, default_timeout=30)  # the same session on a page's address: still only the form
    at.session_state[app_login.SESSION_TOKEN] = first.session_state[app_login.SESSION_TOKEN]
    at.switch_page("pages/cong_viec.py").run()
    assert [t.value for t in at.title] == ["Đổi mật khẩu"]
    assert not at.dataframe

    at = change(at, "forced_change", PASSWORD, "matkhau123456")
    assert "phổ biến" in at.error[0].value or "không được" in at.error[0].value
    at = change(at, "forced_change", PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert "không khớp" in at.error[0].value
    at = change(at, "forced_change", PASSWORD, NEW_PASSWORD)
    assert not at.exception
    assert at.title[0].value == "Danh sách công việc"  # the page asked for
    assert any("Đã đổi mật khẩu" in s.value for s in at.success)
    assert with_db(accounts, lambda c: auth.get_user(c, "ytethon").must_change_password) is False
    assert "password_changed" in actions(accounts, "ytethon")


def test_a_user_changes_their_own_password_from_the_sidebar(accounts):
    other_tab = session_token("phan_tich")
    at = logged_in("phan_tich")
    at = change(at, "sidebar_change", "khong-phai-mat-khau", NEW_PASSWORD)
    assert "Mật khẩu hiện tại không đúng" in at.error[0].value
    at = change(at, "sidebar_change", PASSWORD, NEW_PASSWORD)
    assert not at.exception and at.title[0].value == "Tổng quan"
    assert any("Đã đổi mật khẩu" in s.value for s in at.success)
    assert at.run().title[0].value == "Tổng quan"  # this session stays
    assert with_db(accounts, lambda c: auth.session_user(c, other_tab)) is None  # the others end
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert login(at, "phantich", PASSWORD).title[0].value == "Đăng nhập"
    assert login(at, "phantich", NEW_PASSWORD).title[0].value == "Tổng quan"


def test_a_reset_by_the_head_ends_the_users_session_and_forces_a_change(accounts):
    viewer = logged_in("xem")
    assert viewer.title[0].value == "Tổng quan"
    head = logged_in("truong_tram").switch_page("pages/quan_tri.py").run()
    head.selectbox(key="edit_user").select("chixem").run()
    head.text_input(key="edit_password::chixem").input("ngan")  # refused: nothing changes
    head.button(key="save_user").click().run()
    assert "ít nhất" in head.error[0].value
    assert viewer.run().title[0].value == "Tổng quan"
    head.text_input(key="edit_password::chixem").input(NEW_PASSWORD)
    head.button(key="save_user").click().run()
    assert not head.exception
    assert any("phải đổi mật khẩu" in s.value for s in head.success)
    assert viewer.run().title[0].value == "Đăng nhập"  # the open session ended at once
    logged = with_db(accounts, lambda c: audit.read_log(c, action="password_reset"))
    assert logged["user_name"].tolist() == ["truongtram"] and logged["target"].tolist() == ["chixem"]
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "chixem", NEW_PASSWORD)
    assert [t.value for t in at.title] == ["Đổi mật khẩu"]


# --- the audit check on Quản trị ---------------------------------------------------------------------------

def test_the_head_sees_the_audit_check_and_every_break(accounts):
    head = logged_in("truong_tram").switch_page("pages/quan_tri.py").run()
    head.button(key="verify_audit").click().run()
    assert "nguyên vẹn" in head.success[0].value
    code = re.search(r"Mã kiểm tra để ghi lại: \*\*(\S+)\*\*", texts(head)).group(1)
    head.text_input(key="audit_checkpoints").input(code)
    head.button(key="verify_audit").click().run()
    assert "nguyên vẹn" in head.success[0].value  # the code written down still matches
    with_db(accounts, lambda c: c.execute("update audit_log set target = 'sửa tay' where audit_id = 1"))
    head.button(key="verify_audit").click().run()
    assert not head.success
    assert "BỊ CAN THIỆP" in head.error[0].value and "#1" in head.error[0].value


# --- status line and demo banner ---------------------------------------------------------------------------

def test_every_page_shows_the_demo_banner_and_the_data_state(fresh):
    for role in ("truong_tram", "xem"):
        at = logged_in(role)
        for spec in nav.pages_for(role):
            at.switch_page(spec.path).run()
            assert not at.exception, spec.path
            assert "DỮ LIỆU MẪU" in at.warning[0].value, spec.path
            assert "make run DB=data/hssk.duckdb" in at.warning[0].value
            line = [c.value for c in at.caption if c.value.startswith("Lần nhập gần nhất:")]
            assert line and "Số liệu tính đến" in line[0], spec.path


def test_the_status_line_says_when_the_figures_are_behind_the_data(fresh):
    con = db.connect(fresh)
    con.execute("update import_batches set note = null")  # no longer the demo: no banner
    undo_last_import(con)  # the data changed (as `python -m hssk` does it), and no linkage since
    con.close()
    at = logged_in("truong_tram")
    assert not [w for w in at.warning if "DỮ LIỆU MẪU" in w.value]
    behind = [w.value for w in at.warning if w.value.startswith("Số liệu chưa cập nhật theo lần nhập lúc")]
    assert behind and "Ghép nối lại toàn bộ" in behind[0], [w.value for w in at.warning]
    viewer = logged_in("xem")
    assert [w.value for w in viewer.warning if "nhờ cán bộ phân tích" in w.value]

    con = db.connect(fresh)  # a linkage run started and not finished: said as being updated
    con.execute("insert into link_runs (run_id, started_at) select max(run_id) + 1, now() from link_runs")
    con.close()
    at.run()
    assert [w.value for w in at.warning if "đang cập nhật" in w.value]


def test_an_empty_station_database_has_no_banner_and_no_status_line(accounts):
    at = logged_in("truong_tram")
    assert not at.warning
    assert not [c for c in at.caption if c.value.startswith("Lần nhập gần nhất")]


def test_login_forms_lockouts_and_their_audit_events_read_in_vietnamese(accounts):
    from test_app_words import everything, problems

    security(login_free_failures=5, account_lockout_failures=2)
    at = AppTest.from_file(APP, default_timeout=30).run()
    seen = [everything(at)]
    for attempt in ("sai-mat-khau-mot", "sai-mat-khau-hai", PASSWORD):
        at = login(at, "nhaplieu", attempt)
        seen.append(everything(at))
    make_account(logged_in("truong_tram"), "ytethon")
    forced = login(AppTest.from_file(APP, default_timeout=30).run(), "ytethon", PASSWORD)
    seen.append(everything(forced))
    seen.append(everything(change(forced, "forced_change", PASSWORD, "ngan")))
    security(session_idle_minutes=0)
    idle = AppTest.from_file(APP, default_timeout=30)
    idle.session_state[app_login.SESSION_TOKEN] = session_token("xem")
    idle.run()  # a session ended for idleness: one more kind of audit event
    security(session_idle_minutes=30)
    head = logged_in("truong_tram").switch_page("pages/quan_tri.py").run()
    head.button(key="verify_audit").click().run()
    seen.append(everything(head))
    text = "\n".join(seen)
    assert "Tạm khóa đăng nhập" in text and "Tài khoản: nhaplieu" in text and "Quá lâu không thao tác" in text
    assert not problems(text), problems(text)
    assert not re.findall(r"\b(?:refused|wait|locked|idle|expired|inactive|account|client|failures|until)\b", text)
