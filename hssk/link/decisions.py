"""Reviewer decisions: append-only, attributable, reversible, and applied on every run.

accept  — the two records are the same person (adds a link the model may have missed);
reject  — they are different people (they are never put in one person again);
split   — take record_key_l out of its person (its model links are ignored);
undo    — withdraw an earlier decision (`undoes` = its decision_id).
Nothing is ever updated or deleted; the standing decisions are the view `decisions_standing`.

One standing decision per pair (per record for a split). A decision says what the reviewer saw: `seen` is the
decision_id of the standing decision on that pair they were shown (None: none). When the pair was decided
meanwhile (by someone else, or in another tab), the decision is refused with who, when and what; replacing a
standing decision is an explicit act (`replace=True` with `seen` = the decision replaced), recorded as an undo of
it plus the new decision:

    >>> standing = standing_decision(con, "hssk:HS1", "population:001085000001")   # dict or None, shown on the page
    >>> record_decision(con, "reject", "hssk:HS1", "population:001085000001", user="lan", reason="…",
    ...                 seen=standing and standing["decision_id"])          # refused if decided meanwhile
    >>> record_decision(…, seen=standing["decision_id"], replace=True)      # the reviewer chose to replace it

Every decision and undo is written to the audit log (hssk.audit.record_action) by the function that makes it.
"""

from __future__ import annotations

import threading

import duckdb
import pandas as pd

from hssk import audit
from hssk.db import transaction
from hssk.errors import HsskError
from hssk.link.prepare import ensure_schema

ACTIONS = ("accept", "reject", "split")
NOT_SHOWN = object()  # record_decision(seen=…) not given: the caller showed no state (a script, the CLI)
# One process writes the database (DuckDB), but its sessions (the app's cursors) run at once: the check of the
# standing decision and the insert are one step for all of them, or two reviewers could both see "none" and insert.
_decide_lock = threading.Lock()
ACTION_LABELS = {"accept": "cùng một người", "reject": "khác người", "split": "tách khỏi người", "undo": "hủy quyết định"}


def _kind_of(con: duckdb.DuckDBPyConnection, record_key: str) -> str:
    rows = con.execute(
        "select kind from current_clean where record_key = ? limit 1", [record_key]
    ).fetchall()
    if not rows:
        raise HsskError(f"Không tìm thấy hồ sơ '{record_key}' trong dữ liệu hiện tại.", "unknown record_key")
    return rows[0][0]


def standing_decision(con: duckdb.DuckDBPyConnection, record_key_l: str, record_key_r: str | None = None
                      ) -> dict | None:
    """The newest standing decision on a pair (accept or reject, either order), or on one record (split, when
    record_key_r is None): {decision_id, action, user_name, at, reason}, or None."""
    ensure_schema(con)
    return _standing(con, record_key_l, record_key_r)


def _standing(con: duckdb.DuckDBPyConnection, record_key_l: str, record_key_r: str | None) -> dict | None:
    if record_key_r is None:
        sql = ("select decision_id, action, user_name, \"at\", reason from decisions_standing "
               "where action = 'split' and record_key_l = $l order by decision_id desc limit 1")
    else:
        sql = ("select decision_id, action, user_name, \"at\", reason from decisions_standing "
               "where action in ('accept', 'reject') and least(record_key_l, record_key_r) = least($l, $r) "
               "and greatest(record_key_l, record_key_r) = greatest($l, $r) order by decision_id desc limit 1")
    params = {"l": record_key_l} if record_key_r is None else {"l": record_key_l, "r": record_key_r}
    rows = con.execute(sql, params).fetchall()
    if not rows:
        return None
    return dict(zip(("decision_id", "action", "user_name", "at", "reason"), rows[0]))


def describe(decision: dict) -> str:
    """'số 12 «khác người» của lan lúc 02/12/2026 07:15 (lý do: …)'."""
    at = decision["at"].strftime("%d/%m/%Y %H:%M") if decision.get("at") is not None else "?"
    return (f"số {decision['decision_id']} «{ACTION_LABELS.get(decision['action'], decision['action'])}» của "
            f"{decision['user_name']} lúc {at} (lý do: {decision.get('reason') or '—'})")


def record_decision(
    con: duckdb.DuckDBPyConnection,
    action: str,
    record_key_l: str,
    record_key_r: str | None = None,
    *,
    user: str,
    reason: str,
    refresh: bool = True,
    seen: int | None | object = NOT_SHOWN,
    replace: bool = False,
) -> int:
    """Append one decision and (by default) re-derive persons at once. Returns its decision_id.

    `seen`: the decision_id of the standing decision on this pair the reviewer was shown (None: none). A pair
    whose standing decision is not the one seen was decided meanwhile: HsskError saying by whom, when and what.
    A standing decision (the one seen, or any when `seen` is not given) is replaced only with `replace=True`: it is
    withdrawn (an undo) and this one recorded, in one transaction; without it the decision is refused, so a pair
    never has two standing decisions."""
    with _decide_lock:
        decision_id = _record(con, action, record_key_l, record_key_r, user, reason, seen, replace)
        if refresh:
            _refresh(con)
    return decision_id


def _record(con, action, record_key_l, record_key_r, user, reason, seen, replace) -> int:
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
    what = "hồ sơ này" if record_key_r is None else "cặp hồ sơ này"
    with transaction(con):
        standing = _standing(con, record_key_l, record_key_r)
        if seen is not NOT_SHOWN and standing is not None and standing["decision_id"] != seen:
            raise HsskError(f"{what.capitalize()} vừa được quyết định trong lúc bạn xem: {describe(standing)}. "
                            "Hãy xem lại trước khi quyết định.",
                            f"standing decision {standing['decision_id']}, seen {seen}")
        if standing is not None and not replace:
            raise HsskError(f"{what.capitalize()} đã có quyết định {describe(standing)}. Muốn thay bằng quyết "
                            "định mới thì phải chọn thay thế (lệnh decide: thêm --replace).",
                            f"standing decision {standing['decision_id']}")
        undo_id = None
        if standing is not None:
            undo_id = _insert_undo(con, standing["decision_id"], record_key_l, record_key_r, user,
                                   f"thay bằng quyết định mới: {reason.strip()}")
        decision_id = con.execute(
            """
            insert into decisions ("at", user_name, action, record_key_l, record_key_r, reason)
            values (current_timestamp::timestamp, ?, ?, ?, ?, ?)
            returning decision_id
            """,
            [user.strip(), action, record_key_l, record_key_r, reason.strip()],
        ).fetchall()[0][0]
        detail = {"action": action, "decision_id": decision_id, "reason": reason.strip(), "user": user.strip()}
        if standing is not None:
            detail.update(replaces=standing["decision_id"], undo_id=undo_id)
        audit.record_action(con, "decision", target=f"{record_key_l} | {record_key_r}", detail=detail)
    return decision_id


def _insert_undo(con, decision_id: int, record_key_l: str, record_key_r: str | None, user: str, reason: str) -> int:
    return con.execute(
        """
        insert into decisions ("at", user_name, action, record_key_l, record_key_r, reason, undoes)
        values (current_timestamp::timestamp, ?, 'undo', ?, ?, ?, ?)
        returning decision_id
        """,
        [user.strip(), record_key_l, record_key_r, reason, decision_id],
    ).fetchall()[0][0]


def undo_decision(
    con: duckdb.DuckDBPyConnection, decision_id: int, *, user: str, reason: str, refresh: bool = True
) -> int:
    """Withdraw a standing decision (an unmerge when it was an accept). Returns the undo's id."""
    if not (user or "").strip() or not (reason or "").strip():
        raise HsskError("Cần ghi rõ người hủy và lý do hủy.", "empty user or reason")
    with _decide_lock:
        new_id = _undo(con, decision_id, user, reason)
        if refresh:
            _refresh(con)
    return new_id


def _undo(con, decision_id: int, user: str, reason: str) -> int:
    ensure_schema(con)
    with transaction(con):
        rows = con.execute(
            "select action, record_key_l, record_key_r from decisions_standing where decision_id = ?",
            [decision_id],
        ).fetchall()
        row = rows[0] if rows else None
        if row is None:
            raise HsskError(f"Không có quyết định số {decision_id} đang có hiệu lực để hủy.", "not standing")
        new_id = _insert_undo(con, decision_id, row[1], row[2], user, reason.strip())
        audit.record_action(con, "decision", target=str(decision_id),
                            detail={"action": "undo", "decision_id": new_id, "reason": reason.strip(),
                                    "user": user.strip()})
    return new_id


def resolve_record(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """The record_key of a record named the way people name it: its Mã HSSK, a personal ID (the register's
    record, else the one HSSK record carrying it), an insurance number, or a record_key itself ('hssk:HS1').
    An unknown or ambiguous id is an HsskError."""
    text = (text or "").strip()
    if not text:
        raise HsskError("Cần ghi mã hồ sơ.", "empty id")
    rows = con.execute("""
        select distinct record_key, kind, record_id, full_name,
               case when record_key = $t then 0 when record_id = $t and kind in ('hssk', 'population', 'insurance')
                    then 1 else 2 end as rank
        from current_clean
        where record_key = $t or (record_id = $t and kind in ('hssk', 'population', 'insurance'))
            or personal_id = $t or social_insurance_no = $t or insurance_card = $t
        order by rank, record_key""", {"t": text}).fetchall()
    if not rows:
        raise HsskError(f"Không tìm thấy hồ sơ «{text}» trong dữ liệu hiện tại (ghi Mã HSSK, số định danh cá nhân "
                        "hoặc số thẻ BHYT).", "unknown record")
    best = [r for r in rows if r[4] == rows[0][4]]
    if rows[0][4] == 2:  # found only as a personal ID or card number on other records: the register's wins
        register = [r for r in best if r[1] == "population"]
        best = register or best
    if len(best) > 1:
        listed = "; ".join(f"{r[0]} ({r[3] or 'không tên'})" for r in best[:10])
        raise HsskError(f"Mã «{text}» ứng với nhiều hồ sơ: {listed}. Hãy ghi mã hồ sơ đầy đủ.", "ambiguous id")
    return best[0][0]


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
