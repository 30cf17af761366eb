"""The one place a database is opened, the one door that applies the schema, and the shared transaction and
Arrow-registration blocks.

    with db.transaction(con):                      # commit, or rollback on any error
        with db.registered(con, "_rows", table):   # an Arrow table or frame visible to SQL inside the block
            con.execute("insert into t select * from _rows")
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import duckdb

from hssk.config import db_path
from hssk.errors import HsskError, database_error
from hssk.queries import load_query

# DuckDB's message when another process holds the file: 'Could not set lock on file "…": Conflicting lock is held
# in /usr/bin/python3.11 (PID 4242). See also …'
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class DatabaseBusy(HsskError):
    """The database file stayed held by another process for the whole wait."""

    def __init__(self, message: str, detail: str = "", *, holder: str = "", pid: int | None = None):
        super().__init__(message, detail)
        self.holder, self.pid = holder, pid


def is_lock_error(exc: BaseException) -> bool:
    """True for DuckDB's "the file is held by another process" error."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def lock_holder(exc: BaseException) -> tuple[str, int | None]:
    """(program, PID) of the process holding the file, as DuckDB's lock message names them ("", None if not)."""
    found = _HOLDER.search(str(exc))
    if not found:
        return "", None
    return Path(found["program"]).name or found["program"], int(found["pid"])


def holder_text(program: str, pid: int | None) -> str:
    """'chương trình python3.11 (PID 4242)', or 'một chương trình khác' when DuckDB did not say."""
    return f"chương trình {program} (PID {pid})" if program and pid is not None else "một chương trình khác"


def connect(path: str | os.PathLike | None = None, *, read_only: bool = False, wait: float | None = None,
            on_wait: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open (and create if needed) the workbench database. ':memory:' gives a throwaway one for tests.

    DuckDB lets one process write a file (or several only read it). With `wait` (seconds; `wait_seconds()` is the
    station's setting) a file held by another process is tried again until it is free or the wait is over:
    `on_wait` gets one Vietnamese line saying whom it waits for (once), and at the end of the wait DatabaseBusy
    says who holds it. Without `wait` the lock error is raised at once."""
    if wait is None or str(path) == ":memory:":
        return _connect(path, read_only=read_only)
    deadline = time.monotonic() + max(0.0, float(wait))
    said = False
    while True:
        try:
            return _connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if not is_lock_error(exc):
                raise
            program, pid = lock_holder(exc)
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"Cơ sở dữ liệu {db_path(path)} đang được một chương trình khác sử dụng: "
                    f"{holder_text(program, pid)} vẫn giữ nó sau {_seconds(wait)} giây chờ. Hãy đợi chương trình đó "
                    "xong hoặc đóng nó (ví dụ ứng dụng đang mở) rồi chạy lại lệnh; thời gian chờ đặt ở [database] "
                    "wait_seconds trong data/config.toml.", str(exc), holder=program, pid=pid) from exc
            if not said and on_wait is not None:
                on_wait(f"Cơ sở dữ liệu {db_path(path)} đang bận: đang chờ {holder_text(program, pid)} dùng xong cơ "
                        f"sở dữ liệu (tối đa {_seconds(wait)} giây)…")
                said = True
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))


def _seconds(value: float) -> str:
    return f"{float(value):g}".replace(".", ",")


def wait_seconds() -> float:
    """How long a command waits for a database held by another process: data/config.toml [database]."""
    from hssk.config import database_wait_seconds

    return database_wait_seconds()


def _connect(path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    target = str(path) if str(path) == ":memory:" else str(db_path(path))
    if target != ":memory:" and not read_only:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    created = target != ":memory:" and not read_only and not Path(target).exists()
    # Never let DuckDB fetch extensions at run time: stations are offline.
    try:
        con = duckdb.connect(target, read_only=read_only, config={"autoinstall_known_extensions": False,
                                                                   "autoload_known_extensions": False})
    except (duckdb.Error, OSError) as exc:  # held by another program, a directory, a full disk: say so
        explained = database_error(exc, "mở cơ sở dữ liệu")
        if explained:
            raise explained from exc
        raise
    if created:
        _owner_only(Path(target))
    con.execute(f"set memory_limit = '{memory_limit()}'")
    try:  # long queries must not draw bars on the terminal; inside Jupyter DuckDB refuses the change: fine
        con.execute("set enable_progress_bar = false")
    except duckdb.Error:
        pass
    if not read_only:
        ensure_schema(con)
    return con


def memory_limit() -> str:
    """DuckDB's memory limit per connection, from data/config.toml [database] (a station PC may have 8 GB)."""
    from hssk.config import load_config

    return str(load_config().get("database", {}).get("memory_limit", "3GB"))


def _owner_only(path: Path) -> None:
    """A database file DuckDB has just created (personal data) is made readable by its owner only (0600); it is
    written in place from then on, so the mode stays. An existing file keeps what the station gave it."""
    try:
        os.chmod(path, 0o600)
    except OSError:  # a file system without Unix modes
        pass


# The schema files every database has from its first open: the data layers, the KPI history, accounts and the
# audit log (which every data-changing library function writes to). The linkage tables (queries/link_schema.sql)
# are made by the linkage step when it first runs (hssk.link.prepare.ensure_schema): until then their absence is
# how the KPIs, exports and evaluation know that nothing was linked yet.
SCHEMA_FILES = ("schema", "kpi_schema", "app_schema")


def _schema_and_digest() -> tuple[str, str]:
    schema = "\n".join(load_query(name) for name in SCHEMA_FILES)
    return schema, hashlib.sha256(schema.encode("utf-8")).hexdigest()


def schema_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the database was last brought up to this version's schema files (a read-only connection can then
    be trusted to find today's tables and views)."""
    try:
        return con.execute("select sha256 from schema_applied").fetchall() == [(_schema_and_digest()[1],)]
    except duckdb.CatalogException:
        return False


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Apply every file of SCHEMA_FILES when the database was made by another version of them (tables and columns
    are added when missing, never dropped; views are replaced). An up-to-date database is not written to on
    open."""
    schema, digest = _schema_and_digest()
    try:
        applied = con.execute("select sha256 from schema_applied").fetchall()
    except duckdb.CatalogException:
        applied = []
    if applied != [(digest,)]:
        con.execute(schema)
        con.execute("create or replace table schema_applied as select ? as sha256", [digest])


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, select_sql: str, params=None) -> None:
    """Replace every row of `table` by the rows of `select_sql`, inside the caller's transaction.

    The table is re-created empty from its own definition (columns, constraints, defaults) before the insert: DuckDB
    then writes the new rows straight to storage, where deleting millions of rows and inserting as many costs twice
    the time (the deleted rows are cleaned up at the next checkpoint). Views over the table keep working."""
    ddl = con.execute("select sql from duckdb_tables() where schema_name = 'main' and table_name = ?",
                      [table]).fetchall()[0][0]
    con.execute(ddl.replace("CREATE TABLE", "CREATE OR REPLACE TABLE", 1))
    con.execute(f"insert into {table} {select_sql}", params)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """`begin transaction` … `commit`, or `rollback` when the block raises (anything, Ctrl-C included)."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException as exc:
        try:
            con.execute("rollback")
        except duckdb.Error:  # a failed write (full disk) may have ended the transaction already
            if not isinstance(exc, duckdb.Error):
                raise
        raise
    con.execute("commit")


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table):
    """`table` (Arrow, pandas) visible to SQL as `name` inside the block, unregistered after it."""
    con.register(name, table)
    try:
        yield name
    finally:
        con.unregister(name)
