"""Builders for hand-made export files used by the tests."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl


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


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed letters where the code page has them (â ê ô ơ ư ă đ),
    the tone mark as a separate combining character."""
    import unicodedata

    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        for mark in [m for m in marks if m in "\u0302\u0306\u031b"]:  # circumflex, breve, horn: part of the letter
            base = unicodedata.normalize("NFC", base + mark)
            marks.remove(mark)
        out += base.encode("cp1258") + "".join(marks).encode("cp1258")
    return bytes(out)
