"""Small reads about the state of the data that the app's pages show (named queries in queries/state_*.sql), and
`state`: when the data last changed, as of when the figures are, and whether they are behind — the one-line status
every page shows (hssk.refresh keeps them current)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb

from hssk.ingest.store import data_version
from hssk.queries import run_query


@dataclass(frozen=True)
class DataState:
    last_import: datetime | None  # the newest import (or undo of one)
    last_change: datetime | None  # the newest import, undo or decision
    figures_at: datetime | None  # when the linkage behind today's persons and KPIs started
    running: bool  # a linkage run started and not finished (another process, or one that died)
    linked_current_data: bool = False  # that linkage saw every import and undo made so far

    @property
    def has_data(self) -> bool:
        return self.last_import is not None

    @property
    def current(self) -> bool:
        """The persons and KPIs reflect every import (a decision re-derives persons at once, without linkage)."""
        return self.has_data and self.linked_current_data


def _scalar(con, sql: str):
    try:
        return con.execute(sql).fetchall()[0][0]
    except duckdb.CatalogException:  # a table created by a later step does not exist yet
        return None


def _row(con, sql: str):
    try:
        rows = con.execute(sql).fetchall()
        return rows[0] if rows else None
    except duckdb.CatalogException:
        return None


def state(con: duckdb.DuckDBPyConnection) -> DataState:
    """The data's state now (the figures are behind when the last linkage did not see every import)."""
    last_import = _scalar(con, "select max(greatest(created_at, coalesce(undone_at::timestamp, created_at))) "
                               "from import_batches")
    last_decision = _scalar(con, 'select max("at") from decisions')
    changes = [t for t in (last_import, last_decision) if t is not None]
    figures_at, summary = (_row(con, "select started_at, summary from link_runs where finished_at is not null "
                                     "order by run_id desc limit 1") or (None, None))
    seen = json.loads(summary or "{}").get("data_version")
    running = bool(_scalar(con, "select count(*) from link_runs where finished_at is null "
                                "and started_at > (select coalesce(max(started_at), '1900-01-01'::timestamp) "
                                "from link_runs where finished_at is not null)"))
    return DataState(last_import=last_import, last_change=max(changes) if changes else None,
                     figures_at=figures_at, running=running,
                     linked_current_data=last_import is not None and seen == data_version(con))



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


def version(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """Cheap tokens of the data state: (data, history). `data` changes with every import, undo, village mapping,
    linkage run and decision; `history` with every KPI snapshot. Cached figures are keyed by them, so a change
    made by the command line or another user shows on the next page view."""
    from hssk.queries import load_query

    data, history = con.execute(load_query("state_version")).fetchall()[0]
    try:
        linked = con.execute(load_query("state_version_link")).fetchall()[0][0]
    except duckdb.CatalogException:  # nothing linked yet
        linked = "-"
    return f"{data}/{linked}", history
