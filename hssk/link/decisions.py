"""Reviewer decisions: append-only, attributable, reversible, and applied on every run.

accept  — the two records are the same person (adds a link the model may have missed);
reject  — they are different people (they are never put in one person again);
split   — take record_key_l out of its person (its model links are ignored);
undo    — withdraw an earlier decision (`undoes` = its decision_id).
Nothing is ever updated or deleted; the standing decisions are the view `decisions_standing`.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from hssk.errors import HsskError
from hssk.link.prepare import ensure_schema

ACTIONS = ("accept", "reject", "split")
ACTION_LABELS = {"accept": "cùng một người", "reject": "khác người", "split": "tách khỏi người", "undo": "hủy quyết định"}


def _kind_of(con: duckdb.DuckDBPyConnection, record_key: str) -> str:
    rows = con.execute(
        "select kind from current_clean where record_key = ? limit 1", [record_key]
    ).fetchall()
    if not rows:
        raise HsskError(f"Không tìm thấy hồ sơ '{record_key}' trong dữ liệu hiện tại.", "unknown record_key")
    return rows[0][0]


def record_decision(
    con: duckdb.DuckDBPyConnection,
    action: str,
    record_key_l: str,
    record_key_r: str | None = None,
    *,
    user: str,
    reason: str,
    refresh: bool = True,
) -> int:
    """Append one decision and (by default) re-derive persons at once. Returns its decision_id."""
    ensure_schema(con)
    if action not in ACTIONS:
        raise HsskError(f"Quyết định '{action}' không hợp lệ (chỉ nhận accept, reject, split).", action)
    if not (user or "").strip():
        raise HsskError("Cần ghi rõ người ra quyết định.", "empty user")
    if not (reason or "").strip():
        raise HsskError("Cần ghi lý do cho quyết định.", "empty reason")
    kind_l = _kind_of(con, record_key_l)
    if action == "split":
        record_key_r = None
    else:
        if not record_key_r:
            raise HsskError("Quyết định này cần hai hồ sơ.", "record_key_r missing")
        if record_key_r == record_key_l:
            raise HsskError("Hai hồ sơ của quyết định phải khác nhau.", "same record twice")
        kind_r = _kind_of(con, record_key_r)
        if action == "accept" and kind_l == kind_r == "population":
            raise HsskError(
                "Danh sách dân cư không có trùng lặp: không thể ghép hai người trong danh sách dân cư.",
                "accept between two register records",
            )
    decision_id = con.execute(
        """
        insert into decisions ("at", user_name, action, record_key_l, record_key_r, reason)
        values (current_timestamp::timestamp, ?, ?, ?, ?, ?)
        returning decision_id
        """,
        [user.strip(), action, record_key_l, record_key_r, reason.strip()],
    ).fetchall()[0][0]
    if refresh:
        _refresh(con)
    return decision_id


def undo_decision(
    con: duckdb.DuckDBPyConnection, decision_id: int, *, user: str, reason: str, refresh: bool = True
) -> int:
    """Withdraw a standing decision (an unmerge when it was an accept). Returns the undo's id."""
    ensure_schema(con)
    if not (user or "").strip() or not (reason or "").strip():
        raise HsskError("Cần ghi rõ người hủy và lý do hủy.", "empty user or reason")
    rows = con.execute(
        "select action, record_key_l, record_key_r from decisions_standing where decision_id = ?",
        [decision_id],
    ).fetchall()
    row = rows[0] if rows else None
    if row is None:
        raise HsskError(f"Không có quyết định số {decision_id} đang có hiệu lực để hủy.", "not standing")
    new_id = con.execute(
        """
        insert into decisions ("at", user_name, action, record_key_l, record_key_r, reason, undoes)
        values (current_timestamp::timestamp, ?, 'undo', ?, ?, ?, ?)
        returning decision_id
        """,
        [user.strip(), row[1], row[2], reason.strip(), decision_id],
    ).fetchall()[0][0]
    if refresh:
        _refresh(con)
    return new_id


def list_decisions(con: duckdb.DuckDBPyConnection, *, standing_only: bool = False) -> pd.DataFrame:
    """Decisions, newest first, with a `standing` flag."""
    ensure_schema(con)
    frame = con.execute(
        """
        select d.*, d.decision_id in (select decision_id from decisions_standing) as standing
        from decisions as d
        order by d.decision_id desc
        """
    ).df()
    return frame[frame["standing"]] if standing_only else frame


def _refresh(con: duckdb.DuckDBPyConnection) -> None:
    from hssk.link.run import refresh_persons

    refresh_persons(con)
