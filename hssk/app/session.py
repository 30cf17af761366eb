"""The database for a page run, the process-wide write lock, cached calls and messages that survive a rerun.

DuckDB lets one process write a file, so the app holds the database only while it works: a script run (or a
cached computation, or a deferred download) opens it at its start and lets go at its end. One DuckDB instance is
kept alive while any run uses it (each run works on a cursor of its own: with fast reruns Streamlit starts the next
run of a session while the previous one is still finishing, and two runs must never share a cursor); when the last
user lets go the file is closed, and the command line (`python -m hssk …`) can open it. When another process
holds the file, the run waits (the station's `[database] wait_seconds`) with a Vietnamese message naming the
holder, then says plainly that the database is busy. Writes of every session are serialised by `writing()`.

Cached results are keyed by a cheap token of the data state (`hssk.data_state.version`): an import made with the
command line, or another user's decision, shows on the next page view.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from hssk import auth, config, data_state, db
from hssk.errors import HsskError

NO_DATA = "Chưa có dữ liệu — hãy nhập dữ liệu hoặc chạy `python -m hssk demo`."
OPENING = "Đang mở cơ sở dữ liệu…"
BUSY = ("Cơ sở dữ liệu đang được một chương trình khác sử dụng: {holder} vẫn giữ nó sau {seconds} giây chờ "
        "(thường là một lệnh `python -m hssk …` đang ghi dữ liệu). Hãy đợi chương trình đó chạy xong rồi tải lại trang.")
SESSION_USER = "hssk_user"
SESSION_VILLAGE = "_hssk_village"
SESSION_VIEWS = "_hssk_logged_views"
_SESSION_FLASH = "_hssk_flash"
PAGE_WAIT_SECONDS = 5.0  # a page waits at most this long for a file another process holds (then says who holds it)
_run = threading.local()  # the cursor of the script run on this thread
_write_lock = threading.RLock()  # every session's writes, one after the other (a nested write may re-enter)


class _Database:
    """The DuckDB instance of one file while anything in this process uses it (`users` counts them)."""

    guard = threading.Lock()
    open: ClassVar[dict[str, _Database]] = {}  # one per file, shared by every session of this process
    schema_ready: ClassVar[set[str]] = set()

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con, self.users = con, 0

    @classmethod
    def acquire(cls, path: str, on_wait: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
        """A cursor of its own on the file, opening it (waiting for another process if need be) when it is closed."""
        with cls.guard:
            held = cls.open.get(path)
            if held is None:
                con = db.connect(path, wait=min(db.wait_seconds(), PAGE_WAIT_SECONDS), on_wait=on_wait)
                try:
                    if path not in cls.schema_ready:
                        auth.ensure_schema(con)
                        cls.schema_ready.add(path)
                except BaseException:
                    con.close()
                    raise
                held = cls.open[path] = cls(con)
            cursor = held.con.cursor()
            held.users += 1
            return cursor

    @classmethod
    def release(cls, path: str, cursor: duckdb.DuckDBPyConnection) -> None:
        """Close `cursor`; the last one out closes the file."""
        try:
            cursor.close()
        except duckdb.Error:
            pass
        with cls.guard:
            held = cls.open.get(path)
            if held is None:
                return
            held.users -= 1
            if held.users <= 0:
                del cls.open[path]
                try:
                    held.con.close()
                except duckdb.Error:
                    pass


def is_open(path: str | None = None) -> bool:
    """Whether this process holds the database file now (for tests and the benchmark)."""
    return str(path or config.db_path()) in _Database.open


def _run_marker():
    """An object that is new for every script run (Streamlit resets the run context's cursors each run)."""
    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.cursors


def _open_for_page(path: str) -> duckdb.DuckDBPyConnection:
    """A cursor for this run, with a spinner and the holder's name while another process holds the file."""
    box = None

    def waiting(message: str) -> None:
        nonlocal box
        box = st.empty()
        box.warning(message, icon=":material/hourglass_top:")

    try:
        with st.spinner(OPENING):
            cursor = _Database.acquire(path, on_wait=waiting)
    except db.DatabaseBusy as exc:
        if box is not None:
            box.empty()
        st.error(BUSY.format(holder=db.holder_text(exc.holder, exc.pid), seconds=_seconds(PAGE_WAIT_SECONDS)))
        st.stop()
    except HsskError as exc:  # a directory, a full disk: said in Vietnamese by db.connect
        st.error(exc.message)
        st.stop()
    if box is not None:
        box.empty()
    return cursor


def _seconds(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def connection() -> duckdb.DuckDBPyConnection:
    """This script run's own cursor on the database `config.db_path()`, held until the run ends (`end_run`)."""
    path, marker = str(config.db_path()), _run_marker()
    held = getattr(_run, "held", None)
    if held is not None and held[0] is marker and held[1] == path:
        return held[2]
    end_run()
    cursor = _open_for_page(path)
    _run.held = (marker, path, cursor)
    _run.version = None
    return cursor


def end_run() -> None:
    """Close this run's cursor and let go of the file (app.py calls it when the script run ends, however it ends)."""
    held = getattr(_run, "held", None)
    _run.held = None
    _run.version = None
    if held is not None:
        _Database.release(held[1], held[2])


class HeldCursor:
    """A cursor that keeps the database open until it is closed (use it as a context manager, or close it)."""

    def __init__(self, path: str, cursor: duckdb.DuckDBPyConnection):
        self._path, self._cursor = path, cursor

    def __getattr__(self, name):
        return getattr(self._cursor, name)

    def close(self) -> None:
        if self._cursor is not None:
            cursor, self._cursor = self._cursor, None
            _Database.release(self._path, cursor)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def new_cursor() -> HeldCursor:
    """A cursor for work on another thread (deferred downloads, cached calls); close it when done."""
    path = str(config.db_path())
    return HeldCursor(path, _Database.acquire(path))


@contextmanager
def writing():
    """Hold the process-wide write lock: writes of every session (and overlapping runs of one) go one at a time."""
    with _write_lock:
        yield


def data_changed() -> None:
    """Call after any write (import, decision, settings): cached query results are stale."""
    st.cache_data.clear()
    _run.version = None


def forget_version() -> None:
    """This run changed the data state itself (a KPI snapshot): read the token again at the next cached call."""
    _run.version = None


_states_seen: set[tuple[str, str, str]] = set()
_states_guard = threading.Lock()


def first_time_in_state(what: str) -> bool:
    """True once per process for each data state (and `what`): a page does a state's one-off work only once."""
    key = (str(config.db_path()), what, version(history=True))
    with _states_guard:
        if key in _states_seen:
            return False
        _states_seen.add(key)
        return True


def version(history: bool = False) -> str:
    """The data-state token of this run (read once per run on its cursor) and the settings file's date; with
    `history`, the KPI snapshots' token too (for the trend, the projection and the report)."""
    tokens = getattr(_run, "version", None)
    held = getattr(_run, "held", None)
    if tokens is None:
        if held is not None:
            tokens = data_state.version(held[2])
        else:
            with new_cursor() as con:
                tokens = data_state.version(con)
        if held is not None:
            _run.version = tokens
    data, snapshots = tokens
    return f"{data}/{_settings_stamp()}" + (f"/{snapshots}" if history else "")


# Cached calls whose result depends on the KPI history as well as on the data.
_HISTORY_MODULES = ("hssk.progress", "hssk.report", "hssk.report_preview")


def _settings_stamp() -> str:
    stamps = []
    for path in (Path(config.CONFIG_PATH),):
        try:
            stamps.append(str(path.stat().st_mtime_ns))
        except OSError:
            stamps.append("-")
    return ",".join(stamps)


def cached(func: Callable, *args, **kwargs):
    """`func(con, *args, **kwargs)` through Streamlit's cache, on a cursor of its own, for this data state."""
    token = version(history=func.__module__ in _HISTORY_MODULES)
    return _cached_call(f"{func.__module__}.{func.__qualname__}", str(config.db_path()), token, args,
                        tuple(sorted(kwargs.items())), func)


def cached_or_stop(func: Callable, *args, **kwargs):
    """`cached(func, …)`, or its Vietnamese message and the end of the page when the data is not ready yet."""
    try:
        return cached(func, *args, **kwargs)
    except HsskError as exc:
        st.info(exc.message)
        st.stop()


@st.cache_data(show_spinner=False, max_entries=256, ttl="1h")  # ttl: figures dated "today" roll over
def _cached_call(name: str, db_file: str, data_version: str, args: tuple, kwargs: tuple, _func: Callable):
    # `name`, the file and the data version key the cache; `_func` (not hashed: leading underscore) is the function.
    # On a script run's thread the run's own cursor is used: the KPI base tables (temporary, per cursor) are then
    # built once per run, not once per cached call.
    held = getattr(_run, "held", None)
    if held is not None and held[0] is _run_marker() and held[1] == db_file:
        return _func(held[2], *args, **dict(kwargs))
    with new_cursor() as con:
        return _func(con, *args, **dict(kwargs))


def has_data(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the current snapshot holds records (asked once per data state: the first query of a fresh
    connection over the snapshot views costs a few hundred milliseconds at 50,000 residents)."""
    return bool(cached(data_state.has_data))


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
