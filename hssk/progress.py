"""Progress over time: KPI snapshots, their trend, and a projection to the campaign deadline.

Every `python -m hssk kpi` run stores its figures in `kpi_snapshots` (long format, village '' = the commune).
The trend is the latest snapshot per reference date; the projection fits a straight line to it (SQL `regr_slope`,
queries/kpi_projection.sql) and says when, at the current pace, each village reaches its target.

    >>> progress.record_snapshot(con, kpi.compute(con))
    >>> progress.projection(con)          # village, key, target, last_value, projected_at_deadline, reach_date, …
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd

from hssk import config as hssk_config
from hssk import kpi
from hssk.db import registered
from hssk.queries import run_query

PROJECTED_KEYS = ("kpi_admin", "kpi_health")
STATUS_LABELS = {
    "reached": "Đã đạt mục tiêu",
    "on_track": "Kịp hạn với tốc độ hiện tại",
    "late": "Chậm: không kịp hạn với tốc độ hiện tại",
    "not_progressing": "Không tiến triển",
    "insufficient_data": "Chưa đủ số liệu (cần ít nhất 2 ngày có số liệu)",
}


def campaign_settings(config: dict | None = None) -> dict:
    """{'deadline': date, 'targets': {'kpi_admin': 0.95, 'kpi_health': 0.90}} — `hssk.config.campaign`."""
    campaign = hssk_config.campaign(config)
    return {"deadline": campaign.deadline, "targets": dict(campaign.targets)}


def record_snapshot(con: duckdb.DuckDBPyConnection, result: dict, taken_at: datetime | None = None) -> int:
    """Store the figures of `kpi.compute(...)` (numbers only) as one snapshot; returns its snapshot_id."""
    kpi.ensure_schema(con)
    snapshot_id = con.execute("select nextval('seq_kpi_snapshot')").fetchall()[0][0]
    taken_at = (taken_at or datetime.now()).replace(microsecond=0)
    as_of = date.fromisoformat(result["as_of"])
    rows = [(snapshot_id, taken_at, as_of, village, key, None if value is None else float(value))
            for village, values in [(kpi.OVERALL, result["overall"]), *result["villages"].items()]
            for key, value in values.items()
            if value is None or isinstance(value, (int, float))]
    frame = pd.DataFrame(rows, columns=["snapshot_id", "taken_at", "as_of", "village", "key", "value"])
    with registered(con, "_kpi_snapshot_rows", frame):
        con.execute("insert into kpi_snapshots by name select * from _kpi_snapshot_rows")
    return int(snapshot_id)


def _has_snapshots(con) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_name = 'kpi_snapshots'").fetchall()[0][0])


def trend(con, village: str | None = None, keys: tuple[str, ...] | None = None) -> pd.DataFrame:
    """as_of, village, key, value: the latest snapshot per reference date (village None = all, '' = commune)."""
    if not _has_snapshots(con):
        return pd.DataFrame(columns=["as_of", "village", "key", "value", "taken_at", "snapshot_id"])
    frame = run_query(con, "kpi_snapshot_series", village=village)
    return frame[frame["key"].isin(keys)].reset_index(drop=True) if keys else frame


def values_before(con, before: date) -> dict[tuple[str, str], float | None]:
    """{(village, key): value} of the last snapshot on or before `before` (empty when there is none)."""
    if not _has_snapshots(con):
        return {}
    frame = run_query(con, "kpi_snapshot_before", before=before)
    return {(v, k): (None if pd.isna(x) else float(x)) for v, k, x in zip(frame["village"], frame["key"],
                                                                           frame["value"])}


def projection(con, deadline: date | str | None = None, targets: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per (village, key in kpi_admin / kpi_health): target, n_points, last_as_of, last_value,
    slope_per_day, projected_at_deadline (0–1), reach_date (None when never at this pace), status and
    status_vi. Defaults come from data/config.toml ([campaign] deadline, target_admin, target_health)."""
    settings = campaign_settings()
    deadline = kpi.resolve_as_of(deadline) if deadline else settings["deadline"]
    targets = {**settings["targets"], **(targets or {})}
    if not _has_snapshots(con):
        frame = pd.DataFrame(columns=["village", "key", "target", "n_points", "first_as_of", "last_as_of",
                                      "last_value", "slope_per_day", "deadline", "projected_at_deadline",
                                      "reach_date", "status"])
    else:
        frame = run_query(con, "kpi_projection", deadline=deadline, target_admin=targets["kpi_admin"],
                          target_health=targets["kpi_health"])
    frame["status_vi"] = frame["status"].map(STATUS_LABELS)
    return frame


def chart_frame(con, village: str = kpi.OVERALL, deadline: date | str | None = None,
                targets: dict[str, float] | None = None) -> pd.DataFrame:
    """What the progress chart draws for one village: date, key, value, series.

    series = 'observed' (the snapshots), 'projected' (the fitted line from the last snapshot to the deadline)
    or 'target' (a flat line at the target).
    """
    observed = trend(con, village=village, keys=PROJECTED_KEYS)
    rows = [(r.as_of, r.key, r.value, "observed") for r in observed.itertuples()]
    for p in projection(con, deadline, targets).itertuples():
        if p.village != village:
            continue
        start = p.first_as_of if isinstance(p.first_as_of, date) else pd.Timestamp(p.first_as_of).date()
        rows.append((start, p.key, p.target, "target"))
        rows.append((p.deadline, p.key, p.target, "target"))
        if not pd.isna(p.slope_per_day):
            last = pd.Timestamp(p.last_as_of).date()
            rows.append((last, p.key, p.last_value, "projected"))
            rows.append((pd.Timestamp(p.deadline).date(), p.key, p.projected_at_deadline, "projected"))
    frame = pd.DataFrame(rows, columns=["date", "key", "value", "series"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.sort_values(["key", "series", "date"]).reset_index(drop=True)


def deadline_note(deadline: date | None = None, today: date | None = None) -> tuple[bool, str]:
    """(passed, line): "Còn 41 ngày đến hạn chót 31/12/2026." or, plainly, "Đã quá hạn chiến dịch (31/12/2026)
    12 ngày." — the deadline is data/config.toml [campaign] deadline."""
    from hssk.fmt import vn_date, vn_int

    deadline = deadline or campaign_settings()["deadline"]
    today = today or date.today()
    days = (deadline - today).days
    if days < 0:
        return True, f"Đã quá hạn chiến dịch ({vn_date(deadline)}) {vn_int(-days)} ngày."
    if days == 0:
        return False, f"Hôm nay là hạn chót của chiến dịch ({vn_date(deadline)})."
    return False, f"Còn {vn_int(days)} ngày đến hạn chót {vn_date(deadline)}."


def pace(projected: pd.DataFrame, village: str = kpi.OVERALL, deadline: date | None = None,
         today: date | None = None) -> pd.DataFrame:
    """The pace to the deadline for one village, from `projection(...)`: key, target, last_value, days_left,
    needed_per_month (points of the KPI, 0–1, still to gain per 30 days to reach the target by the deadline;
    0 when reached, None when the deadline passed) and observed_per_month (the fitted pace; None with one date)."""
    deadline = deadline or campaign_settings()["deadline"]
    days_left = (deadline - (today or date.today())).days
    rows = []
    for p in projected[projected["village"] == village].itertuples():
        gap = max(0.0, float(p.target) - float(p.last_value))
        needed = 0.0 if gap == 0 else (None if days_left <= 0 else gap / days_left * 30)
        observed = None if p.slope_per_day is None or pd.isna(p.slope_per_day) else float(p.slope_per_day) * 30
        rows.append((p.key, float(p.target), float(p.last_value), days_left, needed, observed))
    return pd.DataFrame(rows, columns=["key", "target", "last_value", "days_left", "needed_per_month",
                                       "observed_per_month"])
