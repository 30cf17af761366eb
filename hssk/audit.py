"""The append-only audit log: logins, views of personal data, exports and every decision.

Only `record` writes, and it only inserts. Each row stores the hash of the row before it and an HMAC of its own
hash under a key kept outside the database (`hssk.keys`), and each append moves a signed anchor (length and head of
the chain) kept both in the database and in a file next to it. `verify` therefore finds an edited, deleted or
re-ordered row, a chain recomputed without the key, a cut tail and an emptied log; `verify_report` gives the lines
the command `python -m hssk audit verify` prints.

    >>> record(con, "an", "xem", "export", target="worklist", detail={"rows": 12, "masked": True})
"""

from __future__ import annotations

import contextvars
import getpass
import hashlib
import json
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from hssk import keys
from hssk.fmt import vn_int
from hssk.queries import load_query

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
    "password_changed": "Tự đổi mật khẩu",
    "password_reset": "Đặt lại mật khẩu",
    "lockout": "Tạm khóa đăng nhập",
    "lockout_cleared": "Mở khóa đăng nhập",
    "session_ended": "Phiên đăng nhập kết thúc",
    "audit_break": "Phát hiện nhật ký bị can thiệp",
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
_ANCHOR_FILE = "audit.anchor"


def record(con: duckdb.DuckDBPyConnection, user_name: str | None, role: str | None, action: str,
           target: str | None = None, detail: dict | None = None) -> int:
    """Append one event and return its audit_id. `detail` is stored as JSON.

    Targets may name records (record keys); only the station head can read the log. The row is signed and the
    anchor moved in the same transaction; if the anchor no longer matched the log (a cut tail, an emptied log, a
    missing or forged anchor), an `audit_break` event saying so is written first, so the finding stays in the log.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    detail_json = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
    with _append_lock:
        db_file = keys.database_file(con)
        key = keys.key_for(db_file, "audit")
        anchor_path = keys.side_file(db_file, _ANCHOR_FILE)
        _ensure_tables(con, db_file)
        own = not _in_transaction(con)
        if own:
            con.execute("begin")
        try:
            tail = _tail(con)
            if not own and tail.n_events == 0 and anchor_path is not None and not anchor_path.exists():
                # The first events of a log written inside a caller's transaction (an import): the file cannot
                # take them yet, but it can say the log starts empty, so the next append does not take the missing
                # file for a deleted one. (Safe whatever the caller's transaction does: an empty log is behind it.)
                empty = _signed_anchor(key, tail)
                keys.write_private(anchor_path, json.dumps(empty, ensure_ascii=False, default=str) + "\n")
                con.execute("insert or replace into audit_anchor values (1, ?, ?, ?, ?, ?)",
                            [empty["n_events"], empty["last_audit_id"], empty["head_hash"], empty["updated_at"],
                             empty["mac"]])
            found = _anchor_problems(con, tail, key, anchor_path, cheap=True)
            problems = {p.kind: p for p in reversed(found)}
            for problem in reversed(list(problems.values())):
                tail = _append(con, key, tail, None, None, "audit_break", problem.kind,
                               json.dumps({"message": problem.message}, ensure_ascii=False, sort_keys=True))
            tail = _append(con, key, tail, user_name, role, action, target, detail_json)
            anchor = _signed_anchor(key, tail)
            con.execute("insert or replace into audit_anchor values (1, ?, ?, ?, ?, ?)",
                        [anchor["n_events"], anchor["last_audit_id"], anchor["head_hash"], anchor["updated_at"],
                         anchor["mac"]])
            if own:
                con.execute("commit")
        except BaseException:
            if own:
                con.execute("rollback")
            raise
        path = anchor_path
        # After the commit, so the file never runs ahead of the log: inside the caller's transaction (which may
        # still roll back) it waits for the next append. A file behind the log is fine (the rows are signed).
        if path is not None and own:
            keys.write_private(path, json.dumps(anchor, ensure_ascii=False, default=str) + "\n")
    return tail.last_audit_id


_ensured: set[Path] = set()


def _ensure_tables(con: duckdb.DuckDBPyConnection, db_file: Path | None) -> None:
    """A database last opened by an older version (or only by the command line) gets the signature column and the
    anchor table before the first append (queries/app_schema.sql only adds what is missing)."""
    if db_file in _ensured:
        return
    found = con.execute("select count(*) from duckdb_columns() where schema_name = 'main' and"
                        " ((table_name = 'audit_log' and column_name = 'row_mac') or table_name = 'audit_anchor')"
                        ).fetchone()[0]
    if found < 2:
        con.execute(load_query("app_schema"))
    if db_file is not None:
        _ensured.add(db_file)


@dataclass(frozen=True)
class _Tail:
    n_events: int
    last_audit_id: int | None
    head_hash: str
    n_signed: int = 0


def _tail(con: duckdb.DuckDBPyConnection) -> _Tail:
    n, last_id, head, signed = con.execute(
        "select count(*), max(audit_id), arg_max(row_hash, audit_id), count(row_mac) from audit_log").fetchone()
    return _Tail(n, last_id, head or "", signed)


def _append(con, key, tail: _Tail, user_name, role, action, target, detail_json) -> _Tail:
    audit_id = con.execute("select nextval('seq_audit')").fetchone()[0]
    at = datetime.now().replace(microsecond=0)
    row_hash = _row_hash(tail.head_hash, audit_id, at, user_name, role, action, target, detail_json)
    con.execute(
        "insert into audit_log (audit_id, logged_at, user_name, role, action, target, detail, prev_hash,"
        " row_hash, row_mac) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [audit_id, at, user_name, role, action, target, detail_json, tail.head_hash, row_hash,
         keys.sign(key, row_hash)],
    )
    return _Tail(tail.n_events + 1, audit_id, row_hash, tail.n_signed + 1)


def _in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the caller holds an open transaction (a second `begin` would abort it): outside one, every statement
    gets a new transaction id."""
    first = con.execute("select txid_current()").fetchone()[0]
    return con.execute("select txid_current()").fetchone()[0] == first


def _anchor_message(anchor: dict) -> str:
    return json.dumps([anchor["n_events"], anchor["last_audit_id"], anchor["head_hash"], str(anchor["updated_at"])])


def _signed_anchor(key: bytes, tail: _Tail) -> dict:
    anchor = {"n_events": tail.n_events, "last_audit_id": tail.last_audit_id, "head_hash": tail.head_hash,
              "updated_at": datetime.now().replace(microsecond=0).isoformat(sep=" ")}
    anchor["mac"] = keys.sign(key, _anchor_message(anchor))
    return anchor


def _db_anchor(con: duckdb.DuckDBPyConnection) -> dict | None:
    exists = con.execute("select count(*) from duckdb_tables() where schema_name = 'main'"
                         " and table_name = 'audit_anchor'").fetchone()[0]
    if not exists:  # a database from before anchors, opened read-only
        return None
    row = con.execute("select n_events, last_audit_id, head_hash, updated_at, mac from audit_anchor"
                      " where anchor_id = 1").fetchone()
    if row is None:
        return None
    return {"n_events": row[0], "last_audit_id": row[1], "head_hash": row[2],
            "updated_at": row[3].isoformat(sep=" "), "mac": row[4]}


def _file_anchor(path: Path | None) -> tuple[Path | None, dict | None, bool]:
    """(path, anchor, readable): the anchor file next to the database."""
    if path is None or not path.exists():
        return path, None, True
    try:
        anchor = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(anchor, dict) or not {"n_events", "last_audit_id", "head_hash", "updated_at",
                                                "mac"} <= set(anchor):
            return path, None, False
        return path, anchor, True
    except (OSError, ValueError):
        return path, None, False


def _anchor_problems(con: duckdb.DuckDBPyConnection, tail: _Tail, key: bytes | None, anchor_path: Path | None, *,
                     cheap: bool = False) -> list[Break]:
    """What the two anchors (in the database, in the file next to it) say is wrong with the log's end.

    `cheap` (at each append) looks only at the end of the log; `verify` walks the whole chain besides."""
    problems: list[Break] = []
    signed = tail.n_signed
    db_anchor = _db_anchor(con)
    path, file_anchor, readable = _file_anchor(anchor_path)
    if db_anchor is None:
        if signed or file_anchor is not None:
            problems.append(Break("anchor_missing", "Mất mốc neo trong cơ sở dữ liệu (bảng audit_anchor) dù nhật ký"
                                                    " đã từng được ký: có người đã xóa mốc neo."))
        elif tail.n_events == 0 and not cheap and _has_users(con):
            problems.append(Break("emptied", "Nhật ký trống dù đã có tài khoản (việc tạo tài khoản luôn được ghi):"
                                             " nhật ký và mốc neo đã bị xóa."))
    else:
        problems += _compare(con, tail, key, db_anchor, "Mốc neo trong cơ sở dữ liệu")
    if path is not None:
        if not readable:
            problems.append(Break("anchor_invalid", f"Tệp mốc neo {path.name} bị hỏng."))
        elif file_anchor is None:
            if db_anchor is not None and signed:
                problems.append(Break("anchor_missing", f"Mất tệp mốc neo {path.name} cạnh cơ sở dữ liệu."))
        else:
            problems += _compare(con, tail, key, file_anchor, f"Tệp mốc neo {path.name}", lag_ok=True)
    return problems


def _compare(con, tail: _Tail, key: bytes | None, anchor: dict, where: str, lag_ok: bool = False) -> list[Break]:
    if key is None:
        return [Break("anchor_invalid", f"{where}: không có tệp khóa kiểm toán để kiểm chữ ký"
                                        " (tệp *.audit.key cạnh cơ sở dữ liệu đã mất).")]
    if not keys.signature_ok(key, _anchor_message(anchor), anchor.get("mac")):
        return [Break("anchor_invalid", f"{where} có chữ ký sai: mốc neo đã bị sửa hoặc khóa đã bị thay.")]
    n, last_id, head = anchor["n_events"], anchor["last_audit_id"], anchor["head_hash"]
    if n > 0 and tail.n_events == 0:
        return [Break("emptied", f"{where} ghi {vn_int(n)} sự kiện, đến #{last_id},"
                                 " nay không còn sự kiện nào.")]
    if last_id is None:
        return []
    if tail.last_audit_id is None or tail.last_audit_id < last_id:
        return [Break("cut_tail", f"{where} ghi sự kiện cuối là #{last_id}"
                                  f" ({vn_int(n)} sự kiện), nhật ký nay chỉ đến #{tail.last_audit_id}"
                                  f" ({vn_int(tail.n_events)} sự kiện).", tail.last_audit_id)]
    row = ((tail.head_hash,) if last_id == tail.last_audit_id else
           con.execute("select row_hash from audit_log where audit_id = ?", [last_id]).fetchone())
    if row is None:
        return [Break("deleted", f"{where} ghi sự kiện #{last_id}, sự kiện này đã bị xóa.", last_id)]
    if row[0] != head:
        return [Break("anchor_mismatch", f"Sự kiện #{last_id} không còn khớp với {where.lower()}: chuỗi băm đã bị"
                                         " tính lại sau khi sửa.", last_id)]
    later = tail.last_audit_id > last_id
    if later and not lag_ok:
        extra = con.execute("select count(*) from audit_log where audit_id > ?", [last_id]).fetchone()[0]
        return [Break("added_after_anchor", f"{vn_int(extra)} sự kiện sau #{last_id} được thêm mà không qua phần"
                                            f" mềm ({where.lower()} dừng ở #{last_id}).", last_id)]
    if tail.n_events < n or (not later and tail.n_events != n):
        return [Break("deleted", f"{where} ghi {vn_int(n)} sự kiện, nhật ký còn {vn_int(tail.n_events)}:"
                                 " đã có sự kiện bị xóa.")]
    return []


def _has_users(con: duckdb.DuckDBPyConnection) -> bool:
    exists = con.execute("select count(*) from duckdb_tables() where schema_name = 'main'"
                         " and table_name = 'users'").fetchone()[0]
    return bool(exists) and con.execute("select count(*) from users").fetchone()[0] > 0



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


BREAK_KINDS: dict[str, str] = {
    "edited": "Sự kiện bị sửa",
    "deleted": "Sự kiện bị xóa",
    "bad_signature": "Chữ ký sai",
    "unsigned": "Sự kiện không có chữ ký",
    "cut_tail": "Mất các sự kiện cuối",
    "emptied": "Nhật ký bị xóa sạch",
    "anchor_missing": "Thiếu mốc neo",
    "anchor_invalid": "Mốc neo không hợp lệ",
    "anchor_mismatch": "Mốc neo không khớp",
    "added_after_anchor": "Sự kiện thêm ngoài phần mềm",
    "found_at_append": "Phát hiện khi ghi",
    "checkpoint": "Mã kiểm tra không khớp",
}


@dataclass(frozen=True)
class Break:
    kind: str  # a key of BREAK_KINDS
    message: str  # Vietnamese, for the station head
    audit_id: int | None = None


@dataclass(frozen=True)
class AuditCheck:
    """What `verify` found: every break, and the chain's length and head (for the checkpoint code)."""

    n_events: int
    last_audit_id: int | None
    head_hash: str
    breaks: tuple[Break, ...]
    unsigned_before_anchor: int = 0  # events from before rows were signed: checked by the hash chain only

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def checkpoint(self) -> str:
        """A short code to write down (or print in the monthly report): `verify(con, checkpoints=[code])` later
        proves the log still holds this event with this hash, whoever holds the database and the key."""
        return f"{self.last_audit_id}-{self.head_hash[:12]}" if self.last_audit_id is not None else ""

    def lines(self) -> list[str]:
        head = (f"Nhật ký kiểm toán: {vn_int(self.n_events)} sự kiện"
                + (f", sự kiện cuối #{self.last_audit_id}, mã kiểm tra {self.checkpoint}." if self.n_events else "."))
        out = [head]
        if self.unsigned_before_anchor:
            out.append(f"{vn_int(self.unsigned_before_anchor)} sự kiện cũ ghi trước khi có chữ ký: chỉ kiểm được"
                       " bằng chuỗi băm.")
        if self.ok:
            out.append("Không phát hiện sửa, xóa hay cắt bớt.")
        else:
            out.append(f"PHÁT HIỆN {vn_int(len(self.breaks))} CHỖ HỎNG:")
            out += [f"- {BREAK_KINDS.get(b.kind, b.kind)}: {b.message}" for b in self.breaks]
        return out


def verify(con: duckdb.DuckDBPyConnection, *, checkpoints: Iterable[str] = ()) -> AuditCheck:
    """Walk the whole chain and compare its end with both anchors; never writes.

    Finds an edited row, a deleted row, a chain recomputed without the key, a cut tail, an emptied log, a missing
    or forged anchor, breaks already found at an append, and checkpoint codes that no longer match."""
    columns = {name for (name,) in con.execute(
        "select column_name from duckdb_columns() where schema_name = 'main' and table_name = 'audit_log'"
    ).fetchall()}
    if not columns:  # a database the app never opened: no log yet
        return AuditCheck(0, None, "", ())
    rows = con.execute(
        "select audit_id, logged_at, user_name, role, action, target, detail, prev_hash, row_hash,"
        f" {'row_mac' if 'row_mac' in columns else 'null'} from audit_log order by audit_id"  # older versions: none
    ).fetchall()
    key = keys.get_key(con, "audit", create=False)
    breaks: list[Break] = []
    bad_macs: list[int] = []
    expected_prev, previous_id, signed_seen, legacy = "", None, False, 0
    for audit_id, at, user_name, role, action, target, detail, prev_hash, row_hash, row_mac in rows:
        recomputed = _row_hash(prev_hash, audit_id, at, user_name, role, action, target, detail)
        if recomputed != row_hash:
            breaks.append(Break("edited", f"Sự kiện #{audit_id} ({at:%d/%m/%Y %H:%M}) đã bị sửa sau khi ghi.",
                                audit_id))
        if prev_hash != expected_prev:
            where = f"giữa #{previous_id} và #{audit_id}" if previous_id is not None else f"trước #{audit_id}"
            breaks.append(Break("deleted", f"Mất sự kiện {where}: chuỗi băm bị đứt.", audit_id))
        if row_mac is None:
            if signed_seen:
                breaks.append(Break("unsigned", f"Sự kiện #{audit_id} không có chữ ký: được thêm ngoài phần mềm.",
                                    audit_id))
            else:
                legacy += 1
        else:
            signed_seen = True
            if key is not None and not keys.signature_ok(key, row_hash, row_mac):
                bad_macs.append(audit_id)
        if action == "audit_break":
            message = json.loads(detail or "{}").get("message", "")
            breaks.append(Break("found_at_append", f"Lúc {at:%d/%m/%Y %H:%M} (sự kiện #{audit_id}): {message}",
                                audit_id))
        expected_prev, previous_id = row_hash, audit_id
    for first, last in _ranges(bad_macs):
        span = f"#{first}" if first == last else f"#{first} đến #{last}"
        breaks.append(Break("bad_signature", f"Sự kiện {span} có chữ ký sai: chuỗi băm đã bị tính lại (hoặc tệp"
                                             " khóa đã bị thay).", first))
    tail = _Tail(len(rows), rows[-1][0] if rows else None, rows[-1][8] if rows else "",
                 sum(row[9] is not None for row in rows))
    chain_found_deletion = any(b.kind == "deleted" for b in breaks)
    anchor_path = keys.side_path(con, _ANCHOR_FILE)
    breaks += [b for b in _anchor_problems(con, tail, key, anchor_path) if not (chain_found_deletion and b.kind == "deleted")]
    by_id = {row[0]: row[8] for row in rows}
    for code in checkpoints:
        audit_id, _, prefix = str(code).strip().partition("-")
        try:
            found = by_id.get(int(audit_id))
        except ValueError:
            breaks.append(Break("checkpoint", f"Mã kiểm tra '{code}' không đúng dạng (số-mã)."))
            continue
        if found is None or not prefix or not found.startswith(prefix.lower()):
            what = "không còn trong nhật ký" if found is None else "đã khác"
            breaks.append(Break("checkpoint", f"Mã kiểm tra {code}: sự kiện #{audit_id} {what}.",
                                int(audit_id)))
    return AuditCheck(tail.n_events, tail.last_audit_id, tail.head_hash, tuple(breaks), legacy)


def verify_report(con: duckdb.DuckDBPyConnection, *, checkpoints: Iterable[str] = ()) -> tuple[bool, list[str]]:
    """For `python -m hssk audit verify`: (intact?, Vietnamese lines to print); exit non-zero when not intact."""
    check = verify(con, checkpoints=checkpoints)
    return check.ok, check.lines()


def verify_chain(con: duckdb.DuckDBPyConnection) -> list[int]:
    """audit_ids whose row no longer matches its hash, its signature or its predecessor (empty list = intact).
    `verify` says more: it also finds a cut tail and an emptied log."""
    return sorted({b.audit_id for b in verify(con).breaks
                   if b.kind in ("edited", "deleted", "bad_signature", "unsigned") and b.audit_id is not None})


def _ranges(ids: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i in ids:
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out



def _row_hash(prev_hash, audit_id, at, user_name, role, action, target, detail_json) -> str:
    # Re-serialise the detail so DuckDB's JSON formatting on read cannot change the hash.
    detail = json.dumps(json.loads(detail_json or "{}"), ensure_ascii=False, sort_keys=True)
    payload = json.dumps([prev_hash, audit_id, at.isoformat(sep=" "), user_name, role, action, target, detail],
                         ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
