"""Shared fixtures: a fresh in-memory database, and file builders for hand-made exports."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import openpyxl
import pytest

os.environ.setdefault("HSSK_DISABLE_USAGE_STATS", "1")

from hssk.db import connect  # noqa: E402


@pytest.fixture
def con():
    con = connect(":memory:")
    yield con
    con.close()


def write_xlsx(path: Path, rows: list[list], title_rows: list[str] = (), sheet: str = "Sheet1") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for title in title_rows:
        ws.append([title])
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list], *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with open(path, "w", encoding=encoding, newline="", errors="strict") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path
