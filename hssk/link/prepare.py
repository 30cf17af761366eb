"""The linkage input (queries/link_input.sql) and the linkage tables (queries/link_schema.sql)."""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hssk.link import model
from hssk.queries import load_query

# Columns of link_input that the model compares, for profiling.
COMPARED_COLUMNS = [
    "family_key", "middle_key", "given_key", "birth_text", "sex", "personal_id", "old_id", "bhxh_no",
    "village", "household_code", "phone",
]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the linkage tables and views when missing (never drops anything), only when link_schema.sql changed
    since it was last applied (as hssk.db.ensure_schema does for the data layers): an up-to-date database is not
    written to, so sessions calling this at once do not conflict, and a read-only connection reads what is there."""
    schema = load_query("link_schema")
    digest = hashlib.sha256(schema.encode("utf-8")).hexdigest()
    try:
        if con.execute("select sha256 from link_schema_applied").fetchall() == [(digest,)]:
            return
    except duckdb.CatalogException:
        pass
    if con.execute("select readonly from duckdb_databases() where database_name = current_database()"
                   ).fetchall()[0][0]:
        return  # cannot write: callers find the linkage tables of the version that made them, or none (not linked)
    con.execute(schema)
    con.execute("create or replace table link_schema_applied as select ? as sha256", [digest])


def has_link_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """True once the linkage tables exist (a read-only connection cannot create them)."""
    return bool(con.execute(
        "select count(*) from duckdb_tables() where table_name = 'person_records' and schema_name = 'main'"
    ).fetchall()[0][0])


def input_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One row per record_key of the current snapshot, every kind, as Arrow (for Splink), with the blocking keys
    of the model's rules (model.blocking_keys) and `key_rank`: the record's place in record_key order (0 … n−1),
    Splink's integer id for it (predict.scoring_input) and its node number in hssk.link.persons. (Ranked here, not
    sorted: sorting the wide rows costs four times as much.)"""
    keys = ", ".join(f"{sql} as {name}" for name, sql in model.blocking_keys().items())
    records = con.sql(f"select *, {keys} from ({load_query('link_input')})").to_arrow_table()
    rank = pc.rank(records.column("unique_id"), sort_keys="ascending", tiebreaker="first")  # keys are unique
    return records.append_column("key_rank", pc.subtract(rank, 1).cast(pa.int64()))


def profile(records: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """Per source: record count and the share of each compared column that is filled."""
    frame = records.to_pandas() if isinstance(records, pa.Table) else records
    rows = []
    for source, group in frame.groupby("source", sort=True):
        row = {"source": source, "records": len(group)}
        for col in COMPARED_COLUMNS:
            row[col] = round(float(group[col].notna().mean()), 3)
        rows.append(row)
    return pd.DataFrame(rows)
