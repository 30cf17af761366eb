"""ICD-10 code → HSSK health categories, from the editable data/reference/icd10_categories.csv (its README.md).

    >>> categories_of("I10")          # [('chronic_disease', 'Tăng huyết áp'), ('medical_history', '')]
    >>> register(con)                 # temp table icd10_categories for queries/kpi_health_evidence.sql
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from hssk import reference
from hssk.errors import HsskError

FILE = "icd10_categories.csv"
CATEGORIES = ("chronic_disease", "infectious_disease", "reproductive_health", "vaccination", "medical_history",
              "none")


def _key(code: str) -> str:
    return code.strip().upper().replace(".", "").replace(" ", "")


def table(directory: str | Path | None = None) -> pd.DataFrame:
    """The file's rows with their match keys (code without dot): code_from, code_to, category, name_vi, note,
    from_key, to_key. Raises HsskError (Vietnamese) for an unknown category or an inverted range."""
    frame = reference._load(FILE, directory).copy()
    bad = sorted(set(frame["category"]) - set(CATEGORIES))
    if bad:
        raise HsskError(f"Tệp {FILE} có nhóm không hợp lệ: {', '.join(bad)}. Dùng một trong: {', '.join(CATEGORIES)}.",
                        "unknown category")
    frame["from_key"] = frame["code_from"].map(_key)
    frame["to_key"] = frame["code_to"].map(_key)
    inverted = frame[frame["from_key"] > frame["to_key"]]
    if len(inverted):
        row = inverted.iloc[0]
        raise HsskError(f"Tệp {FILE}: khoảng mã {row.code_from}–{row.code_to} bị ngược.", "inverted range")
    return frame


def categories_of(code: str, directory: str | Path | None = None) -> list[tuple[str, str]]:
    """(category, name) for every category the code fills, the narrowest matching row naming each; [] for none.
    Mirrors the SQL of kpi_health_evidence (tested against it)."""
    key = _key(code)
    best: dict[str, tuple[str, str, str]] = {}
    for row in table(directory).itertuples(index=False):
        if key[: len(row.from_key)] >= row.from_key and key[: len(row.to_key)] <= row.to_key:
            current = best.get(row.category)
            rank = (row.from_key, _invert(row.to_key))
            if current is None or rank > current[:2]:
                best[row.category] = (row.from_key, _invert(row.to_key), row.name_vi)
    return [(cat, best[cat][2]) for cat in CATEGORIES if cat in best and cat != "none"]


def _invert(text: str) -> str:
    """A sort key that orders strings descending (the narrower range ends earlier)."""
    return "".join(chr(0x10FFFF - ord(ch)) for ch in text)


def register(con: duckdb.DuckDBPyConnection, directory: str | Path | None = None) -> None:
    """The file as the temp table icd10_categories on this connection (after reference.reload(), the edited file)."""
    frame = table(directory)[["code_from", "code_to", "from_key", "to_key", "category", "name_vi"]]
    con.register("icd10_categories_frame", frame)
    try:
        con.execute("create or replace temp table icd10_categories as select * from icd10_categories_frame")
    finally:
        con.unregister("icd10_categories_frame")
