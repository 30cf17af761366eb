"""First run (the station head's account), login, logout and the account box of the sidebar."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import streamlit as st

from hssk import audit, auth
from hssk.app import session
from hssk.auth import User
from hssk.errors import HsskError


def current_user(con: duckdb.DuckDBPyConnection) -> User | None:
    """The logged-in account, re-read each run so a role change or deactivation applies at once."""
    name = st.session_state.get(session.SESSION_USER)
    if not name:
        return None
    user = auth.get_user(con, name)
    if user is None or not user.active:
        st.session_state.pop(session.SESSION_USER, None)
        return None
    return user


def gate(con: duckdb.DuckDBPyConnection) -> User:
    """First run → create the station head; no session → log in. Returns only with a logged-in user.

    The forms are served through st.navigation too: once an app calls st.navigation, Streamlit never
    falls back to running files of pages/ on their own (its older multipage mode).
    """
    if not auth.has_users(con):
        _only_page(lambda: _first_run_form(con), "Thiết lập lần đầu", "thiet-lap")
    user = current_user(con)
    if user is None:
        _only_page(lambda: _login_form(con), "Đăng nhập", "dang-nhap")
    return user


def _only_page(render: Callable[[], None], title: str, url_path: str):
    st.navigation([st.Page(render, title=title, url_path=url_path, default=True)], position="hidden").run()
    st.stop()


def _first_run_form(con: duckdb.DuckDBPyConnection) -> None:
    st.title("Thiết lập lần đầu")
    st.write("Chưa có tài khoản nào. Hãy tạo tài khoản **trưởng trạm** (quản trị). "
             "Mật khẩu chỉ lưu dưới dạng băm (argon2); hãy ghi nhớ hoặc cất giữ an toàn.")
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
        auth.authenticate(con, user.user_name, password)  # the first login, as any other (sets last_login_at)
        audit.record(con, user.user_name, user.role, "login")
    st.session_state[session.SESSION_USER] = user.user_name
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
        user = auth.authenticate(con, user_name, password)
        if user is None:
            audit.record(con, (user_name or "").strip().lower()[:64] or None, None, "login_failed")
            st.error("Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đã bị khóa.")
            return
        audit.record(con, user.user_name, user.role, "login")
    st.session_state[session.SESSION_USER] = user.user_name
    st.rerun()


def logout(user: User) -> None:
    """A button callback: it runs before the next script run, on that run's own cursor."""
    with session.writing():
        audit.record(session.connection(), user.user_name, user.role, "logout")
    for key in (session.SESSION_USER, session.SESSION_VIEWS, session.SESSION_VILLAGE):
        st.session_state.pop(key, None)


def sidebar_account(user: User) -> None:
    with st.sidebar:
        st.caption(session.station_name())
        st.markdown(f"**{user.display_name}**  \n{user.role_label}")
        # A callback runs before the next script run, so that run already shows the login form.
        st.button("Đăng xuất", icon=":material/logout:", key="logout", on_click=logout, args=(user,))
