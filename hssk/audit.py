"""The append-only audit log: logins, views of personal data, exports and every decision.

Only `record` writes, and it only inserts. Each row stores the hash of the row before it, so
`verify_chain` finds an edited, deleted or re-ordered row.

    >>> record(con, "an", "xem", "export", target="worklist", detail={"rows": 12, "masked": True})
"""

from __future__ import annotations

import contextvars
import getpass
import hashlib
import json
import threading
from contextlib import contextmanager
from datetime import datetime
from typing import Callable

import duckdb
import pandas as pd

ACTIONS: dict[str, str] = {
    "first_run": "Tạo tài khoản trưởng trạm đầu tiên",
    "login": "Đăng nhập",
    "login_failed": "Đăng nhập thất bại",
    "logout": "Đăng xuất",
    "denied": "Bị từ chối truy cập",
    "view_personal": "Xem dữ liệu cá nhân",
    "export": "Tải xuống",
    "decision": "Quyết định đối soát",
    "import": "Nhập dữ liệu",
    "undo_import": "Hoàn tác lần nhập",
    "link_run": "Chạy ghép nối",
    "user_created": "Tạo tài khoản",
    "user_changed": "Sửa tài khoản",
    "settings_changed": "Sửa cấu hình",
}

# Who is acting: the app sets the logged-in user for each page run; anything else (the command line, a notebook)
# acts as the operating-system user with the role CLI_ROLE. Library functions that change data record their
# action through `record_action`, so the app and the command line leave the same trail.
CLI_ROLE = "dong_lenh"
_actor: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("hssk_actor", default=None)


def current_actor() -> tuple[str, str]:
    """(user_name, role) of whoever is acting now."""
    actor = _actor.get()
    if actor is not None:
        return actor
    try:
        return getpass.getuser(), CLI_ROLE
    except Exception:  # no login name (some containers)
        return "?", CLI_ROLE


def set_actor(user_name: str, role: str) -> None:
    """The app's page gate: everything this run does is done by this user."""
    _actor.set((user_name, role))


@contextmanager
def acting_as(user_name: str, role: str):
    token = _actor.set((user_name, role))
    try:
        yield
    finally:
        _actor.reset(token)


def record_action(con: duckdb.DuckDBPyConnection, action: str, target: str | None = None,
                  detail: dict | None = None) -> int:
    """`record` for the current actor: the door every data-changing library function goes through."""
    user_name, role = current_actor()
    return record(con, user_name, role, action, target=target, detail=detail)


_append_lock = threading.Lock()  # one process writes; two sessions must not fork the hash chain


def record(con: duckdb.DuckDBPyConnection, user_name: str | None, role: str | None, action: str,
           target: str | None = None, detail: dict | None = None) -> int:
    """Append one event and return its audit_id. `detail` is stored as JSON.

    Targets may name records (record keys); only the station head can read the log.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    detail_json = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
    with _append_lock:
        prev = con.execute("select row_hash from audit_log order by audit_id desc limit 1").fetchone()
        prev_hash = prev[0] if prev else ""
        audit_id = con.execute("select nextval('seq_audit')").fetchone()[0]
        at = datetime.now().replace(microsecond=0)
        row_hash = _row_hash(prev_hash, audit_id, at, user_name, role, action, target, detail_json)
        con.execute(
            "insert into audit_log values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [audit_id, at, user_name, role, action, target, detail_json, prev_hash, row_hash],
        )
    return audit_id


def audited_export(con: duckdb.DuckDBPyConnection, user_name: str, role: str, what: str,
                   build: Callable[[], bytes], detail: dict | None = None) -> bytes:
    """Build a download and log it; the log row is written only when the file was built."""
    data = build()
    record(con, user_name, role, "export", target=what, detail={"bytes": len(data), **(detail or {})})
    return data


def read_log(con: duckdb.DuckDBPyConnection, *, user_name: str | None = None, action: str | None = None,
             limit: int = 1000) -> pd.DataFrame:
    """Newest events first, optionally for one user or one action."""
    return con.execute(
        "select audit_id, logged_at, user_name, role, action, target, detail from audit_log"
        " where ($user_name is null or user_name = $user_name) and ($action is null or action = $action)"
        " order by audit_id desc limit $limit",
        {"user_name": user_name, "action": action, "limit": limit},
    ).df()


def verify_chain(con: duckdb.DuckDBPyConnection) -> list[int]:
    """audit_ids whose row no longer matches its hash or its predecessor (empty list = intact)."""
    rows = con.execute(
        "select audit_id, logged_at, user_name, role, action, target, detail, prev_hash, row_hash"
        " from audit_log order by audit_id"
    ).fetchall()
    broken, expected_prev = [], ""
    for audit_id, at, user_name, role, action, target, detail, prev_hash, row_hash in rows:
        recomputed = _row_hash(prev_hash, audit_id, at, user_name, role, action, target, detail)
        if prev_hash != expected_prev or recomputed != row_hash:
            broken.append(audit_id)
        expected_prev = row_hash
    return broken


def _row_hash(prev_hash, audit_id, at, user_name, role, action, target, detail_json) -> str:
    # Re-serialise the detail so DuckDB's JSON formatting on read cannot change the hash.
    detail = json.dumps(json.loads(detail_json or "{}"), ensure_ascii=False, sort_keys=True)
    payload = json.dumps([prev_hash, audit_id, at.isoformat(sep=" "), user_name, role, action, target, detail],
                         ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
