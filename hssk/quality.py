"""The data-quality views: findings of the current snapshot by kind, their examples, and the dry run of an import.

    >>> summary = quality.findings_summary(con, village="Giang Cao")
    >>> preview = quality.import_preview(paths, "hssk", overrides={})
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from hssk import auth, db
from hssk.ingest.store import import_files
from hssk.queries import run_query

ID_FIELDS = ("personal_id", "old_id", "insurance_no", "phone")
ID_CODES = ("invalid", "inconsistent")


_memo: OrderedDict[tuple, pd.DataFrame] = OrderedDict()  # findings of a file's data state, newest last
_memo_guard = threading.Lock()
_MEMO_ENTRIES = 8


def findings(con: duckdb.DuckDBPyConnection, village: str | None = None) -> pd.DataFrame:
    """kind, field, code, value, detail, record_id, village of the current snapshot's findings.

    Read once per data state of a database file (the page's four views read the same findings): the key is the
    file and `data_state.version`, which changes with every import, undo and village mapping."""
    key = _memo_key(con, village)
    if key is not None:
        with _memo_guard:
            if key in _memo:
                _memo.move_to_end(key)
                return _memo[key].copy()
    found = run_query(con, "quality_findings", village=village)
    if key is not None:
        with _memo_guard:
            _memo[key] = found.copy()
            while len(_memo) > _MEMO_ENTRIES:
                _memo.popitem(last=False)
    return found


def _memo_key(con, village: str | None) -> tuple | None:
    """(file, data state, village), or None for an in-memory database (nothing names it)."""
    from hssk.data_state import version

    path = con.execute("select path from duckdb_databases() where database_name = current_database()"
                       ).fetchall()[0][0]
    return None if not path else (path, version(con)[0], village)


def findings_summary(con: duckdb.DuckDBPyConnection, village: str | None = None) -> pd.DataFrame:
    """kind, field, code, n — most frequent first."""
    return _count(findings(con, village))


def finding_examples(con: duckdb.DuckDBPyConnection, kind: str, field: str, code: str,
                     village: str | None = None, limit: int = 50) -> pd.DataFrame:
    """record_id, village, value, detail of up to `limit` findings of one (kind, field, code)."""
    found = findings(con, village)
    chosen = found[(found["kind"] == kind) & (found["field"] == field) & (found["code"] == code)]
    return chosen.sort_values("record_id", kind="stable").head(limit)[["record_id", "village", "value", "detail"]] \
        .reset_index(drop=True)


def legacy_repairs(con: duckdb.DuckDBPyConnection, village: str | None = None, limit: int = 20) -> pd.DataFrame:
    """field, value (as in the file), detail (the old font: vni or tcvn3), current_value (after repair) of names
    and addresses written in an old Vietnamese font."""
    found = findings(con, village)
    chosen = found[found["code"] == "legacy_encoding"].head(limit)
    return chosen[["field", "value", "detail", "current_value"]].reset_index(drop=True)


def invalid_ids(con: duckdb.DuckDBPyConnection, village: str | None = None) -> pd.DataFrame:
    """kind, field, code, n of invalid or inconsistent personal IDs, insurance numbers and phones."""
    found = findings(con, village)
    return _count(found[found["field"].isin(ID_FIELDS) & found["code"].isin(ID_CODES)])


def _count(found: pd.DataFrame) -> pd.DataFrame:
    if found.empty:
        return pd.DataFrame({"kind": [], "field": [], "code": [], "n": []})
    counted = found.groupby(["kind", "field", "code"], as_index=False).size().rename(columns={"size": "n"})
    return counted.sort_values(["n", "kind", "field", "code"], ascending=[False, True, True, True]) \
        .reset_index(drop=True)


@dataclass(frozen=True)
class ImportPreview:
    n_rows: int
    summary: pd.DataFrame  # field, code, n
    examples: pd.DataFrame  # field, code, value, detail (three per field and code)


def import_preview(paths: list[Path], kind: str, overrides: dict[str, str] | None = None) -> ImportPreview:
    """Import into a throwaway in-memory database to show rows and findings before committing."""
    scratch = db.connect(":memory:")
    auth.ensure_schema(scratch)  # an audit record the importer writes stays in the scratch database too
    try:
        result = import_files(scratch, paths, kind, overrides=overrides or {})
        return ImportPreview(result.n_rows, run_query(scratch, "import_preview_summary"),
                             run_query(scratch, "import_preview_examples"))
    finally:
        scratch.close()
