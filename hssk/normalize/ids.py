"""Identifiers: số định danh (CCCD), old CMND, BHYT/BHXH numbers and phone numbers (domain.md §2).

Excel turns identifier cells into numbers and drops leading zeros; these functions restore the zeros where
the layout makes it unambiguous, and never guess otherwise.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from hssk import reference
from hssk.normalize.text import is_blank

__all__ = [
    "normalize_insurance",
    "normalize_old_id",
    "normalize_personal_id",
    "normalize_phone",
    "personal_id_issues",
]

_SEPARATORS_RE = re.compile(r"[\s.\-_]+")
_SCIENTIFIC_RE = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_FLOAT_TEXT_RE = re.compile(r"^(\d+)\.0$")  # str() of a float read from Excel: "1085012345.0"
_CARD_RE = re.compile(r"^[A-Z]{2}[1-5]\d{2}\d{10}$")


def _digits(value) -> tuple[str | None, bool]:
    """(digit string or None, whether it came from a number). Separators removed; anything else → None."""
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int) or (type(value).__module__ == "numpy" and "int" in type(value).__name__):
        return (str(int(value)), True) if int(value) >= 0 else (None, True)
    if isinstance(value, float) or type(value).__module__ == "numpy":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None, False
        if math.isnan(number) or math.isinf(number) or number < 0 or number != int(number) or number >= 1e15:
            return None, True  # a fraction or beyond float precision: the digits are already lost
        return str(int(number)), True
    if not isinstance(value, str):
        return None, False
    text = value.strip().lstrip("'")  # Excel's "store as text" apostrophe
    if _SCIENTIFIC_RE.match(text):
        return None, True
    if m := _FLOAT_TEXT_RE.match(text):
        return m[1], True
    text = _SEPARATORS_RE.sub("", text)
    return (text, False) if text.isdigit() and text.isascii() else (None, False)


def normalize_personal_id(value) -> tuple[str | None, str | None]:
    """(12-digit số định danh or None, note) with note ∈ {None, 'restored_zeros', 'invalid'}.

    Accepts text with spaces/dots/dashes, int and float. A value of 10 or 11 digits (Excel dropped the zeros,
    1085012345 → '001085012345') is padded to 12 when the padded first three digits are a known province code
    (cccd_province_codes.csv); otherwise, and for scientific notation ('1.08501E+11': digits lost), letters or
    other lengths → (None, 'invalid'). Blank → (None, None). The 12-digit result is not checked against the
    province list: see `personal_id_issues`.
    """
    if is_blank(value):
        return None, None
    digits, _ = _digits(value)
    if digits is None:
        return None, "invalid"
    if len(digits) == 12:
        return digits, None
    if len(digits) in (10, 11):
        padded = digits.zfill(12)
        if padded[:3] in reference.province_codes():
            return padded, "restored_zeros"
    return None, "invalid"


def personal_id_issues(pid: str | None, sex: str | None = None, birth_year: int | None = None) -> list[str]:
    """Consistency problems of a 12-digit số định danh, ⊂ ['unknown_province', 'sex_mismatch',
    'birth_year_mismatch'] in that order.

    digits 1–3 must be one of the 63 province codes; digit 4 encodes century and sex (cccd_century_sex.csv),
    compared with `sex` ('M'/'F'; anything else is not compared); century + digits 5–6 must equal
    `birth_year` (when given). Anything that is not 12 digits → [].
    """
    if not isinstance(pid, str) or len(pid) != 12 or not pid.isdigit():
        return []
    issues = []
    if pid[:3] not in reference.province_codes():
        issues.append("unknown_province")
    pid_sex, century = reference.century_sex()[pid[3]]
    if sex in ("M", "F") and sex != pid_sex:
        issues.append("sex_mismatch")
    if birth_year is not None and not is_blank(birth_year):
        try:
            if int(birth_year) != century + int(pid[4:6]):
                issues.append("birth_year_mismatch")
        except (TypeError, ValueError):
            pass
    return issues


def normalize_old_id(value) -> str | None:
    """9-digit CMND, or None. Separators are removed; 8 digits get back the leading zero Excel dropped
    (CMND numbers start with a 2-digit area code such as 01); any other length or text → None."""
    if is_blank(value):
        return None
    digits, _ = _digits(value)
    if digits is None:
        return None
    if len(digits) == 9:
        return digits
    if len(digits) == 8:
        return "0" + digits
    return None


def normalize_insurance(value) -> tuple[str | None, str | None]:
    """(15-character BHYT card code or None, 10-digit mã số BHXH or None).

    A card code (`^[A-Z]{2}[1-5]\\d{2}\\d{10}$` once spaces, dots and dashes are removed and letters upper-cased:
    'hs4-01-0120878811' → 'HS4010120878811') gives both: its last 10 characters are the BHXH number. A bare
    10-digit number gives (None, number); 9 digits (a number that lost its leading zero) are padded.
    Anything else → (None, None).
    """
    if is_blank(value):
        return None, None
    if isinstance(value, str):
        text = _SEPARATORS_RE.sub("", value.strip().lstrip("'")).upper()
        if _CARD_RE.match(text):
            return text, text[-10:]
    digits, _ = _digits(value)
    if digits is None:
        return None, None
    if len(digits) == 10:
        return None, digits
    if len(digits) == 9:
        return None, "0" + digits
    return None, None


_PHONE_SEPARATORS_RE = re.compile(r"[\s.\-()]+")
_PHONE_SPLIT_RE = re.compile(r"[/,;]|\s-\s|\bho[aặ]c\b")
_MOBILE_RE = re.compile(r"^0[35789]\d{8}$")


def normalize_phone(value) -> str | None:
    """A 10-digit mobile number ('0912345678') or an 11-digit landline ('02438123456'), else None.

    '+84'/'84' become '0'; a number that lost its leading 0 in Excel gets it back; old 11-digit mobiles are
    renumbered with phone_prefix_2018.csv (0168… → 038…); Hà Nội's old '04' + 8 digits becomes '024' + 8.
    Other landlines (11 digits '02x…') are kept. In a cell holding several numbers ('0912… / 0987…') the first
    valid one is returned. Anything else → None.
    """
    if is_blank(value):
        return None
    if isinstance(value, str):
        for part in _PHONE_SPLIT_RE.split(value):
            phone = _phone(_PHONE_SEPARATORS_RE.sub("", part.strip().lstrip("'")))
            if phone:
                return phone
        return None
    digits, _ = _digits(value)
    return _phone(digits) if digits else None


@lru_cache(maxsize=1)
def _prefix_map() -> dict[str, str]:
    return reference.phone_prefixes()


reference.on_reload(_prefix_map.cache_clear)


def _phone(text: str) -> str | None:
    if text.startswith("+"):
        text = text[1:]
        if not text.startswith("84"):
            return None
    if not text.isdigit() or not text.isascii():
        return None
    if text.startswith("84") and len(text) in (11, 12):
        text = "0" + text[2:]
    elif not text.startswith("0") and len(text) in (9, 10):
        text = "0" + text
    if len(text) == 10:
        if _MOBILE_RE.match(text):
            return text
        if text.startswith("04"):
            return "024" + text[2:]
        return None
    if len(text) == 11:
        new_prefix = _prefix_map().get(text[:4])
        if new_prefix:
            return new_prefix + text[4:]
        if text.startswith("02"):
            return text
    return None
