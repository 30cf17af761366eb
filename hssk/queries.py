"""Named SQL files in queries/: load them by name and run them with bound parameters."""

from __future__ import annotations

import re
from functools import cache

import duckdb
import pandas as pd

from hssk.config import QUERIES_DIR

_HEADER = re.compile(r"^--\s*(\w+):\s*(.*)$")


@cache
def load_query(name: str) -> str:
    path = QUERIES_DIR / f"{name}.sql"
    return path.read_text(encoding="utf-8")


def query_header(name: str) -> dict[str, str]:
    """The `-- key: value` lines at the top of a query file (name, title, grain, params, reads)."""
    header = {}
    for line in load_query(name).splitlines():
        match = _HEADER.match(line)
        if not match:
            if line.strip() and not line.startswith("--"):
                break
            continue
        header[match.group(1)] = match.group(2).strip()
    return header


def run_query(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql; DuckDB binds `$param` values, never pasted into the SQL text."""
    sql = load_query(name)
    used = set(re.findall(r"\$(\w+)", sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in used}).df()
