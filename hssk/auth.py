"""Local accounts, argon2 password hashes, what each role may do, login throttling and server-side sessions.

There is no default account and no default password: the first person to open an empty workbench
creates the station head (`create_first_admin`). Every page and every action asks `can(role, permission)`.

Login (`login`): wrong passwords are counted per account and per client; after a few, each try must wait a
growing delay, then the account (or client) is locked for a while; lockouts are audited and listed for the head
(`list_lockouts`, `clear_lockout`). Passwords are checked against common and guessable ones
(`validate_password`, data/reference/common_passwords.txt). An account made by the head, or whose password the
head reset, must change it at first login (`User.must_change_password`, `change_password`).
Sessions (`start_session`, `session_user`, `end_session`) live in the database; the browser keeps only a random,
signed token (hssk.keys holds the signing key outside the database).

    >>> can("xem", "review_pairs")
    False
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hssk import audit, keys
from hssk.config import REFERENCE_DIR, SecuritySettings, load_config, security_settings
from hssk.errors import HsskError
from hssk.masking import mask_frame, mask_id  # noqa: F401  (re-exported: one masking rule)
from hssk.queries import load_query

ROLES: dict[str, str] = {
    "truong_tram": "Trưởng trạm",
    "phan_tich": "Cán bộ phân tích",
    "nhap_lieu": "Nhập liệu",
    "xem": "Chỉ xem",
}
ADMIN_ROLE = "truong_tram"

_ALL = frozenset(ROLES)
_STAFF = frozenset({"truong_tram", "phan_tich", "nhap_lieu"})
_ANALYSTS = frozenset({"truong_tram", "phan_tich"})
_HEAD = frozenset({ADMIN_ROLE})

# permission → roles that hold it. A permission missing here is held by nobody.
PERMISSIONS: dict[str, frozenset[str]] = {
    "view_overview": _ALL,
    "view_village": _ALL,
    "view_quality": _ALL,
    "view_worklists": _ALL,
    "export_worklists": _ALL,  # identifiers masked for roles without see_personal_data
    "view_report": _ALL,
    "export_report": _ALL,
    "import_data": _STAFF,
    "undo_import": _ANALYSTS,
    "review_pairs": _ANALYSTS,
    "unmerge": _ANALYSTS,
    "run_linkage": _ANALYSTS,
    "record_snapshot": _ANALYSTS,
    "see_personal_data": _STAFF,
    "manage_users": _HEAD,
    "edit_settings": _HEAD,
    "view_audit": _HEAD,
}

_hasher = PasswordHasher()  # argon2id with a random salt per hash
_write_lock = threading.Lock()  # first-run and last-head checks must not interleave
_throttle_lock = threading.Lock()  # two tries at once must not both pass one check
_USER_NAME = re.compile(r"^[a-z0-9_.]{3,32}$")
MIN_PASSWORD_LENGTH = 10  # the default of [security] min_password_length
MAX_PASSWORD_LENGTH = 128
COMMON_PASSWORDS = REFERENCE_DIR / "common_passwords.txt"
LOCKOUT_SCOPES = {"account": "Tài khoản", "client": "Máy/trình duyệt"}


@dataclass(frozen=True)
class User:
    user_name: str
    display_name: str
    role: str
    active: bool = True
    # The app shows only the change-password form while this is set (an account made or reset by the head).
    must_change_password: bool = field(default=False, compare=False)

    def can(self, permission: str) -> bool:
        return self.active and can(self.role, permission)

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


@dataclass(frozen=True)
class LoginResult:
    """What a login attempt gave: `user` when the password was right, else why not (`message` is for the form)."""

    user: User | None
    status: str  # ok | must_change_password | refused | wait | locked
    message: str = ""
    wait_seconds: int = 0

    @property
    def ok(self) -> bool:
        return self.user is not None


def can(role: str, permission: str) -> bool:
    """Whether `role` holds `permission` (unknown roles and permissions hold nothing)."""
    return role in PERMISSIONS.get(permission, frozenset())


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the account, session, throttle and audit tables when missing (new columns are added to old ones)."""
    con.execute(load_query("app_schema"))


def has_users(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from users").fetchone()[0] > 0


# --- passwords ------------------------------------------------------------------------------------------------

def validate_new_account(user_name: str, password: str, role: str, display_name: str = "") -> None:
    """Raise HsskError with a Vietnamese message when the name, password or role is not acceptable."""
    if not _USER_NAME.match(user_name or ""):
        raise HsskError("Tên đăng nhập phải dài 3–32 ký tự, chỉ gồm chữ thường không dấu, số, '_' hoặc '.'.")
    validate_password(password, user_name, display_name=display_name)
    if role not in ROLES:
        raise HsskError(f"Vai trò không hợp lệ: {role}.")


def validate_password(password: str, user_name: str = "", *, display_name: str = "",
                      settings: SecuritySettings | None = None) -> None:
    """Refuse (HsskError, Vietnamese) a password that is short, only spaces, common, or made of what an attacker
    knows (user name, the person's name, station and commune, "mật khẩu", roles) with digits or symbols added, or
    a repeated character, a run like 1234567890 or a phone number. Length counts spaces in a row as one."""
    settings = settings or _settings()
    password = password or ""
    if password and not password.strip():
        raise HsskError("Mật khẩu không được chỉ gồm dấu cách.")
    length = len(re.sub(r" {2,}", " ", password))
    if length < settings.min_password_length:
        raise HsskError(f"Mật khẩu phải có ít nhất {settings.min_password_length} ký tự"
                        " (nhiều dấu cách liền nhau tính là một).")
    if length > MAX_PASSWORD_LENGTH:
        raise HsskError(f"Mật khẩu dài tối đa {MAX_PASSWORD_LENGTH} ký tự.")
    if user_name and password.strip().lower() == user_name.strip().lower():
        raise HsskError("Mật khẩu không được trùng tên đăng nhập.")
    reason = password_weakness(password, user_name, display_name=display_name)
    if reason:
        raise HsskError(reason)


def password_weakness(password: str, user_name: str = "", *, display_name: str = "") -> str | None:
    """Why `password` is guessable (Vietnamese), or None. Length is checked by `validate_password`."""
    plain = _fold(password)
    compact = re.sub(r"\s+", "", plain)
    common_exact, common_words = _common_passwords()
    context = _context_words(user_name, display_name)
    if compact in context:
        return "Mật khẩu không được là tên đăng nhập, họ tên hay tên trạm, xã."
    if compact in common_exact:
        return ("Mật khẩu này nằm trong danh sách mật khẩu phổ biến, dễ bị đoán. Hãy chọn một câu dài dễ nhớ,"
                " ví dụ bốn, năm từ không liên quan đến nhau.")
    if _is_run(compact):
        return "Mật khẩu chỉ là ký tự lặp lại hoặc một dãy liên tiếp (như 1111111111, 1234567890, qwertyuiop)."
    if re.fullmatch(r"(\+?84|0)[35789]\d{8}", compact):
        return "Mật khẩu giống một số điện thoại: người quen dễ đoán được."
    letters = re.sub(r"[^a-z]", "", compact)
    rest = re.sub(r"[a-z]", "", compact)
    if letters and _made_of(letters, common_words | context) and (len(rest) < 6 or _is_run(rest)):
        return ("Mật khẩu không được ghép từ tên đăng nhập, họ tên, tên trạm hay xã, chữ \"mật khẩu\" hay một từ"
                " phổ biến, dù có thêm số hay ký hiệu (như matkhau123, truongtram1).")
    return None


def _fold(text: str) -> str:
    """Lower case without diacritics (đ → d), for comparing with word lists."""
    text = unicodedata.normalize("NFD", (text or "").lower().replace("đ", "d"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=4)
def _load_common(path: str, mtime: float) -> tuple[frozenset[str], frozenset[str]]:
    exact, words = set(), set()
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    for line in lines:
        entry = "" if line.startswith("#") else re.sub(r"\s+", "", _fold(line))
        if not entry:
            continue
        exact.add(entry)
        letters = re.sub(r"[^a-z]", "", entry)
        if len(letters) >= 2:
            words.add(letters)
    return frozenset(exact), frozenset(words)


def _common_passwords() -> tuple[frozenset[str], frozenset[str]]:
    """(entries as written, their letters): the editable list data/reference/common_passwords.txt."""
    return _load_common(str(COMMON_PASSWORDS), COMMON_PASSWORDS.stat().st_mtime)


def _context_words(user_name: str, display_name: str) -> frozenset[str]:
    """What someone who knows the station and the person would try: their names and the station's."""
    try:
        station = load_config().get("station", {})
    except OSError:
        station = {}
    words = set()
    for text in (user_name, display_name, station.get("name", ""), station.get("commune", ""),
                 station.get("province", "")):
        parts = [p for p in re.split(r"[^a-z0-9]+", _fold(str(text))) if p]
        joined = "".join(parts)
        for item in parts + [joined, "".join(p for p in parts if p not in ("tram", "y", "te", "xa", "phuong"))]:
            letters = re.sub(r"[^a-z]", "", item)
            if len(letters) >= 2:
                words.add(letters)
    return frozenset(words)


def _made_of(letters: str, words: frozenset[str]) -> bool:
    """Whether `letters` is a concatenation of `words` (word break)."""
    reachable = [True] + [False] * len(letters)
    for end in range(1, len(letters) + 1):
        reachable[end] = any(reachable[start] and letters[start:end] in words for start in range(end))
    return reachable[-1]


_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")


def _is_run(text: str) -> bool:
    """A short pattern repeated (1111111111, 1212121212, abcabcabc) or a run along the keyboard or alphabet."""
    if not text:
        return True
    for period in range(1, 5):
        if len(text) > period and all(text[i] == text[i % period] for i in range(len(text))):
            return True
    for row in _KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            if text in line * 3:
                return True
    return False


# --- accounts -------------------------------------------------------------------------------------------------

def create_user(con: duckdb.DuckDBPyConnection, user_name: str, password: str, role: str,
                display_name: str = "", created_by: str | None = None, *,
                must_change_password: bool | None = None) -> User:
    """Add an account with an argon2 hash of `password`. Raises HsskError if the name is taken.

    An account made by someone else (`created_by`) must change its password at first login unless
    `must_change_password=False` says otherwise."""
    user_name = (user_name or "").strip().lower()
    validate_new_account(user_name, password, role, display_name)
    must_change = created_by is not None if must_change_password is None else must_change_password
    with _write_lock:
        if get_user(con, user_name) is not None:
            raise HsskError(f"Tên đăng nhập '{user_name}' đã tồn tại.")
        now = datetime.now()
        con.execute(
            "insert into users (user_name, display_name, role, password_hash, active, created_at, created_by,"
            " must_change_password, password_changed_at, credential_version)"
            " values (?, ?, ?, ?, true, ?, ?, ?, ?, 0)",
            [user_name, display_name.strip() or user_name, role, _hasher.hash(password), now, created_by,
             must_change, now],
        )
    return User(user_name, display_name.strip() or user_name, role, True, must_change)


def create_first_admin(con: duckdb.DuckDBPyConnection, user_name: str, password: str,
                       display_name: str = "") -> User:
    """First run only: create the station head (who chose the password: no change forced). Refuses once any
    account exists."""
    with _write_lock:
        if has_users(con):
            raise HsskError("Đã có tài khoản quản trị; hãy đăng nhập.")
    return create_user(con, user_name, password, ADMIN_ROLE, display_name, created_by=None)


def get_user(con: duckdb.DuckDBPyConnection, user_name: str) -> User | None:
    row = con.execute("select user_name, display_name, role, active, coalesce(must_change_password, false)"
                      " from users where user_name = ?", [(user_name or "").strip().lower()]).fetchone()
    return User(*row) if row else None


def list_users(con: duckdb.DuckDBPyConnection, *, password_state: bool = False) -> pd.DataFrame:
    """Accounts without their hashes, one row per account; `password_state` adds must_change_password and
    password_changed_at."""
    extra = (", coalesce(must_change_password, false) as must_change_password, password_changed_at"
             if password_state else "")
    return con.execute(
        f"select user_name, display_name, role, active, created_at, created_by, last_login_at{extra}"
        " from users order by user_name"
    ).df()


def set_role(con: duckdb.DuckDBPyConnection, user_name: str, role: str) -> None:
    """A new role applies at the user's next page (sessions read the role from the account each time)."""
    if role not in ROLES:
        raise HsskError(f"Vai trò không hợp lệ: {role}.")
    with _write_lock:
        _keep_one_head(con, user_name, new_role=role, new_active=True)
        con.execute("update users set role = ? where user_name = ?", [role, user_name])


def set_active(con: duckdb.DuckDBPyConnection, user_name: str, active: bool) -> None:
    """Deactivating an account ends its open sessions."""
    with _write_lock:
        if not active:
            _keep_one_head(con, user_name, new_role=None, new_active=False)
        con.execute("update users set active = ? where user_name = ?", [active, user_name])
    if not active:
        end_user_sessions(con, user_name, reason="inactive")


def set_password(con: duckdb.DuckDBPyConnection, user_name: str, password: str, *,
                 must_change: bool = True) -> None:
    """The head resets a user's password: the user's open sessions end, and the user must choose a new password
    at the next login (unless `must_change=False`). Recorded as `password_reset` for the current actor."""
    user = get_user(con, user_name)
    if user is None:
        raise HsskError(f"Không có tài khoản '{user_name}'.")
    validate_password(password, user.user_name, display_name=user.display_name)
    _set_hash(con, user.user_name, password, must_change=must_change)
    ended = end_user_sessions(con, user.user_name, reason="password")
    audit.record_action(con, "password_reset", target=user.user_name,
                        detail={"must_change_password": must_change, "sessions_ended": ended})


def change_password(con: duckdb.DuckDBPyConnection, user_name: str, old_password: str, new_password: str, *,
                    keep_token: str | None = None, client: str | None = None) -> User:
    """A user changes their own password (the old one is required, and counts as a login try for the throttle).
    Every other session of the user ends; the session `keep_token` (the one asking) stays open."""
    result = _check_password(con, user_name, old_password, client=client, touch_login=False)
    if result.user is None:
        if result.status == "refused":
            raise HsskError("Mật khẩu hiện tại không đúng.")
        raise HsskError(result.message)
    user = result.user
    if new_password == old_password:
        raise HsskError("Mật khẩu mới phải khác mật khẩu hiện tại.")
    validate_password(new_password, user.user_name, display_name=user.display_name)
    _set_hash(con, user.user_name, new_password, must_change=False)
    keep_hash = _session_hash_if_signed(con, keep_token)
    ended = end_user_sessions(con, user.user_name, reason="password", except_token_hash=keep_hash)
    if keep_hash:
        con.execute("update sessions set credential_version = (select credential_version from users"
                    " where user_name = ?) where token_hash = ? and ended_at is null", [user.user_name, keep_hash])
    audit.record(con, user.user_name, user.role, "password_changed", detail={"sessions_ended": ended})
    return get_user(con, user.user_name)


def _set_hash(con: duckdb.DuckDBPyConnection, user_name: str, password: str, *,
              must_change: bool | None = None) -> None:
    """Store a new hash. With `must_change` given this is a new password (not a rehash): the credential version is
    raised, which ends sessions started before."""
    if must_change is None:
        con.execute("update users set password_hash = ? where user_name = ?", [_hasher.hash(password), user_name])
        return
    con.execute("update users set password_hash = ?, must_change_password = ?, password_changed_at = ?,"
                " credential_version = coalesce(credential_version, 0) + 1 where user_name = ?",
                [_hasher.hash(password), must_change, datetime.now(), user_name])


def _keep_one_head(con: duckdb.DuckDBPyConnection, user_name: str, new_role: str | None,
                   new_active: bool) -> None:
    """Refuse a change that would leave no active station head (nobody could manage accounts)."""
    user = get_user(con, user_name)
    if user is None:
        raise HsskError(f"Không có tài khoản '{user_name}'.")
    stays_head = new_active and (new_role or user.role) == ADMIN_ROLE
    if user.role == ADMIN_ROLE and user.active and not stays_head:
        others = con.execute("select count(*) from users where role = ? and active and user_name <> ?",
                             [ADMIN_ROLE, user_name]).fetchone()[0]
        if others == 0:
            raise HsskError("Phải còn ít nhất một trưởng trạm đang hoạt động.")


# --- login and its throttle -----------------------------------------------------------------------------------

def login(con: duckdb.DuckDBPyConnection, user_name: str, password: str, *, client: str | None = None,
          now: datetime | None = None) -> LoginResult:
    """A login attempt from the form, audited (`login`, `login_failed`, `lockout`): the caller records nothing.

    `client` identifies the browser or machine (e.g. its address): failures from one client are throttled
    whatever account they try. While a delay or lockout runs, the password is not even checked."""
    result = _check_password(con, user_name, password, client=client, now=now)
    typed = _typed_name(user_name)
    if result.user is not None:
        audit.record(con, result.user.user_name, result.user.role, "login", detail=_client_detail(client))
    else:
        audit.record(con, typed or None, None, "login_failed", target=result.status,
                     detail=_client_detail(client))
    return result


def authenticate(con: duckdb.DuckDBPyConnection, user_name: str, password: str, *, client: str | None = None,
                 now: datetime | None = None) -> User | None:
    """The active user whose password matches, else None (same answer for unknown name, bad password, and a try
    refused by the throttle). Throttled like `login`; records lockouts but not the login itself."""
    return _check_password(con, user_name, password, client=client, now=now).user


def _check_password(con, user_name: str, password: str, *, client: str | None, now: datetime | None = None,
                    touch_login: bool = True) -> LoginResult:
    settings = _settings()
    now = now or datetime.now()
    typed = _typed_name(user_name)
    subjects = [("account", typed)] + ([("client", str(client)[:128])] if client else [])
    with _throttle_lock:
        for scope, subject in subjects:
            refusal = _throttle_refusal(con, settings, scope, subject, now)
            if refusal is not None:
                return refusal
        user = _verify(con, typed, password, touch_login=touch_login, now=now)
        if user is None:
            for scope, subject in subjects:
                _count_failure(con, settings, scope, subject, now)
            return LoginResult(None, "refused", "Tên đăng nhập hoặc mật khẩu không đúng.")
        con.execute("delete from login_throttle where scope = 'account' and subject = ?", [typed])
    if user.must_change_password:
        return LoginResult(user, "must_change_password", "Bạn cần đổi mật khẩu trước khi làm việc.")
    return LoginResult(user, "ok")


def _verify(con, typed: str, password: str, *, touch_login: bool, now: datetime) -> User | None:
    row = con.execute("select password_hash from users where user_name = ? and active", [typed]).fetchone()
    if row is None:
        _hasher.hash(password or "")  # spend the same time as a real check: no name probing by timing
        return None
    try:
        _hasher.verify(row[0], password or "")
    except (VerificationError, InvalidHashError):
        return None
    if touch_login:
        con.execute("update users set last_login_at = ? where user_name = ?", [now, typed])
    if _hasher.check_needs_rehash(row[0]):
        _set_hash(con, typed, password)
    return get_user(con, typed)


def _typed_name(user_name: str) -> str:
    return (user_name or "").strip().lower()[:64]


def _client_detail(client: str | None) -> dict:
    return {"client": str(client)[:128]} if client else {}


def _throttle_refusal(con, settings: SecuritySettings, scope: str, subject: str, now: datetime) -> LoginResult | None:
    row = _throttle_row(con, settings, scope, subject, now)
    if row is None:
        return None
    failures, last_failure_at, locked_until = row
    if locked_until is not None and locked_until > now:
        minutes = max(1, math.ceil((locked_until - now).total_seconds() / 60))
        who = "Tài khoản này" if scope == "account" else "Máy này"
        return LoginResult(None, "locked", f"{who} tạm bị khóa đăng nhập vì nhập sai mật khẩu nhiều lần. Thử lại"
                                           f" sau {minutes} phút, hoặc nhờ trưởng trạm mở khóa.",
                           math.ceil((locked_until - now).total_seconds()))
    delay = _delay_seconds(settings, failures)
    ready = last_failure_at + timedelta(seconds=delay)
    if delay and ready > now:
        seconds = math.ceil((ready - now).total_seconds())
        return LoginResult(None, "wait", f"Nhập sai nhiều lần: hãy chờ {seconds} giây rồi thử lại.", seconds)
    return None


def _delay_seconds(settings: SecuritySettings, failures: int) -> float:
    """Wait required after `failures` wrong tries: none for the first few, then doubling up to the cap."""
    over = failures - settings.login_free_failures
    if over < 0:
        return 0.0
    return min(settings.login_max_delay_seconds, settings.login_delay_seconds * 2 ** min(over, 30))


def _throttle_row(con, settings: SecuritySettings, scope: str, subject: str, now: datetime):
    row = con.execute("select failures, last_failure_at, locked_until from login_throttle"
                      " where scope = ? and subject = ?", [scope, subject]).fetchone()
    if row is None:
        return None
    _, last_failure_at, locked_until = row
    forgotten = now - last_failure_at > timedelta(minutes=settings.failure_window_minutes)
    if forgotten and (locked_until is None or locked_until <= now):
        return None
    return row


def _count_failure(con, settings: SecuritySettings, scope: str, subject: str, now: datetime) -> None:
    row = _throttle_row(con, settings, scope, subject, now)
    failures = (row[0] if row else 0) + 1
    first = con.execute("select first_failure_at from login_throttle where scope = ? and subject = ?",
                        [scope, subject]).fetchone() if row else None
    limit = settings.account_lockout_failures if scope == "account" else settings.client_lockout_failures
    locked_until = now + timedelta(minutes=settings.lockout_minutes) if limit and failures >= limit else None
    con.execute("insert or replace into login_throttle values (?, ?, ?, ?, ?, ?)",
                [scope, subject, failures, first[0] if first else now, now, locked_until])
    if locked_until is not None:
        audit.record(con, subject if scope == "account" else None, None, "lockout", target=f"{scope}:{subject}",
                     detail={"failures": failures, "until": locked_until.isoformat(sep=" ", timespec="seconds"),
                             "minutes": settings.lockout_minutes})


def list_lockouts(con: duckdb.DuckDBPyConnection, *, now: datetime | None = None) -> pd.DataFrame:
    """Accounts and clients locked now, for the head: scope (account|client), subject, failures, last_failure_at,
    locked_until, minutes_left. The Vietnamese word for a scope is LOCKOUT_SCOPES[scope]."""
    now = now or datetime.now()
    frame = con.execute(
        "select scope, subject, failures, last_failure_at, locked_until from login_throttle"
        " where locked_until > ? order by locked_until desc", [now]).df()
    frame["minutes_left"] = [max(1, math.ceil((pd.Timestamp(t) - pd.Timestamp(now)).total_seconds() / 60))
                             for t in frame["locked_until"]]
    return frame


def clear_lockout(con: duckdb.DuckDBPyConnection, scope: str, subject: str) -> bool:
    """The head lifts a lockout (and forgets the failures behind it); recorded for the current actor."""
    with _throttle_lock:
        found = con.execute("select count(*) from login_throttle where scope = ? and subject = ?",
                            [scope, subject]).fetchone()[0]
        con.execute("delete from login_throttle where scope = ? and subject = ?", [scope, subject])
    if found:
        audit.record_action(con, "lockout_cleared", target=f"{scope}:{subject}")
    return bool(found)


# --- sessions -------------------------------------------------------------------------------------------------

def start_session(con: duckdb.DuckDBPyConnection, user: User, *, client: str | None = None,
                  now: datetime | None = None) -> str:
    """Open a server-side session for `user` (after a successful `login`) and return its token: random, signed
    with the session key, safe to keep in a cookie (never in the URL). Only the token's hash is stored."""
    now = now or datetime.now()
    raw = secrets.token_urlsafe(32)
    version = con.execute("select coalesce(credential_version, 0) from users where user_name = ?",
                          [user.user_name]).fetchone()
    if version is None:
        raise HsskError(f"Không có tài khoản '{user.user_name}'.")
    con.execute("insert into sessions (token_hash, user_name, credential_version, client, started_at, last_seen_at)"
                " values (?, ?, ?, ?, ?, ?)",
                [_hash_token(raw), user.user_name, version[0], str(client)[:128] if client else None, now, now])
    return f"{raw}.{keys.sign(_session_key(con), raw)}"


def session_user(con: duckdb.DuckDBPyConnection, token: str | None, *, now: datetime | None = None) -> User | None:
    """The user of an open session, or None: a forged or unknown token, a session ended (logout), idle longer than
    [security] session_idle_minutes or older than session_absolute_minutes, or whose account was deactivated or
    had its password changed or reset since. Each call counts as activity."""
    token_hash = _session_hash_if_signed(con, token)
    if token_hash is None:
        return None
    row = con.execute(
        "select s.user_name, s.credential_version, s.started_at, s.last_seen_at, s.ended_at,"
        " u.active, coalesce(u.credential_version, 0) from sessions s left join users u using (user_name)"
        " where s.token_hash = ?", [token_hash]).fetchone()
    if row is None or row[4] is not None:
        return None
    user_name, version, started_at, last_seen_at, _, active, current_version = row
    settings = _settings()
    now = now or datetime.now()
    reason = None
    if not active:
        reason = "inactive"
    elif version != current_version:
        reason = "password"
    elif now - last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        reason = "idle"
    elif now - started_at > timedelta(minutes=settings.session_absolute_minutes):
        reason = "expired"
    user = get_user(con, user_name)
    if reason is not None:
        if _end(con, token_hash, reason, now) and user is not None:
            audit.record(con, user.user_name, user.role, "session_ended", target=reason)
        return None
    if now - last_seen_at >= timedelta(seconds=15):  # activity, without a write on every rerun
        try:
            con.execute("update sessions set last_seen_at = ? where token_hash = ? and last_seen_at < ?",
                        [now, token_hash, now])
        except duckdb.TransactionException:  # another run of this session touched it at the same moment
            pass
    return user


def end_session(con: duckdb.DuckDBPyConnection, token: str | None, *, reason: str = "logout") -> bool:
    """Log out on the server side: the token no longer opens anything. False when it was not an open session."""
    token_hash = _session_hash_if_signed(con, token)
    return token_hash is not None and _end(con, token_hash, reason, datetime.now())


def end_user_sessions(con: duckdb.DuckDBPyConnection, user_name: str, *, reason: str = "head",
                      except_token_hash: str | None = None) -> int:
    """End every open session of `user_name` (but one); returns how many."""
    open_ = con.execute("select count(*) from sessions where user_name = ? and ended_at is null"
                        " and token_hash is distinct from ?", [user_name, except_token_hash]).fetchone()[0]
    if open_:
        con.execute("update sessions set ended_at = ?, end_reason = ? where user_name = ? and ended_at is null"
                    " and token_hash is distinct from ?", [datetime.now(), reason, user_name, except_token_hash])
    return open_


def _end(con, token_hash: str, reason: str, now: datetime) -> bool:
    open_ = con.execute("select count(*) from sessions where token_hash = ? and ended_at is null",
                        [token_hash]).fetchone()[0]
    if open_:
        con.execute("update sessions set ended_at = ?, end_reason = ? where token_hash = ? and ended_at is null",
                    [now, reason, token_hash])
    return bool(open_)


def _session_key(con) -> bytes:
    return keys.get_key(con, "session")


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def _session_hash_if_signed(con, token: str | None) -> str | None:
    """The stored hash of a token whose signature is right, else None (a forged token costs no lookup)."""
    if not token or not isinstance(token, str) or token.count(".") != 1 or len(token) > 200:
        return None
    raw, signature = token.split(".")
    try:
        raw.encode("ascii")
    except UnicodeEncodeError:
        return None
    if not keys.signature_ok(_session_key(con), raw, signature):
        return None
    return _hash_token(raw)


def _settings() -> SecuritySettings:
    return security_settings()
