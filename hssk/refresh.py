"""Keeping the figures current: after every change of the data, link incrementally and record the KPIs.

A change is an import, an undone import, a reviewer's decision or a village mapping. `bring_up_to_date` runs
the incremental linkage (only new or changed records are scored; the full `link` stays for retraining) and then
stores one KPI snapshot for the new data state (at most one per day: a later state of the same day replaces that
day's snapshot), so the trend, the change since last month and the pace to the deadline need nobody to press a
button. `data_state` says, for the one-line status every page shows, when the data last changed, as of when the
figures are and whether they are behind.

    >>> bring_up_to_date(con, progress=print_progress)
    >>> data_state(con).current
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import duckdb

from hssk import kpi, progress as kpi_progress
from hssk.fmt import vn_int
from hssk.ingest.store import data_version
from hssk.link import prepare, run_linkage
from hssk.link.run import LinkResult

Progress = Callable[[float, str], None]


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


@dataclass(frozen=True)
class Refreshed:
    linked: LinkResult | None
    snapshot_id: int | None

    @property
    def message(self) -> str:
        if self.linked is None:
            return "Chưa có dữ liệu dân cư và HSSK để ghép nối; số liệu sẽ được cập nhật sau lần nhập tiếp theo."
        return f"Đã cập nhật số liệu: {self.linked.message}"


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


def data_state(con: duckdb.DuckDBPyConnection) -> DataState:
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


def _ready_to_link(con) -> bool:
    """Linkage needs records of the current snapshot; persons without a register are still worth deriving."""
    return bool(_scalar(con, "select count(*) > 0 from current_clean"))


def record_state_snapshot(con: duckdb.DuckDBPyConnection, result: dict | None = None) -> int:
    """Store the KPIs of the current data state, replacing a snapshot already taken today (one per day)."""
    kpi.ensure_schema(con)
    result = result if result is not None else kpi.compute(con)
    con.execute("delete from kpi_snapshots where taken_at::date = current_date")
    return kpi_progress.record_snapshot(con, result)


def snapshot_if_new_state(con: duckdb.DuckDBPyConnection, result: dict) -> int | None:
    """Record `result` (the KPIs just computed for a page) when no snapshot was taken since the data last changed
    (a decision, say): the trend follows every data state without anyone pressing a button."""
    state = data_state(con)
    last = _scalar(con, "select max(taken_at) from kpi_snapshots")
    if not state.current or (last is not None and state.last_change is not None and last >= state.last_change):
        return None
    return record_state_snapshot(con, result)


def bring_up_to_date(con: duckdb.DuckDBPyConnection, progress: Progress | None = None) -> Refreshed:
    """Incremental linkage of the current snapshot, then the KPI snapshot of this data state."""
    say = progress or (lambda fraction, message: None)
    if not _ready_to_link(con):
        return Refreshed(None, None)
    prepare.ensure_schema(con)
    linked = run_linkage(con, progress=lambda f, m: say(0.9 * f, m))
    say(0.92, "Tính lại các chỉ tiêu")
    snapshot_id = record_state_snapshot(con)
    say(1.0, f"Xong: {vn_int(linked.n_persons)} người, số liệu đã cập nhật")
    return Refreshed(linked, snapshot_id)
