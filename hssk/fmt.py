"""Numbers, shares and dates written the Vietnamese way — the one format of the app, the report and the worklists.

    >>> vn_int(1234567), vn_pct(0.953), vn_date(date(2026, 12, 2))
    ('1.234.567', '95,3 %', '02/12/2026')

An empty value (None, NaN, NaT) is written EMPTY ("—"), never "None" or "nan".
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime

import pandas as pd

EMPTY = "—"


def is_empty(value) -> bool:
    """None, NaN, NaT or pandas.NA."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))  # NaT, pandas.NA, numpy NaN
    except (TypeError, ValueError):  # a list or an array: not a single empty value
        return False


def vn_int(n) -> str:
    """12345 → '12.345'."""
    if is_empty(n):
        return EMPTY
    return f"{round(float(n)):,}".replace(",", ".")


def vn_decimal(x, digits: int = 2) -> str:
    """0.5312 → '0,53'; whole numbers keep their thousands dots."""
    if is_empty(x):
        return EMPTY
    text = f"{float(x):,.{digits}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def vn_pct(x, digits: int = 1) -> str:
    """0.953 → '95,3 %' (shares are fractions)."""
    if is_empty(x):
        return EMPTY
    return f"{float(x) * 100:.{digits}f} %".replace(".", ",")


def vn_pp(x, digits: int = 1) -> str:
    """A change of a share in percentage points: 0.012 → '+1,2 điểm %'."""
    if is_empty(x):
        return EMPTY
    return f"{float(x) * 100:+.{digits}f} điểm %".replace(".", ",")


def vn_date(value) -> str:
    """date, datetime, pandas Timestamp or ISO text → '02/12/2026'."""
    if is_empty(value):
        return EMPTY
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return value
    if isinstance(value, (date, datetime)) or hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def vn_datetime(value) -> str:
    """A moment → '02/12/2026 07:35'."""
    if is_empty(value):
        return EMPTY
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y %H:%M") if hasattr(value, "strftime") else str(value)


def vn_value(value) -> str:
    """Any single value as a person reads it: numbers and dates as above, booleans Có/Không, empties '—'."""
    if is_empty(value):
        return EMPTY
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return vn_int(value)
    if isinstance(value, float):
        return vn_int(value) if math.isfinite(value) and value.is_integer() else vn_decimal(value)
    if isinstance(value, datetime) or (hasattr(value, "hour") and hasattr(value, "strftime")):
        return vn_datetime(value) if (value.hour, value.minute, value.second) != (0, 0, 0) else vn_date(value)
    if isinstance(value, date):
        return vn_date(value)
    if isinstance(value, str):
        return vn_date_text(value)
    return str(value)


_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{2})")
_EN_SHARE = re.compile(r"(\d+)\.(\d+) ?%")


def vn_date_text(text: str) -> str:
    """A text that is an ISO date (or month) written the Vietnamese way: '1985-07-07' → '07/07/1985',
    '1985-07' → '07/1985', '2026-12-02 07:35:10' → '02/12/2026 07:35'; any other text unchanged."""
    if match := _ISO_DAY.fullmatch(text.strip()):
        year, month, day, hour, minute = match.groups()
        return f"{day}/{month}/{year}" + (f" {hour}:{minute}" if hour else "")
    if match := _ISO_MONTH.fullmatch(text.strip()):
        return f"{match.group(2)}/{match.group(1)}"
    return text


def vn_text(text: str) -> str:
    """Free text with numbers written the Vietnamese way: ISO dates → dd/mm/yyyy, '1.86%' → '1,86 %'."""
    text = _ISO_DAY.sub(lambda m: vn_date_text(m.group(0)), text)
    return _EN_SHARE.sub(lambda m: f"{m.group(1)},{m.group(2)} %", text)


def file_slug(text: str) -> str:
    """'Giang Cao' → 'giang_cao': accent-free names for downloaded files."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if unicodedata.category(ch) != "Mn").lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "tep"
