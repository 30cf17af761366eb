"""Read .xlsx/.csv exports as text cells, streaming, with the header row found among title rows.

Every cell comes back as text exactly as the file shows it (numbers without a spurious '.0', date cells as ISO
text), so the raw layer keeps what was read and the standardisation step decides what it means.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from hssk.config import ImportLimits
from hssk.errors import HsskError
from hssk.fmt import vn_int
from hssk.ingest.claims import read_claim_sheets
from hssk.ingest.headers import REQUIRED, header_key, label, match_headers
from hssk.ingest.limits import (
    CONTROL_RE,
    check_file,
    check_workbook,
    limits,
    may_hold_controls,
    raise_password,
    scan_text,
)
from hssk.ingest.sheet import Sheet

HEADER_SCAN_ROWS = 30
CHUNK_ROWS = 100_000


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
def _xlsx_sheets(path: Path, kind: str, overrides, lim: ImportLimits) -> list[Sheet]:
    from python_calamine import CalamineWorkbook, PasswordError

    check_workbook(path, lim)  # dimensions, sizes and compression within the limits, or refused
    try:
        book = CalamineWorkbook.from_path(str(path))
    except PasswordError as exc:
        raise_password(path, str(exc))
    except Exception as exc:  # calamine raises its own error types for broken files
        _refuse_grid(path, exc, lim)
        raise HsskError(f"Không đọc được tệp Excel {path.name}: tệp hỏng hoặc không phải .xlsx.", str(exc)) from exc
    found, first_error = [], None
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
        except PasswordError as exc:
            raise_password(path, str(exc))
        except Exception as exc:
            _refuse_grid(path, exc, lim)
            raise HsskError(f"Không đọc được trang «{name}» của tệp Excel {path.name}: tệp hỏng.", str(exc)) from exc
        if (sheet.width > lim.max_columns or sheet.height > lim.max_rows
                or sheet.width * sheet.height > lim.max_grid_cells):  # e.g. an .ods or old .xls, not scanned before
            raise HsskError(f"Trang «{name}» của tệp {path.name} có {vn_int(sheet.height)} dòng × "
                            f"{vn_int(sheet.width)} cột, vượt giới hạn {vn_int(lim.max_rows)} dòng, "
                            f"{vn_int(lim.max_columns)} cột.", "sheet beyond the limits")
        rows_iter = iter(sheet.iter_rows())
        head = []
        for row in rows_iter:
            head.append([cell_text(c) for c in row])
            if len(head) >= HEADER_SCAN_ROWS:
                break
        idx, headers, mapping = _find_header(kind, head, overrides)
        _check_head(path, head, lim, headers)
        try:
            _check_header(kind, path, headers, mapping)
        except HsskError as exc:
            first_error = first_error or exc
            continue

        # Defaults bind this sheet's values: the generator runs after the loop has moved to the next sheet.
        def chunks(head=head, idx=idx, rows_iter=rows_iter, width=len(headers), header_row=idx + 1,  # noqa: B008
                   name=name, headers=headers):
            row_no = 1
            batch = list(head[idx + 1:])
            for row in rows_iter:
                batch.append(row)
                if len(batch) >= CHUNK_ROWS:
                    table = _checked(_to_table(batch, width, row_no), path, headers, header_row, lim)
                    yield table
                    row_no += table.num_rows
                    batch = []
            table = _drop_trailing_blank(_checked(_to_table(batch, width, row_no), path, headers, header_row, lim))
            if table.num_rows:
                yield table

        found.append(Sheet(path, name, idx + 1, headers, mapping, chunks()))
    if not found:
        raise first_error or HsskError(f"Tệp {path.name} không có trang tính nào.", "workbook has no sheets")
    return found


def _refuse_grid(path: Path, exc: Exception, lim: ImportLimits) -> None:
    """The Excel reader's own guard on .ods and .xls sheets (it refuses more than 100 M cells) as a limit."""
    if "cell limit exceeded" in str(exc).lower():
        raise HsskError(f"Tệp {path.name} có trang tính trải trên quá nhiều ô, vượt giới hạn "
                        f"{vn_int(lim.max_grid_cells)} ô của một trang tính (max_grid_cells).", str(exc)) from exc


def _check_head(path: Path, rows: list[list[str | None]], lim: ImportLimits, headers: list[str],
                lines: list[int] | None = None) -> None:
    """The rows read to find the header: no cell beyond the cell limit (`lines`: the line each row ends on)."""
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if cell is not None and len(cell) * 4 > lim.max_cell_bytes and len(cell.encode("utf-8")) > lim.max_cell_bytes:
                column = f"cột «{headers[j]}»" if j < len(headers) and headers[j] else f"cột {j + 1}"
                raise _cell_too_big(path, lines[i] if lines else i + 1, column, len(cell.encode("utf-8")), lim)


def _cell_too_big(path: Path, line: int, column: str, size: int, lim: ImportLimits) -> HsskError:
    return HsskError(f"Tệp {path.name}, dòng {vn_int(line)}, {column}: ô dài {vn_int(size)} byte, vượt giới hạn "
                     f"{vn_int(lim.max_cell_bytes)} byte một ô (max_cell_bytes).", "cell too large")


def _checked(table: pa.Table, path: Path, headers: list[str], header_row: int, lim: ImportLimits) -> pa.Table:
    """A chunk of data rows with no cell beyond the cell limit (refused naming the row and column), and with
    control characters removed; `__controls` names the columns cleaned in each row (for a finding)."""
    cleaned = []
    for j, header in enumerate(headers):
        name = f"c{j}"
        column = table.column(name)
        if not len(column):
            continue
        lengths = pc.binary_length(column)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > lim.max_cell_bytes:
            at = pc.index(lengths, longest).as_py()
            raise _cell_too_big(path, header_row + table.column("__row")[at].as_py(), f"cột «{header or j + 1}»",
                                longest, lim)
        if may_hold_controls(column):
            hit = pc.fill_null(pc.match_substring_regex(column, CONTROL_RE), False)
            if pc.any(hit).as_py():
                fixed = pc.replace_substring_regex(column, CONTROL_RE, "")
                table = table.set_column(table.schema.get_field_index(name), name, pc.if_else(hit, fixed, column))
                cleaned.append(pc.if_else(hit, pa.scalar(header or f"Cột {j + 1}"), pa.scalar(None, pa.string())))
    if cleaned:
        joined = pc.binary_join_element_wise(*cleaned, ", ", null_handling="replace") if len(cleaned) > 1 \
            else cleaned[0]
        joined = pc.utf8_trim(pc.replace_substring_regex(joined, "(, )+", ", "), ", ") if len(cleaned) > 1 else joined
        joined = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
        table = table.append_column("__controls", joined)
    return table


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
def _head_records(path: Path, encoding: str, bom: int, lim: ImportLimits) -> tuple[list[list[str]], list[int], str]:
    """The first records of a text file (a quoted cell may span lines), the physical line each ends on, and the
    delimiter."""
    with open(path, "rb") as fh:
        fh.seek(bom)
        raw = fh.read(1 << 20)
    codec = {"utf-16": "utf-16-le" if bom and _bom_le(path) else "utf-16-be"}.get(encoding, encoding)
    sample = codecs.getincrementaldecoder(codec)("replace").decode(raw, final=False)
    lines = sample.split("\n")[:HEADER_SCAN_ROWS]
    delimiter = max([",", ";", "\t"], key=lambda d: sum(line.count(d) for line in lines))
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    records, ends = [], []
    previous = csv.field_size_limit(max(lim.max_line_bytes, 1 << 17))
    try:
        for record in reader:
            records.append(record)
            ends.append(reader.line_num)
            if len(records) >= HEADER_SCAN_ROWS:
                break
    except csv.Error as exc:
        raise HsskError(f"Tệp {path.name}, dòng {vn_int(reader.line_num)}: không đọc được dòng này ({exc}).",
                        str(exc)) from exc
    finally:
        csv.field_size_limit(previous)
    return records, ends, delimiter


def _bom_le(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\xff\xfe"


def _csv_sheet(path: Path, kind: str, overrides, lim: ImportLimits) -> list[Sheet]:
    text = scan_text(path, lim)  # one encoding for the whole file, lines within the limits, or refused
    encoding = text.encoding
    head, ends, delimiter = _head_records(path, encoding, text.bom, lim)
    for record, line in zip(head, ends):
        if len(record) > lim.max_columns:
            raise HsskError(f"Tệp {path.name}, dòng {vn_int(line)}: có {vn_int(len(record))} cột, vượt giới hạn "
                            f"{vn_int(lim.max_columns)} cột (max_columns).", "too many columns")
    idx, headers, mapping = _find_header(kind, head, overrides)
    _check_head(path, head, lim, headers, ends)
    _check_header(kind, path, headers, mapping)
    names = [f"c{j}" for j in range(len(headers))]
    header_line = ends[idx]  # title rows above may hold quoted line breaks: skip physical lines, not records

    def chunks():
        row_no = 1
        try:  # the reader parses its first block when it is opened
            reader = pacsv.open_csv(
                path,
                read_options=pacsv.ReadOptions(skip_rows=header_line, column_names=names, encoding=encoding,
                                               block_size=32 << 20),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                                 invalid_row_handler=lambda row: "error"),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                     strings_can_be_null=True, null_values=[""]),
            )
            for batch in reader:
                table = pa.Table.from_batches([batch])
                table = table.append_column("__row", pa.array(range(row_no, row_no + table.num_rows), pa.int32()))
                row_no += table.num_rows
                if row_no > lim.max_rows + 1:
                    raise HsskError(f"Tệp {path.name} có hơn {vn_int(lim.max_rows)} dòng dữ liệu, vượt giới hạn "
                                    "(max_rows).", "too many rows")
                yield _checked(table, path, headers, header_line, lim)
        except pa.ArrowInvalid as exc:
            raise _ragged_row(path, encoding, delimiter, header_line, len(headers), exc) from exc

    return [Sheet(path, None, header_line, headers, mapping, chunks())]


def _ragged_row(path: Path, encoding: str, delimiter: str, header_line: int, width: int,
                exc: Exception) -> HsskError:
    """Find the first row whose number of cells differs from the header (a slow pass over the file, only on the
    way to a refusal: the fast reader does not tell which row)."""
    previous = csv.field_size_limit(1 << 30)
    try:
        with open(path, encoding=encoding, errors="replace", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            start = 1
            for record in reader:
                if reader.line_num > header_line and record and len(record) != width:
                    return HsskError(f"Tệp {path.name}, dòng {vn_int(start)}: có {len(record)} ô trong khi dòng tiêu đề "
                                     f"có {width} cột. Hãy sửa dòng này (thường do dấu phân cách hoặc dấu ngoặc kép "
                                     "thừa) rồi nhập lại.", str(exc))
                start = reader.line_num + 1
    except (csv.Error, UnicodeError):
        pass
    finally:
        csv.field_size_limit(previous)
    return HsskError(f"Tệp {path.name} có dòng không đúng cấu trúc (số cột khác dòng tiêu đề).", str(exc))


def read_sheets(path: str | Path, kind: str, overrides: dict[str, str] | None = None) -> list[Sheet]:
    """The tables of one export file, ready to stream. Raises HsskError with a Vietnamese message; a file beyond
    the limits of data/config.toml [import] is refused before it is parsed."""
    path = Path(path)
    lim = limits()
    check_file(path, lim)
    suffix = path.suffix.lower()
    if kind == "claims":  # BHYT claim XML (.xml, .zip of them)
        return read_claim_sheets(path, overrides)
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return _xlsx_sheets(path, kind, overrides, lim)
    if suffix in (".csv", ".txt", ".tsv"):
        return _csv_sheet(path, kind, overrides, lim)
    raise HsskError(f"Không hỗ trợ định dạng tệp {path.name}: hãy dùng .xlsx hoặc .csv.", f"suffix {suffix}")
