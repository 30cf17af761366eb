"""Masking of personal identifiers for roles that must not see them.

One rule everywhere (screens, worklists, downloads): keep the first and the last three characters and
replace the rest with '*', so `001215000345` → `001******345`. A role that may see identifiers gets the
value unchanged; everything else goes through these functions.
"""

from __future__ import annotations

import re

import pandas as pd

# Columns that hold a personal identifier or a phone number on their own.
SENSITIVE_COLUMNS = frozenset({
    "personal_id", "personal_id_orig", "old_id", "old_id_orig",
    "insurance_card", "insurance_no", "insurance_no_orig", "social_insurance_no",
    "phone", "phone_orig",
})

# Identifiers hidden inside other text: record keys ('population:001215000345'), person ids
# ('P001215000345'), JSON cells, free text. Runs of 9+ digits cover CCCD (12), CMND (9),
# BHXH numbers and phones (10); phones may be typed in groups ('0912 345 678'); the BHYT card is
# two letters, a level digit and 12 digits, possibly with spaces or dashes. Dates and times
# ('2026-01-01 10:00') never have 9 digits in a row and stay readable.
_HIDDEN_ID = re.compile(
    r"(?<![0-9A-Za-z])[A-Za-z]{2}[ -]?[1-5](?:[ -]?\d){12,13}(?![0-9])"  # BHYT card code
    r"|(?<![0-9])(?:\+84|0)\d{2,3}[ .-]\d{3}[ .-]?\d{3,4}(?![0-9])"  # phone typed in groups
    r"|(?<![0-9])\d{9,}(?![0-9])"  # CCCD, CMND, BHXH number, phone, embedded in keys and text
)


def mask_id(value) -> str:
    """`001215000345` → `001******345`; `None`/empty → ''. Short values keep only their last character.

    Separators (spaces, dots, dashes) are dropped first so a masked value never leaks its length pattern.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a CCCD read from Excel as a number
    text = re.sub(r"[\s.\-]", "", str(value))
    if not text:
        return ""
    if len(text) <= 6:
        return "*" * (len(text) - 1) + text[-1]
    return text[:3] + "*" * (len(text) - 6) + text[-3:]


def mask_text(value) -> str | None:
    """Mask every identifier found inside a text (keys, JSON, free text); other text stays as is."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    return _HIDDEN_ID.sub(lambda m: mask_id(m.group(0)), str(value))


def mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` safe for a role without access to identifiers.

    Sensitive columns are masked whole; every other text column is scanned for embedded identifiers.
    Numbers stored as numbers in an identifier-looking column are masked too (Excel-style CCCD).
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if str(column) in SENSITIVE_COLUMNS:
            out[column] = series.map(mask_id, na_action="ignore").astype("object")
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(mask_text, na_action="ignore")
        elif pd.api.types.is_integer_dtype(series) and _largest(series) >= 10**8:
            out[column] = series.map(mask_text, na_action="ignore").astype("object")
    return out.rename(columns=lambda c: mask_text(c) if isinstance(c, str) else c)


def _largest(series: pd.Series) -> int:
    """The largest absolute value, 0 for an empty or all-missing column (nullable Int64 gives NA)."""
    value = series.abs().max(skipna=True)
    return 0 if pd.isna(value) else int(value)
