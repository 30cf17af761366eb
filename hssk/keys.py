"""Secret keys kept outside the database, one small owner-only file per purpose next to the database file.

Whoever can read the database cannot forge what these keys sign (session tokens, the audit log's anchor) unless
they can also read the key file. `$HSSK_KEY_DIR` puts the key files in another folder (e.g. one only the station
head's account can read). An in-memory database (tests) gets a key that lives as long as the process.

    >>> key_path(con, "session")            # data/hssk.duckdb → data/hssk.duckdb.session.key
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import duckdb

from hssk.errors import HsskError

_KEY_BYTES = 32
_memory_keys: dict[str, bytes] = {}


def database_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind `con`, or None for an in-memory database."""
    row = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    return Path(row[0]).resolve() if row and row[0] else None


def side_path(con: duckdb.DuckDBPyConnection, suffix: str) -> Path | None:
    """`<key dir>/<database file name>.<suffix>`: where a file that belongs to this database but must not be in
    it lives (None for an in-memory database)."""
    return side_file(database_file(con), suffix)


def side_file(db_file: Path | None, suffix: str) -> Path | None:
    """`side_path` for a database file already known (one query less on a hot path)."""
    if db_file is None:
        return None
    folder = Path(os.environ["HSSK_KEY_DIR"]) if os.environ.get("HSSK_KEY_DIR") else db_file.parent
    return folder / f"{db_file.name}.{suffix}"


def key_path(con: duckdb.DuckDBPyConnection, purpose: str) -> Path | None:
    return side_path(con, f"{purpose}.key")


def get_key(con: duckdb.DuckDBPyConnection, purpose: str, *, create: bool = True) -> bytes | None:
    """The key for `purpose`; created (random, owner-only file) when missing and `create`, else None."""
    return key_for(database_file(con), purpose, create=create)


def key_for(db_file: Path | None, purpose: str, *, create: bool = True) -> bytes | None:
    """`get_key` for a database file already known (None: in memory)."""
    path = side_file(db_file, f"{purpose}.key")
    if path is None:
        if purpose not in _memory_keys and create:
            _memory_keys[purpose] = secrets.token_bytes(_KEY_BYTES)
        return _memory_keys.get(purpose)
    try:
        return _read(path)
    except FileNotFoundError:
        if not create:
            return None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it a moment ago
        return _read(path)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(_KEY_BYTES) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(path, 0o600)
    return _read(path)


def _read(path: Path) -> bytes:
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != _KEY_BYTES:
        raise HsskError(f"Tệp khóa {path} bị hỏng (không phải {_KEY_BYTES * 2} ký tự hex). "
                        "Khôi phục tệp từ bản sao lưu.")
    return key


def sign(key: bytes, message: str) -> str:
    """Hex HMAC-SHA256 of `message`."""
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_ok(key: bytes | None, message: str, signature: str | None) -> bool:
    return bool(key) and isinstance(signature, str) and hmac.compare_digest(sign(key, message), signature)


def write_private(path: Path, text: str) -> None:
    """Replace `path` atomically with `text`, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
