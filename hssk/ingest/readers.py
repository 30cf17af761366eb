"""Read .xlsx/.csv exports as text cells, streaming, with the header row found among title rows.

Every cell comes back as text exactly as the file shows it (numbers without a spurious '.0', date cells as ISO
text), so the raw layer keeps what was read and the standardisation step decides what it means.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from hssk.errors import HsskError
from hssk.ingest.headers import REQUIRED, header_key, label, match_headers

HEADER_SCAN_ROWS = 30
CHUNK_ROWS = 100_000


@dataclass
class Sheet:
    """One table found in a file: its header, where it starts, and its rows as text (Arrow, streaming)."""

    file: Path
    sheet: str | None
    header_row: int  # 1-based row number of the header in the file/sheet
    headers: list[str]
    mapping: dict[int, str]  # column position -> field
    chunks: Iterator[pa.Table] = field(repr=False)  # columns c0..cN (strings) + __row (1-based data row)

    @property
    def unknown_columns(self) -> list[str]:
        return [h for i, h in enumerate(self.headers) if i not in self.mapping and h]


def cell_text(value: object) -> str | None:
    """A cell as the user sees it: 1085012345.0 -> '1085012345', date -> 'YYYY-MM-DD', '' -> None."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    text = str(value)
    return text if text.strip() else None


def _find_header(kind: str, rows: list[list[str | None]], overrides) -> tuple[int, list[str], dict[int, str]]:
    """The row among the first ones that names the most known fields (title rows above it are skipped)."""
    best = (-1, [], {})
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        headers = [(c or "").strip() for c in row]
        mapping = match_headers(kind, headers, overrides)
        if len(set(mapping.values())) > len(set(best[2].values())):
            best = (i, headers, mapping)
    return best


def _check_header(kind: str, path: Path, headers: list[str], mapping: dict[int, str]) -> None:
    if not mapping:
        raise HsskError(
            f"Không tìm thấy dòng tiêu đề hợp lệ trong tệp {path.name} (loại '{kind}'). "
            f"Tệp cần có các cột: {', '.join(label(kind, f) for f in REQUIRED[kind])}.",
            "no header row matched the aliases in formats.md",
        )
    keys = [header_key(h) for h in headers if h]
    dup_headers = sorted({h for h in headers if h and keys.count(header_key(h)) > 1})
    if dup_headers:
        raise HsskError(f"Tệp {path.name} có cột bị trùng tên: {', '.join(dup_headers)}. Hãy xoá hoặc đổi tên cột trùng.",
                        "duplicated header")
    fields = list(mapping.values())
    dup_fields = sorted({f for f in fields if fields.count(f) > 1})
    if dup_fields:
        cols = [headers[i] for i, f in mapping.items() if f in dup_fields]
        raise HsskError(f"Tệp {path.name} có nhiều cột cùng nghĩa: {', '.join(cols)}. Hãy giữ lại một cột.",
                        f"several columns map to {', '.join(dup_fields)}")
    missing = [f for f in REQUIRED[kind] if f not in fields]
    if missing:
        raise HsskError(
            f"Tệp {path.name} thiếu cột bắt buộc: {', '.join(label(kind, f) for f in missing)}.",
            f"missing required field(s) {', '.join(missing)}",
        )


def _text_column(values) -> pa.Array:
    """Cells of one column as text; blank → NULL. Text cells go to Arrow as they are; a column holding numbers or
    dates (IDs Excel stored as numbers) is converted cell by cell with `cell_text`."""
    try:
        column = pa.array(values, pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        column = pa.array([cell_text(c) for c in values], pa.string())
    blank = pc.equal(pc.utf8_trim_whitespace(column), "")
    return pc.if_else(blank, pa.scalar(None, pa.string()), column)


def _to_table(rows: list[list], width: int, first_row: int) -> pa.Table:
    if any(len(r) < width for r in rows):
        rows = [list(r) + [None] * (width - len(r)) for r in rows]
    columns = list(zip(*rows))[:width] if rows else [()] * width
    cols = {f"c{j}": _text_column(values) for j, values in enumerate(columns)}
    cols["__row"] = pa.array(range(first_row, first_row + len(rows)), pa.int32())
    return pa.table(cols)


# ---------------------------------------------------------------------------------------------- Excel
def _xlsx_sheets(path: Path, kind: str, overrides) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken files
        raise HsskError(f"Không đọc được tệp Excel {path.name}: tệp hỏng hoặc không phải .xlsx.", str(exc)) from exc
    found, first_error = [], None
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        rows_iter = iter(sheet.iter_rows())
        head = []
        for row in rows_iter:
            head.append([cell_text(c) for c in row])
            if len(head) >= HEADER_SCAN_ROWS:
                break
        idx, headers, mapping = _find_header(kind, head, overrides)
        try:
            _check_header(kind, path, headers, mapping)
        except HsskError as exc:
            first_error = first_error or exc
            continue

        def chunks(head=head, idx=idx, rows_iter=rows_iter, width=len(headers)):
            row_no = 1
            batch = list(head[idx + 1:])
            for row in rows_iter:
                batch.append(row)
                if len(batch) >= CHUNK_ROWS:
                    table = _to_table(batch, width, row_no)
                    yield table
                    row_no += table.num_rows
                    batch = []
            table = _drop_trailing_blank(_to_table(batch, width, row_no))
            if table.num_rows:
                yield table

        found.append(Sheet(path, name, idx + 1, headers, mapping, chunks()))
    if not found:
        raise first_error or HsskError(f"Tệp {path.name} không có trang tính nào.", "workbook has no sheets")
    return found


def _drop_trailing_blank(table: pa.Table) -> pa.Table:
    """Excel keeps formatted empty rows at the end of a sheet; they are not data."""
    filled = [pc.is_valid(table.column(name)) for name in table.column_names if name != "__row"]
    if not filled or not table.num_rows:
        return table
    any_filled = filled[0]
    for column in filled[1:]:
        any_filled = pc.or_(any_filled, column)
    rows = pc.indices_nonzero(any_filled)
    return table.slice(0, rows[-1].as_py() + 1 if len(rows) else 0)


# ------------------------------------------------------------------------------------------------ CSV
def _decode_sample(raw: bytes) -> tuple[str, str]:
    """Pick the encoding: UTF-8 (with or without BOM) when it decodes, else Windows-1258."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", raw[3:].decode("utf-8", errors="replace")
    try:
        return "utf-8", raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3:  # the sample cut a multi-byte character
            return "utf-8", raw[: exc.start].decode("utf-8")
        return "cp1258", raw.decode("cp1258", errors="replace")


def _csv_sheet(path: Path, kind: str, overrides) -> list[Sheet]:
    raw = path.read_bytes()[: 1 << 20]
    if b"\x00" in raw[:4096]:
        raise HsskError(f"Tệp {path.name} không phải tệp văn bản CSV.", "binary content")
    encoding, sample = _decode_sample(raw)
    lines = sample.splitlines()[:HEADER_SCAN_ROWS]
    delimiter = max([",", ";", "\t"], key=lambda d: sum(line.count(d) for line in lines))
    head = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    idx, headers, mapping = _find_header(kind, head, overrides)
    _check_header(kind, path, headers, mapping)
    names = [f"c{j}" for j in range(len(headers))]

    def chunks():
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=idx + 1, column_names=names, encoding=encoding,
                                           block_size=32 << 20),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             invalid_row_handler=lambda row: "error"),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True, null_values=[""]),
        )
        row_no = 1
        for batch in reader:
            table = pa.Table.from_batches([batch])
            table = table.append_column("__row", pa.array(range(row_no, row_no + table.num_rows), pa.int32()))
            row_no += table.num_rows
            yield table

    return [Sheet(path, None, idx + 1, headers, mapping, chunks())]


def read_sheets(path: str | Path, kind: str, overrides: dict[str, str] | None = None) -> list[Sheet]:
    """The tables of one export file, ready to stream. Raises HsskError with a Vietnamese message."""
    path = Path(path)
    if not path.exists():
        raise HsskError(f"Không tìm thấy tệp {path}.", "file not found")
    if path.stat().st_size == 0:
        raise HsskError(f"Tệp {path.name} rỗng.", "empty file")
    suffix = path.suffix.lower()
    if kind == "claims":  # BHYT claim XML (.xml, .zip of them)
        from hssk.ingest.claims import read_claim_sheets
        return read_claim_sheets(path, overrides)
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return _xlsx_sheets(path, kind, overrides)
    if suffix in (".csv", ".txt", ".tsv"):
        return _csv_sheet(path, kind, overrides)
    raise HsskError(f"Không hỗ trợ định dạng tệp {path.name}: hãy dùng .xlsx hoặc .csv.", f"suffix {suffix}")
