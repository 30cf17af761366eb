"""The one place a database is opened, the one door that applies the schema, and the shared transaction and
Arrow-registration blocks.

    with db.transaction(con):                      # commit, or rollback on any error
        with db.registered(con, "_rows", table):   # an Arrow table or frame visible to SQL inside the block
            con.execute("insert into t select * from _rows")
"""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from pathlib import Path

import duckdb

from hssk.config import db_path
from hssk.errors import database_error
from hssk.queries import load_query


def connect(path: str | os.PathLike | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and create if needed) the workbench database. ':memory:' gives a throwaway one for tests."""
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


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Apply every file of SCHEMA_FILES when the database was made by another version of them (tables and columns
    are added when missing, never dropped; views are replaced). An up-to-date database is not written to on
    open."""
    schema = "\n".join(load_query(name) for name in SCHEMA_FILES)
    digest = hashlib.sha256(schema.encode("utf-8")).hexdigest()
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
