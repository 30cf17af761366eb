"""Record-level exports written to a file: `export records` (the clean layer of the current snapshot, one row per
imported row) and `export clusters` (which person every record belongs to). The format follows the file's
extension (.csv, .xlsx, .json), and every file written is in the audit log."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from hssk import audit
from hssk.errors import HsskError
from hssk.fmt import vn_int
from hssk.ingest import KINDS

FORMATS = ("csv", "xlsx", "json")
XLSX_MAX_ROWS = 1_048_575  # a sheet's rows below its header


def format_of(out: str | Path, allowed: tuple[str, ...] = FORMATS) -> str:
    """The format of an output file from its extension ('csv', 'xlsx', 'json'), or an HsskError naming the allowed
    ones: a file is never written in a format its name does not say."""
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix not in allowed:
        names = ", ".join(f".{fmt}" for fmt in allowed)
        said = f"có phần mở rộng .{suffix}" if suffix else "không có phần mở rộng"
        raise HsskError(f"Tệp {Path(out).name} {said}: chỉ ghi được tệp {names}. Hãy đặt tên tệp có một trong các "
                        "phần mở rộng đó.", f"suffix {suffix!r} not in {allowed}")
    return suffix


def records_frame(con: duckdb.DuckDBPyConnection, kind: str):
    if kind not in KINDS:
        raise HsskError(f"Loại dữ liệu '{kind}' không hợp lệ.", "bad kind")
    frame = con.execute("""
        select * exclude (kind, batch_id, file_id, row_hash, extra), extra
        from current_clean where kind = ? order by file_id, row_number""", [kind]).df()
    return frame.dropna(axis=1, how="all")


def write_file(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, out: str | Path, what: str,
               sheet_name: str = "Danh sách") -> int:
    """Write `frame` to `out` in the format of its extension and log the export; returns the number of rows."""
    from hssk.safe_export import write_table

    fmt = format_of(out)
    if fmt == "xlsx" and len(frame) > XLSX_MAX_ROWS:
        raise HsskError(f"{vn_int(len(frame))} dòng vượt quá giới hạn một trang tính Excel "
                        f"({vn_int(XLSX_MAX_ROWS)} dòng): hãy xuất ra tệp .csv.", "too many rows for xlsx")
    write_table(frame, out, sheet_name)
    audit.record_action(con, "export", target=what, detail={"rows": len(frame), "file": str(out), "format": fmt})
    return len(frame)


def export_records(con: duckdb.DuckDBPyConnection, kind: str, out: str | Path) -> int:
    """The clean layer of one kind to `out` (.csv, .xlsx or .json); returns the number of rows."""
    format_of(out)
    frame = records_frame(con, kind)
    if frame.empty:
        raise HsskError(f"Chưa có dữ liệu loại '{kind}' trong cơ sở dữ liệu.", "no rows in current snapshot")
    return write_file(con, frame, out, f"records:{kind}", sheet_name="Hồ sơ")


def export_clusters(con: duckdb.DuckDBPyConnection, out: str | Path) -> tuple[int, int]:
    """source, record_id, person_id of every record to `out` (.csv, .xlsx or .json); returns (rows, records not
    linked yet)."""
    from hssk.link.export import export_clusters as clusters_frame

    format_of(out)
    frame = clusters_frame(con)
    if frame.empty:
        raise HsskError("Chưa có hồ sơ nào trong cơ sở dữ liệu để xuất.", "current_clean is empty")
    n_rows = write_file(con, frame, out, "clusters", sheet_name="Người")
    return n_rows, int(frame["person_id"].isna().sum())
