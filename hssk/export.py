"""`export records`: the clean layer of the current snapshot, one row per imported row."""

from __future__ import annotations

from pathlib import Path

import duckdb

from hssk.errors import HsskError
from hssk.ingest import KINDS


def records_frame(con: duckdb.DuckDBPyConnection, kind: str):
    if kind not in KINDS:
        raise HsskError(f"Loại dữ liệu '{kind}' không hợp lệ.", "bad kind")
    frame = con.execute("""
        select * exclude (kind, batch_id, file_id, row_hash, extra), extra
        from current_clean where kind = ? order by file_id, row_number""", [kind]).df()
    return frame.dropna(axis=1, how="all")


def export_records(con: duckdb.DuckDBPyConnection, kind: str, out: str | Path) -> int:
    from hssk.safe_export import write_csv

    frame = records_frame(con, kind)
    if frame.empty:
        raise HsskError(f"Chưa có dữ liệu loại '{kind}' trong cơ sở dữ liệu.", "no rows in current snapshot")
    write_csv(frame, out)
    return len(frame)
