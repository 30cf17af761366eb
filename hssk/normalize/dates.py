"""Dates with the precision they were given in: dd/mm/yyyy, mm/yyyy or yyyy (domain.md §2.3: partial birth
dates exist in official data). Never invent a day or a month."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass

from hssk.normalize.text import ascii_key, is_blank

__all__ = ["MAX_YEAR", "MIN_YEAR", "PartialDate", "parse_date"]

MIN_YEAR = 1800
MAX_YEAR = 2100
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 once Excel's fictitious 29/02/1900 is skipped
# Serials below this are read as plain years (a numeric cell "1980" is a year, not 02/06/1905).
_MIN_SERIAL = MAX_YEAR + 1
_MAX_SERIAL = (dt.date(MAX_YEAR, 12, 31) - _EXCEL_EPOCH).days


@dataclass(frozen=True)
class PartialDate:
    """A calendar date known to the day, the month or only the year."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        """'day', 'month' or 'year'."""
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    @property
    def text(self) -> str:
        """'YYYY-MM-DD', 'YYYY-MM' or 'YYYY'."""
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def as_date(self) -> dt.date | None:
        """A `datetime.date` when the day is known, else None."""
        return dt.date(self.year, self.month, self.day) if self.day is not None else None


def _make(year: int, month: int | None = None, day: int | None = None) -> PartialDate | None:
    """A PartialDate if the parts form a real (partial) date in MIN_YEAR..MAX_YEAR, else None."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    if month is None:
        return None if day is not None else PartialDate(year)
    if not 1 <= month <= 12:
        return None
    if day is None:
        return PartialDate(year, month)
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return PartialDate(year, month, day)


def _pivot(two_digits: str) -> int:
    """Two-digit year: ahead of this year's last two digits → 19xx, else 20xx (in 2026: '26' → 2026, '27' → 1927)."""
    yy = int(two_digits)
    return 1900 + yy if yy > dt.date.today().year % 100 else 2000 + yy


def _from_serial(serial: float) -> PartialDate | None:
    if not _MIN_SERIAL <= serial <= _MAX_SERIAL:
        return None
    day = _EXCEL_EPOCH + dt.timedelta(days=math.floor(serial))
    return PartialDate(day.year, day.month, day.day)


def _from_number(value: float) -> PartialDate | None:
    if math.isnan(value) or math.isinf(value):
        return None
    if value == int(value) and MIN_YEAR <= value <= MAX_YEAR:
        return PartialDate(int(value))
    return _from_serial(value)


_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DMY_RE = re.compile(rf"^(\d{{1,2}})\s*[/.\-]\s*(\d{{1,2}})\s*[/.\-]\s*(\d{{4}}|\d{{2}}){_TIME}$")
_YMD_RE = re.compile(rf"^(\d{{4}})[/.\-](\d{{1,2}})[/.\-](\d{{1,2}}){_TIME}$")
_MY_RE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_YM_RE = re.compile(r"^(\d{4})[/.\-](\d{1,2})$")
_YEAR_RE = re.compile(r"^(\d{4})$")
_COMPACT_RE = re.compile(r"^(\d{8})$")
_SERIAL_RE = re.compile(r"^(\d{4,5})(?:\.\d+)?$")
_WORDS_RE = re.compile(
    r"^(?:ngay\s*(\d{1,2})\s*,?\s*)?(?:thang\s*(\d{1,2})\s*,?\s*)?(?:nam\s*(\d{4}))$"
)


def _parse_text(text: str) -> PartialDate | None:
    if m := _DMY_RE.match(text):
        day, month, year = m.groups()
        return _make(_pivot(year) if len(year) == 2 else int(year), int(month), int(day))
    if m := _YMD_RE.match(text):
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if m := _MY_RE.match(text):
        return _make(int(m[2]), int(m[1]))
    if m := _YM_RE.match(text):
        return _make(int(m[1]), int(m[2]))
    if m := _YEAR_RE.match(text):
        return _make(int(m[1]))
    if m := _COMPACT_RE.match(text):  # yyyymmdd, else ddmmyyyy (the chip-CCCD QR code)
        digits = m[1]
        return _make(int(digits[:4]), int(digits[4:6]), int(digits[6:])) or _make(
            int(digits[4:]), int(digits[2:4]), int(digits[:2])
        )
    if m := _SERIAL_RE.match(text):
        return _from_serial(float(text))
    key = ascii_key(text)
    if key and (m := _WORDS_RE.match(key)):
        day, month, year = m.groups()
        return _make(int(year), int(month) if month else None, int(day) if day else None)
    return None


def parse_date(value) -> PartialDate | None:
    """Parse one cell into a PartialDate; None for blank, impossible (31/02/2000) or unreadable values.

    Accepts: dd/mm/yyyy (day first; also `-` and `.`, optional time), d/m/yy (two-digit years ahead of the
    current year go to 19xx), yyyy-mm-dd (optional time, ISO), mm/yyyy, yyyy-mm, yyyy, 8 digits (yyyymmdd, else
    ddmmyyyy), "ngày 5 tháng 3 năm 1980" / "tháng 3 năm 1980" / "năm 1980", `datetime`/`date` objects, and Excel
    serial numbers (int/float or numeric text, 2101 … 73415 = years up to 2100; a number 1800–2100 is a year).
    Years outside 1800–2100 give None. Never raises.
    """
    if is_blank(value) or isinstance(value, bool):
        return None
    try:
        if isinstance(value, dt.datetime):
            return _make(value.year, value.month, value.day)
        if isinstance(value, dt.date):
            return _make(value.year, value.month, value.day)
        if isinstance(value, (int, float)) or type(value).__module__ == "numpy":
            return _from_number(float(value))
        if isinstance(value, str):
            return _parse_text(value.strip())
    except (ValueError, TypeError, OverflowError):
        return None
    return None
