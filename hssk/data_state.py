"""Small reads about the state of the data that the app's pages show (named queries in queries/state_*.sql)."""

from __future__ import annotations

import duckdb

from hssk.queries import run_query


def has_data(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the current snapshot holds any record."""
    return bool(run_query(con, "state_has_data")["has_data"].iloc[0])


def villages(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Villages present in the current snapshot, in name order."""
    return run_query(con, "state_villages")["village"].tolist()


def decided_pairs(con: duckdb.DuckDBPyConnection) -> int:
    """Standing accept / reject decisions; 0 before the first linkage run (no decision table yet)."""
    try:
        return int(run_query(con, "state_decided_pairs")["n"].iloc[0])
    except duckdb.CatalogException:
        return 0
