"""Write tables as real station files: .xlsx (openpyxl write-only) or .csv (UTF-8, UTF-8 BOM, cp1258).

Output is byte-for-byte reproducible: xlsx archives get fixed timestamps and document properties.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from hssk.demo.frames import cached_arrow_text, write_arrow_csv
from hssk.demo.layouts import ID_FIELDS, Layout

FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258_text(text: str) -> str:
    """Text in the form Windows-1258 can hold: base letters (â, ê, ơ, ư, ă …) plus combining tone marks, using
    the precomposed code where cp1258 has one (à, á, é …). Decoding gives the same text after NFC."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            ch.encode("cp1258")
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        out.append(base + tones)
    return "".join(out)


def write_csv(path: Path, layout: Layout, columns: list[np.ndarray]) -> None:
    headers = list(layout.headers.values())
    buf = io.StringIO(newline="")
    eol = "\n" if layout.encoding == "utf-8" else "\r\n"  # Excel and Windows tools write CRLF
    writer = csv.writer(buf, delimiter=layout.sep, lineterminator=eol)
    writer.writerow(headers)
    writer.writerows(zip(*[_as_text(c) for c in columns]))
    text = buf.getvalue()
    if layout.encoding == "cp1258":
        data = to_cp1258_text(text).encode("cp1258")
    else:
        data = text.encode(layout.encoding)
    path.write_bytes(data)


def _as_text(col: np.ndarray) -> list:
    return ["" if v is None else v if isinstance(v, str) else str(v) for v in col]


def write_xlsx(path: Path, layout: Layout, columns: list[np.ndarray]) -> None:
    wb = Workbook(write_only=True)
    wb.properties.creator = "HSSK"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    ws = wb.create_sheet(layout.sheet)
    for title in layout.title_rows:
        ws.append([title])
    ws.append(list(layout.headers.values()))
    fields = list(layout.headers)
    numeric = [layout.numeric_ids and f in ID_FIELDS for f in fields]

    def date_cell(value):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "dd/mm/yyyy"
        return cell

    for row in zip(*columns):
        out = []
        for value, as_number in zip(row, numeric):
            if value is None or value == "":
                out.append(None)
            elif isinstance(value, dt.datetime):
                out.append(date_cell(value))
            elif as_number and isinstance(value, str) and value.isdigit():
                out.append(int(value))  # as Excel does: the leading zeros are gone
            else:
                out.append(value)
        ws.append(out)
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    _freeze_zip(tmp, path)
    tmp.unlink()


def _freeze_zip(src: Path, dst: Path) -> None:
    """Rewrite the archive with fixed member timestamps so equal content gives equal bytes."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            data = _strip_core_times(info.filename, data)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)


def _strip_core_times(name: str, data: bytes) -> bytes:
    if name != "docProps/core.xml":
        return data
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\g<2>", data)


def _rows(column, order: np.ndarray) -> np.ndarray:
    if isinstance(column, np.ndarray):
        return column[order]
    return column.take(np.asarray(order, dtype=np.int64)).to_numpy(zero_copy_only=False)  # Arrow column


def write(path: Path, layout: Layout, columns: list, order: np.ndarray, cache: dict | None = None) -> None:
    """Write rows `order` of the columns (numpy object arrays or Arrow arrays), in that order. `cache` keeps
    Arrow conversions of columns shared by several files."""
    if layout.bulk and layout.ext == "csv" and layout.encoding == "utf-8":
        indices = pa.array(np.asarray(order, dtype=np.int64))
        write_arrow_csv(path, {f"c{i}": pc.take(cached_arrow_text(c, cache), indices) for i, c in enumerate(columns)},
                        header=list(layout.headers.values()))
    elif layout.ext == "xlsx":
        write_xlsx(path, layout, [_rows(c, order) for c in columns])
    else:
        write_csv(path, layout, [_rows(c, order) for c in columns])
