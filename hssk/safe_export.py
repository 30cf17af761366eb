"""Spreadsheet-safe CSV / XLSX / JSON writing (no formula injection).

A cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula (or DDE call) by
Excel and LibreOffice when the file is opened. Every export of the workbench goes through `neutralise`, which
prefixes such text with an apostrophe: `=HYPERLINK(…)` → `'=HYPERLINK(…)`; the apostrophe is visible, the formula
never runs. Numbers, dates and empty cells are left as they are.

    >>> write_table(frame, "danh_sach.xlsx")        # or .csv / .json, chosen by extension
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hssk.errors import HsskError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "DD/MM/YYYY"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
CELL_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MAX_COLUMN_WIDTH = 60
EXCEL_SHEET_NAME_MAX = 31


def neutralise(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; anything else is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _cell_value(value):
    """A frame value as a plain Python cell value: None for missing, date for timestamps, text neutralised."""
    if _is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
        return value.date() if value == datetime(value.year, value.month, value.day) else value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar → Python scalar
    return neutralise(value) if isinstance(value, str) else value


def _rows(frame: pd.DataFrame) -> list[list]:
    return [[_cell_value(v) for v in row] for row in frame.itertuples(index=False, name=None)]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM (so Excel shows Vietnamese correctly), every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_text(neutralise(str(c))) for c in frame.columns])
    for row in _rows(frame):
        writer.writerow([_text(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def json_bytes(frame: pd.DataFrame) -> bytes:
    """A list of objects, one per row; text neutralised like every other export (the apostrophe is kept)."""
    keys = [neutralise(str(k)) for k in frame.columns]
    records = [{k: (_text(v) if isinstance(v, (date, datetime)) else v) for k, v in zip(keys, row)}
               for row in _rows(frame)]
    return json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")


def format_table(ws: Worksheet, header_row: int, first_col: int, n_cols: int, last_row: int,
                 *, freeze: bool = True, autofilter: bool = True) -> None:
    """Bold filled header, borders, wrapped header text, frozen header, filter, and widths from the content."""
    for col in range(first_col, first_col + n_cols):
        head = ws.cell(row=header_row, column=col)
        head.font = Font(bold=True)
        head.fill = HEADER_FILL
        head.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        for row in range(header_row, last_row + 1):
            ws.cell(row=row, column=col).border = CELL_BORDER
    if freeze:
        ws.freeze_panes = ws.cell(row=header_row + 1, column=first_col)
    if autofilter and last_row > header_row:
        ws.auto_filter.ref = (f"{get_column_letter(first_col)}{header_row}:"
                              f"{get_column_letter(first_col + n_cols - 1)}{last_row}")
    fit_column_widths(ws, header_row, last_row, first_col, n_cols)


def fit_column_widths(ws: Worksheet, first_row: int, last_row: int, first_col: int, n_cols: int,
                      minimum: int = 8) -> None:
    for col in range(first_col, first_col + n_cols):
        longest = minimum
        for row in range(first_row, last_row + 1):
            value = ws.cell(row=row, column=col).value
            if value is not None:
                text = value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value)
                # a header may wrap over two lines
                longest = max(longest, len(text) // 2 + 2 if row == first_row else len(text) + 2)
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0,
                                                 min(longest, MAX_COLUMN_WIDTH))


def setup_print(ws, *, landscape: bool = True, title_rows: str | None = None) -> None:
    """A4, fit to one page wide (as many pages tall as needed), repeated title rows, page numbers."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE if landscape else Worksheet.ORIENTATION_PORTRAIT
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "Trang &P / &N"
    if title_rows:
        ws.print_title_rows = title_rows


def safe_sheet_title(title: str) -> str:
    cleaned = "".join("-" if ch in '[]:*?/\\' else ch for ch in title).strip("'")
    return cleaned[:EXCEL_SHEET_NAME_MAX] or "Sheet"


def _frame_widths(frame: pd.DataFrame, sample: int = 2000) -> list[int]:
    """Column widths from the header (may wrap over two lines) and the first `sample` rows."""
    widths = []
    for column in frame.columns:
        longest = max(8, len(str(column)) // 2 + 2)
        for value in frame[column].head(sample):
            if not _is_missing(value):
                text = value.strftime("%d/%m/%Y") if isinstance(value, (date, pd.Timestamp)) else str(value)
                longest = max(longest, len(text) + 2)
        widths.append(min(longest, MAX_COLUMN_WIDTH))
    return widths


def add_table_sheet(book: Workbook, title: str, frame: pd.DataFrame) -> None:
    """One sheet holding `frame` as a filterable, print-ready table (header on row 1, frozen and repeated).

    `book` is a write-only workbook: tens of thousands of rows are written in seconds. Text cells stay text (IDs keep
    their leading zeros) and never start with a formula character (see `neutralise`).
    """
    ws = book.create_sheet(safe_sheet_title(title))
    n_cols = max(len(frame.columns), 1)
    for i, width in enumerate(_frame_widths(frame), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(n_cols)}{len(frame) + 1}"
    setup_print(ws, title_rows="1:1")
    ws.oddHeader.center.text = title.replace("&", "&&")
    header = []
    for name in frame.columns:
        cell = WriteOnlyCell(ws, value=neutralise(str(name)))
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, CELL_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        header.append(cell)
    ws.append(header)
    for row in _rows(frame):
        ws.append([_date_cell(ws, v) if isinstance(v, (date, datetime)) else v for v in row])


def _date_cell(ws, value):
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = DATE_FORMAT
    return cell


def xlsx_bytes(sheets: dict[str, pd.DataFrame] | pd.DataFrame, sheet_name: str = "Danh sách") -> bytes:
    """One formatted sheet per frame (a single frame → one sheet named `sheet_name`)."""
    if isinstance(sheets, pd.DataFrame):
        sheets = {sheet_name: sheets}
    book = Workbook(write_only=True)
    for title, frame in sheets.items():
        add_table_sheet(book, title, frame)
    if not sheets:
        add_table_sheet(book, sheet_name, pd.DataFrame())
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_bytes(frame: pd.DataFrame, fmt: str, sheet_name: str = "Danh sách") -> bytes:
    """`fmt` is 'csv', 'xlsx' or 'json'."""
    fmt = fmt.lower().lstrip(".")
    if fmt == "csv":
        return csv_bytes(frame)
    if fmt == "xlsx":
        return xlsx_bytes(frame, sheet_name)
    if fmt == "json":
        return json_bytes(frame)
    raise HsskError(f"Định dạng tệp '{fmt}' không được hỗ trợ: dùng .xlsx, .csv hoặc .json.", f"format {fmt!r}")


def write_private(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` readable by its owner only (0600): exports hold personal data."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)  # an existing file keeps its old mode through O_CREAT
    return path


def write_table(frame: pd.DataFrame, path: str | Path, sheet_name: str = "Danh sách") -> Path:
    """Write `frame` as .xlsx, .csv or .json according to the file extension."""
    path = Path(path)
    return write_private(path, file_bytes(frame, path.suffix, sheet_name))


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    return write_private(path, csv_bytes(frame))


def write_xlsx(sheets: dict[str, pd.DataFrame] | pd.DataFrame, path: str | Path,
               sheet_name: str = "Danh sách") -> Path:
    return write_private(path, xlsx_bytes(sheets, sheet_name))
