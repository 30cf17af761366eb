"""Keeping the figures current: after every change of the data, link incrementally and record the KPIs.

A change is an import, an undone import, a reviewer's decision or a village mapping. `bring_up_to_date` runs
the incremental linkage (only new or changed records are scored; the full `link` stays for retraining) and then
stores one KPI snapshot for the new data state (at most one per day: a later state of the same day replaces that
day's snapshot), so the trend, the change since last month and the pace to the deadline need nobody to press a
button. `data_state` says, for the one-line status every page shows, when the data last changed, as of when the
figures are and whether they are behind.

    >>> bring_up_to_date(con, progress=print_progress)
    >>> state(con).current
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from hssk import kpi
from hssk import progress as kpi_progress
from hssk.data_state import _scalar, state
from hssk.fmt import vn_int
from hssk.link import prepare, run_linkage
from hssk.link.run import LinkResult

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Refreshed:
    linked: LinkResult | None
    snapshot_id: int | None

    @property
    def message(self) -> str:
        from hssk.labels import refresh_done  # the words live in hssk.labels

        return refresh_done(self)


def _ready_to_link(con) -> bool:
    """Linkage needs records of the current snapshot; persons without a register are still worth deriving."""
    return bool(_scalar(con, "select count(*) > 0 from current_clean"))


def record_state_snapshot(con: duckdb.DuckDBPyConnection, result: dict | None = None) -> int:
    """Store the KPIs of the current data state, replacing a snapshot already taken today (one per day)."""
    kpi.ensure_schema(con)
    result = result if result is not None else kpi.compute_current(con)  # stored: the pages read it
    con.execute("delete from kpi_snapshots where taken_at::date = current_date")
    return kpi_progress.record_snapshot(con, result)


def snapshot_if_new_state(con: duckdb.DuckDBPyConnection, result: dict) -> int | None:
    """Record `result` (the KPIs just computed for a page) when no snapshot was taken since the data last changed
    (a decision, say): the trend follows every data state without anyone pressing a button."""
    now = state(con)
    last = _scalar(con, "select max(taken_at) from kpi_snapshots")
    if not now.current or (last is not None and now.last_change is not None and last >= now.last_change):
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
