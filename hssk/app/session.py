"""The database for a page run, the per-session write lock, cached calls and messages that survive a rerun.

One DuckDB connection per process (DuckDB lets one process write a file). Every script run gets a cursor of its
own, closed when the run ends (`end_run`, called by app.py): with fast reruns Streamlit starts the next run of a
session while the previous one is still finishing, and two runs must never share a cursor. Writes of one session
are serialised by `writing()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from hssk import auth, config, data_state, db
from hssk.errors import HsskError

NO_DATA = "Chưa có dữ liệu — hãy nhập dữ liệu hoặc chạy `python -m hssk demo`."
SESSION_USER = "hssk_user"
SESSION_VILLAGE = "_hssk_village"
SESSION_VIEWS = "_hssk_logged_views"
_SESSION_FLASH = "_hssk_flash"
_SESSION_LOCK = "_hssk_write_lock"
_run = threading.local()  # the cursor of the script run on this thread
_lock_guard = threading.Lock()


@st.cache_resource(show_spinner=False)
def _process_connection(path: str) -> duckdb.DuckDBPyConnection:
    con = db.connect(path)
    auth.ensure_schema(con)
    return con


def _run_marker():
    """An object that is new for every script run (Streamlit resets the run context's cursors each run)."""
    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.cursors


def connection() -> duckdb.DuckDBPyConnection:
    """This script run's own cursor on the process-wide connection to `config.db_path()`."""
    path, marker = str(config.db_path()), _run_marker()
    held = getattr(_run, "held", None)
    if held is not None and held[0] is marker and held[1] == path:
        return held[2]
    end_run()
    try:
        cursor = _process_connection(path).cursor()
    except duckdb.IOException:
        # Another process (usually a `python -m hssk …` command) holds the file: DuckDB allows one writer.
        st.error("Cơ sở dữ liệu đang được một chương trình khác sử dụng (ví dụ lệnh `python -m hssk …`). "
                 "Hãy đợi lệnh đó chạy xong rồi tải lại trang.")
        st.stop()
    _run.held = (marker, path, cursor)
    return cursor


def end_run() -> None:
    """Close this run's cursor (app.py calls it when the script run ends, however it ends)."""
    held = getattr(_run, "held", None)
    _run.held = None
    if held is not None:
        try:
            held[2].close()
        except duckdb.Error:
            pass


def new_cursor() -> duckdb.DuckDBPyConnection:
    """A cursor for work on another thread (deferred downloads, cached calls); close it when done."""
    return _process_connection(str(config.db_path())).cursor()


@contextmanager
def writing():
    """Hold this session's write lock: two overlapping runs of one session write one after the other."""
    with _lock_guard:
        lock = st.session_state.get(_SESSION_LOCK)
        if lock is None:
            lock = st.session_state[_SESSION_LOCK] = threading.RLock()  # a nested write of one run may re-enter
    with lock:
        yield


def data_changed() -> None:
    """Call after any write (import, decision, settings): cached query results are stale."""
    st.cache_data.clear()


def cached(func: Callable, *args, **kwargs):
    """`func(con, *args, **kwargs)` through Streamlit's cache, on a cursor of its own."""
    return _cached_call(f"{func.__module__}.{func.__qualname__}", str(config.db_path()), args,
                        tuple(sorted(kwargs.items())), func)


def cached_or_stop(func: Callable, *args, **kwargs):
    """`cached(func, …)`, or its Vietnamese message and the end of the page when the data is not ready yet."""
    try:
        return cached(func, *args, **kwargs)
    except HsskError as exc:
        st.info(exc.message)
        st.stop()


@st.cache_data(show_spinner=False, max_entries=256, ttl="1h")  # ttl: figures dated "today" roll over
def _cached_call(name: str, db_file: str, args: tuple, kwargs: tuple, _func: Callable):
    # `name` keys the cache; `_func` (not hashed: leading underscore) is the function itself.
    con = new_cursor()
    try:
        return _func(con, *args, **dict(kwargs))
    finally:
        con.close()


def has_data(con: duckdb.DuckDBPyConnection) -> bool:
    return data_state.has_data(con)


def require_data(con: duckdb.DuckDBPyConnection) -> None:
    if not has_data(con):
        st.info(NO_DATA)
        st.stop()


def settings() -> dict:
    return config.settings()


def station_name() -> str:
    return settings().get("station", {}).get("name", "Trạm Y tế xã")


def flash(message: str) -> None:
    """A success message that survives the st.rerun() after an action."""
    st.session_state.setdefault(_SESSION_FLASH, []).append(message)


def show_flash() -> None:
    for message in st.session_state.pop(_SESSION_FLASH, []):
        st.success(message)
