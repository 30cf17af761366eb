"""hssk.db: the schema is applied when it changed, and a table's rows can be replaced wholesale."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from hssk.db import connect, replace_rows


def test_an_older_schema_gets_the_current_view_definition(tmp_path):
    path = tmp_path / "old.duckdb"
    with connect(path) as con:
        current = con.execute("select sql from duckdb_views() where view_name = 'current_clean'").fetchall()[0][0]
        # what a database made by an older version looks like: another definition, another schema hash
        con.execute("create or replace view current_clean as select * from clean")
        con.execute("update schema_applied set sha256 = 'older'")
    with connect(path) as con:
        assert con.execute("select sql from duckdb_views() where view_name = 'current_clean'").fetchall()[0][0] == current
    upgraded = hashlib.sha256(path.read_bytes()).hexdigest()
    with connect(path):  # up to date now: opening it again leaves the file alone
        pass
    assert hashlib.sha256(path.read_bytes()).hexdigest() == upgraded


def test_replace_rows_keeps_the_tables_definition_and_its_views():
    con = duckdb.connect()
    con.execute("create sequence seq start 1")
    con.execute("create table t (a varchar not null, b boolean not null default false, n integer default nextval('seq'))")
    con.execute("create view v as select a, b from t")
    con.execute("insert into t (a) values ('old 1'), ('old 2')")
    con.execute("begin transaction")
    replace_rows(con, "t", "(a) select 'new ' || i from range(3) as r(i)")
    con.execute("commit")
    assert con.execute("select a, b from v order by a").fetchall() == [("new 0", False), ("new 1", False),
                                                                     ("new 2", False)]
    assert con.execute("select max(n) from t").fetchall()[0][0] == 5  # the default still draws from the sequence
    with pytest.raises(duckdb.ConstraintException):
        con.execute("insert into t (a) values (null)")


def test_replace_rows_is_undone_with_its_transaction():
    con = duckdb.connect()
    con.execute("create table t (a varchar not null)")
    con.execute("insert into t values ('kept')")
    con.execute("begin transaction")
    replace_rows(con, "t", "select ?", ["gone"])
    con.execute("rollback")
    assert con.execute("select a from t").fetchall() == [("kept",)]
