"""Local accounts, argon2 password hashes and what each role may do.

There is no default account and no default password: the first person to open an empty workbench
creates the station head (`create_first_admin`). Every page and every action asks `can(role, permission)`.

    >>> can("xem", "review_pairs")
    False
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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
_USER_NAME = re.compile(r"^[a-z0-9_.]{3,32}$")
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class User:
    user_name: str
    display_name: str
    role: str
    active: bool = True

    def can(self, permission: str) -> bool:
        return self.active and can(self.role, permission)

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


def can(role: str, permission: str) -> bool:
    """Whether `role` holds `permission` (unknown roles and permissions hold nothing)."""
    return role in PERMISSIONS.get(permission, frozenset())


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create `users` and `audit_log` when missing."""
    con.execute(load_query("app_schema"))


def has_users(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from users").fetchone()[0] > 0


def validate_new_account(user_name: str, password: str, role: str) -> None:
    """Raise HsskError with a Vietnamese message when the name, password or role is not acceptable."""
    if not _USER_NAME.match(user_name or ""):
        raise HsskError("Tên đăng nhập phải dài 3–32 ký tự, chỉ gồm chữ thường không dấu, số, '_' hoặc '.'.")
    validate_password(password, user_name)
    if role not in ROLES:
        raise HsskError(f"Vai trò không hợp lệ: {role}.")


def validate_password(password: str, user_name: str = "") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise HsskError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    if user_name and password.lower() == user_name.lower():
        raise HsskError("Mật khẩu không được trùng tên đăng nhập.")


def create_user(con: duckdb.DuckDBPyConnection, user_name: str, password: str, role: str,
                display_name: str = "", created_by: str | None = None) -> User:
    """Add an account with an argon2 hash of `password`. Raises HsskError if the name is taken."""
    user_name = (user_name or "").strip().lower()
    validate_new_account(user_name, password, role)
    with _write_lock:
        if get_user(con, user_name) is not None:
            raise HsskError(f"Tên đăng nhập '{user_name}' đã tồn tại.")
        con.execute(
            "insert into users (user_name, display_name, role, password_hash, active, created_at, created_by)"
            " values (?, ?, ?, ?, true, ?, ?)",
            [user_name, display_name.strip() or user_name, role, _hasher.hash(password), datetime.now(),
             created_by],
        )
    return User(user_name, display_name.strip() or user_name, role)


def create_first_admin(con: duckdb.DuckDBPyConnection, user_name: str, password: str,
                       display_name: str = "") -> User:
    """First run only: create the station head. Refuses once any account exists."""
    with _write_lock:
        if has_users(con):
            raise HsskError("Đã có tài khoản quản trị; hãy đăng nhập.")
    return create_user(con, user_name, password, ADMIN_ROLE, display_name, created_by=None)


def get_user(con: duckdb.DuckDBPyConnection, user_name: str) -> User | None:
    row = con.execute("select user_name, display_name, role, active from users where user_name = ?",
                      [(user_name or "").strip().lower()]).fetchone()
    return User(*row) if row else None


def authenticate(con: duckdb.DuckDBPyConnection, user_name: str, password: str) -> User | None:
    """The active user whose password matches, else None (same answer for unknown name and bad password)."""
    row = con.execute("select password_hash from users where user_name = ? and active",
                      [(user_name or "").strip().lower()]).fetchone()
    if row is None:
        _hasher.hash(password or "")  # spend the same time as a real check: no name probing by timing
        return None
    try:
        _hasher.verify(row[0], password or "")
    except (VerificationError, InvalidHashError):
        return None
    user = get_user(con, user_name)
    con.execute("update users set last_login_at = ? where user_name = ?", [datetime.now(), user.user_name])
    if _hasher.check_needs_rehash(row[0]):
        _set_hash(con, user.user_name, password)
    return user


def list_users(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Accounts without their hashes, one row per account."""
    return con.execute(
        "select user_name, display_name, role, active, created_at, created_by, last_login_at"
        " from users order by user_name"
    ).df()


def set_role(con: duckdb.DuckDBPyConnection, user_name: str, role: str) -> None:
    if role not in ROLES:
        raise HsskError(f"Vai trò không hợp lệ: {role}.")
    with _write_lock:
        _keep_one_head(con, user_name, new_role=role, new_active=True)
        con.execute("update users set role = ? where user_name = ?", [role, user_name])


def set_active(con: duckdb.DuckDBPyConnection, user_name: str, active: bool) -> None:
    with _write_lock:
        if not active:
            _keep_one_head(con, user_name, new_role=None, new_active=False)
        con.execute("update users set active = ? where user_name = ?", [active, user_name])


def set_password(con: duckdb.DuckDBPyConnection, user_name: str, password: str) -> None:
    validate_password(password, user_name)
    _set_hash(con, user_name, password)


def _set_hash(con: duckdb.DuckDBPyConnection, user_name: str, password: str) -> None:
    con.execute("update users set password_hash = ? where user_name = ?", [_hasher.hash(password), user_name])


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
