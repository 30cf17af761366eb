"""First run (the station head's account), login, the forced and the voluntary password change, logout, the
session cookie and the account box of the sidebar.

A login opens a server-side session (`auth.start_session`); the browser keeps only its signed token, in a cookie
(`COOKIE`, set by a small same-origin script: Streamlit has no server-side way to set one). A new browser session
(F5, a typed page address, a second tab) reads the cookie from the request that opened it
(`st.context.cookies`) and asks `auth.session_user` whether the session is still open: expiry, logout, a
password reset and a deactivated account all end it on the server side, whatever the cookie says.
The token never appears in the URL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import duckdb
import streamlit as st

from hssk import audit, auth, config
from hssk.app import session
from hssk.app.registry import PAGES
from hssk.auth import User
from hssk.errors import HsskError

COOKIE = "hssk_session"
SESSION_TOKEN = "_hssk_session_token"  # the token of this browser session; "" once it is known to be none
_CLEAR_COOKIE = "_hssk_clear_cookie"
_LOGGED_OUT = "_hssk_logged_out"
_COOKIE_BOX = "hssk_cookie"  # a hidden container that holds the cookie scripts
_checked = threading.local()  # the gate's answer for this script run (app.py and the page both ask)


# --- who is logged in --------------------------------------------------------------------------------------------

def client() -> str | None:
    """The browser asking, for the login throttle and the session record: its address and its user agent."""
    try:
        address = st.context.ip_address
        agent = st.context.headers.get("User-Agent")
    except Exception:  # no browser behind this run (AppTest)
        return None
    parts = [p for p in (address, agent) if isinstance(p, str) and p]
    return " · ".join(parts)[:128] if parts else None


def _token() -> str | None:
    """This browser session's token: the one set at login here, else (a new session) the cookie it came with."""
    token = st.session_state.get(SESSION_TOKEN)
    if token is None:
        try:
            token = st.context.cookies.get(COOKIE)
        except Exception:
            token = None
    return token or None


def current_user(con: duckdb.DuckDBPyConnection) -> User | None:
    """The user of this browser session's open session, re-read each run: a role change applies at once, and a
    logout elsewhere, an expiry, a password reset or a deactivation end it."""
    token = _token()
    user = auth.session_user(con, token) if token else None
    if user is None or not user.active:
        if token:
            st.session_state[_CLEAR_COOKIE] = True  # the cookie names a session that is over
        st.session_state[SESSION_TOKEN] = ""  # do not read that cookie again in this browser session
        st.session_state.pop(session.SESSION_USER, None)
        return None
    st.session_state[SESSION_TOKEN] = token
    st.session_state[session.SESSION_USER] = user.user_name
    return user


def _remember(con: duckdb.DuckDBPyConnection, user: User) -> None:
    """Open a server-side session for `user` (just logged in) and keep its token for this browser session."""
    token = auth.start_session(con, user, client=client())
    st.session_state[SESSION_TOKEN] = token
    st.session_state[session.SESSION_USER] = user.user_name
    st.session_state.pop(_CLEAR_COOKIE, None)


def gate(con: duckdb.DuckDBPyConnection) -> User:
    """First run → create the station head; no session → log in; a password to change → only that form.
    Returns only with a logged-in user who may work.

    The forms are served through st.navigation under every page's address, so a page's address opened before
    login shows the form (not "Page not found") and, once logged in, that very page.
    """
    held = getattr(_checked, "run", None)
    if held is not None and held[0] is con:
        return held[1]
    if not auth.has_users(con):
        _only_page(lambda: _first_run_form(con), "Thiết lập lần đầu")
    user = current_user(con)
    if user is None:
        _only_page(lambda: _login_form(con), "Đăng nhập")
    if user.must_change_password:
        _only_page(lambda: _forced_change_form(con, user), "Đổi mật khẩu")
    _checked.run = (con, user)
    return user


def _only_page(render: Callable[[], None], title: str):
    _cookie_scripts()
    pages = [st.Page(render, title=title, url_path=Path(spec.path).stem, default=(i == 0))
             for i, spec in enumerate(PAGES)]
    current = st.navigation(pages, position="hidden")
    if st.session_state.pop(_LOGGED_OUT, False) and current is not pages[0]:
        st.switch_page(pages[0])  # after a logout the next login starts at the home page, not the last one
    current.run()
    st.stop()


# --- the cookie ----------------------------------------------------------------------------------------------

def _cookie_js(value: str, max_age: int) -> str:
    return ("<script>document.cookie = " + repr(f"{COOKIE}={value}; Path=/; Max-Age={max_age}; SameSite=Strict")
            + " + (location.protocol === 'https:' ? '; Secure' : '');</script>")


def _cookie_scripts() -> None:
    """Keep the browser's cookie in step with this session: set it while logged in, remove it after a logout or
    when it names a session that is over. The token is random and signed; the server decides what it opens."""
    token = st.session_state.get(SESSION_TOKEN)
    if token:
        minutes = config.security_settings().session_absolute_minutes
        script = _cookie_js(token, int(minutes * 60))
    elif st.session_state.get(_CLEAR_COOKIE):
        script = _cookie_js("", 0)
    else:
        return
    box = st.container(key=_COOKIE_BOX)
    box.html(f"<style>.st-key-{_COOKIE_BOX}{{display:none}}</style>")
    box.html(script, unsafe_allow_javascript=True)


# --- the forms -----------------------------------------------------------------------------------------------

def _password_rules() -> str:
    length = config.security_settings().min_password_length
    return (f"Mật khẩu dài ít nhất {length} ký tự, không phải mật khẩu phổ biến, không ghép từ tên đăng nhập, "
            "họ tên hay tên trạm. Nên dùng một câu dài dễ nhớ, ví dụ bốn, năm từ không liên quan đến nhau.")


def _first_run_form(con: duckdb.DuckDBPyConnection) -> None:
    st.title("Thiết lập lần đầu")
    st.write("Chưa có tài khoản nào. Hãy tạo tài khoản **trưởng trạm** (quản trị). "
             "Mật khẩu chỉ lưu dưới dạng băm (argon2); hãy ghi nhớ hoặc cất giữ an toàn.")
    st.caption(_password_rules())
    with st.form("first_run"):
        user_name = st.text_input("Tên đăng nhập", placeholder="vd: truongtram")
        display_name = st.text_input("Họ và tên")
        password = st.text_input("Mật khẩu", type="password")
        confirm = st.text_input("Nhập lại mật khẩu", type="password")
        submitted = st.form_submit_button("Tạo tài khoản quản trị", type="primary")
    if not submitted:
        return
    if password != confirm:
        st.error("Hai lần nhập mật khẩu không khớp.")
        return
    with session.writing():
        try:
            user = auth.create_first_admin(con, user_name, password, display_name)
        except HsskError as exc:
            st.error(exc.message)
            return
        audit.record(con, user.user_name, user.role, "first_run")
        result = auth.login(con, user.user_name, password, client=client())  # the first login, as any other
        if result.user is None:
            st.error(result.message)
            return
        _remember(con, result.user)
    st.rerun()


def _login_form(con: duckdb.DuckDBPyConnection) -> None:
    st.title("Đăng nhập")
    st.caption(session.station_name())
    with st.form("login"):
        user_name = st.text_input("Tên đăng nhập")
        password = st.text_input("Mật khẩu", type="password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if not submitted:
        return
    with session.writing():
        # auth.login throttles (growing wait, then a lockout) and records login / login_failed / lockout itself.
        result = auth.login(con, user_name, password, client=client())
        if result.user is None:
            (st.warning if result.status in ("wait", "locked") else st.error)(result.message)
            return
        _remember(con, result.user)
    st.rerun()


def _change_fields(form_key: str, *, old_label: str = "Mật khẩu hiện tại") -> tuple[str, str, str, bool]:
    with st.form(form_key, clear_on_submit=True):
        old = st.text_input(old_label, type="password", key=f"{form_key}_old")
        new = st.text_input("Mật khẩu mới", type="password", key=f"{form_key}_new")
        confirm = st.text_input("Nhập lại mật khẩu mới", type="password", key=f"{form_key}_confirm")
        submitted = st.form_submit_button("Đổi mật khẩu", type="primary", key=f"{form_key}_submit")
    return old, new, confirm, submitted


def _change_password(con: duckdb.DuckDBPyConnection, user: User, old: str, new: str, confirm: str,
                     where=st) -> bool:
    """Apply a change asked for by `user` (the old password is checked, and throttled like a login); every other
    session of the user ends, this one stays. Shows what went wrong in `where`."""
    if new != confirm:
        where.error("Hai lần nhập mật khẩu mới không khớp.")
        return False
    with session.writing():
        try:
            auth.change_password(con, user.user_name, old, new, keep_token=st.session_state.get(SESSION_TOKEN),
                                 client=client())
        except HsskError as exc:
            where.error(exc.message)
            return False
    session.flash("Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn (máy khác, thẻ khác) đã kết thúc.")
    return True


def _forced_change_form(con: duckdb.DuckDBPyConnection, user: User) -> None:
    st.title("Đổi mật khẩu")
    st.info(f"Xin chào {user.display_name}. Mật khẩu này do trưởng trạm cấp hoặc vừa được đặt lại: hãy chọn "
            "mật khẩu mới của riêng bạn trước khi làm việc.")
    st.caption(_password_rules())
    old, new, confirm, submitted = _change_fields("forced_change", old_label="Mật khẩu được cấp")
    if submitted and _change_password(con, user, old, new, confirm):
        st.rerun()
    st.button("Đăng xuất", icon=":material/logout:", key="logout_forced", on_click=logout, args=(user,))


# --- logout and the sidebar ----------------------------------------------------------------------------------

def logout(user: User) -> None:
    """A button callback: it runs before the next script run, on that run's own cursor. The session ends on the
    server (the token opens nothing any more) and the cookie is removed."""
    con = session.connection()
    with session.writing():
        auth.end_session(con, st.session_state.get(SESSION_TOKEN))
        audit.record(con, user.user_name, user.role, "logout")
    for key in (session.SESSION_USER, session.SESSION_VIEWS, session.SESSION_VILLAGE):
        st.session_state.pop(key, None)
    st.session_state[SESSION_TOKEN] = ""
    st.session_state[_CLEAR_COOKIE] = True
    st.session_state[_LOGGED_OUT] = True
    _checked.run = None


def sidebar_account(user: User) -> None:
    con = session.connection()
    with st.sidebar:
        st.caption(session.station_name())
        st.markdown(f"**{user.display_name}**  \n{user.role_label}")
        # A callback runs before the next script run, so that run already shows the login form.
        st.button("Đăng xuất", icon=":material/logout:", key="logout", on_click=logout, args=(user,))
        with st.expander("Đổi mật khẩu", icon=":material/key:"):
            st.caption(_password_rules())
            old, new, confirm, submitted = _change_fields("sidebar_change")
            if submitted and _change_password(con, user, old, new, confirm):
                st.rerun()
        _cookie_scripts()

