"""Cell text clean-up and the comparison keys for Vietnamese names (domain.md §4).

- `fix_text`: what is stored as the clean text (legacy repaired, NFC, whitespace collapsed).
- `title_case`: "NGUYỄN VĂN ĐỨC" → "Nguyễn Văn Đức".
- `tone_key`: equality key that ignores case, NFC/NFD and old/new tone placement (Hòa = Hoà).
- `ascii_key`: accent-free key (Đ → d) for fuzzy comparison.

Stored names are never rewritten to a tone convention; only the keys are.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

from hssk.normalize.legacy import repair_legacy

__all__ = ["ascii_key", "fix_text", "is_blank", "strip_accents", "title_case", "tone_key"]

# Zero-width characters vanish; every Unicode space (NBSP, thin, ideographic …) is collapsed by str.split().
_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def is_blank(value) -> bool:
    """None, NaN/NaT/pd.NA, or a string of only whitespace (zero-width characters included)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not _ZERO_WIDTH_RE.sub("", value).strip()
    if isinstance(value, float):
        return math.isnan(value)
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas missing values, without importing pandas
        return True
    try:  # numpy NaN of any width
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def fix_text(value) -> str | None:
    """The cleaned text of one cell: legacy TCVN3/VNI repaired (per cell), NFC, whitespace collapsed, stripped.

    None, NaN and whitespace-only → None. Non-strings are converted with `str()` (an int 12 → "12"; a float keeps
    its ".0": identifiers have their own functions). Never raises. A soft hyphen left after repair is removed
    (it is invisible in Unicode text but breaks equality). Cached, so `tone_key(fix_text(x))` costs one repair.
    """
    if isinstance(value, str):
        return _fix_str(value)
    if is_blank(value):
        return None
    return _fix_str(str(value))


@lru_cache(maxsize=65536)
def _fix_str(text: str) -> str | None:
    if text.isascii():
        return " ".join(text.split()) or None
    text = " ".join(_ZERO_WIDTH_RE.sub("", text).split())
    if not text:
        return None
    text, _ = repair_legacy(text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "\xad" in text:
        text = " ".join(text.replace("\xad", "").split())
    return text or None


_TITLE_BOUNDARY = re.compile(r"(^|[\s\-'’(/])(\w)")


def title_case(value) -> str | None:
    """Vietnamese title case: the first letter of each word and of each hyphen/apostrophe part is a capital.

    "NGUYỄN VĂN ĐỨC" → "Nguyễn Văn Đức"; "h'hen niê" → "H'Hen Niê"; "bru-vân kiều" → "Bru-Vân Kiều";
    digits are no boundary ("thôn 3a" → "Thôn 3a"). Input goes through `fix_text`; None/blank → None.
    """
    text = fix_text(value)
    if text is None:
        return None
    return title_words(text)


def title_words(text: str) -> str:
    """`title_case` of text that is already clean (no fix_text): one word or several."""
    return _TITLE_BOUNDARY.sub(lambda m: m.group(1) + m.group(2).upper(), text.lower())


# --- tone placement -------------------------------------------------------------------------------------------
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def _split_tone(ch: str) -> tuple[str, str]:
    decomposed = unicodedata.normalize("NFD", ch)
    tone = "".join(c for c in decomposed if c in _TONE_MARKS)
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    return base, tone


# Only syllables whose whole rhyme is oa/oe/uy (open) have two accepted tone positions; "qu" is an initial, so
# quý/quỳ are single-vowel syllables and stay as they are.
_OPEN_GLIDE_RE = re.compile(r"^(ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|[bcdđghklmnprstvx])?(oa|oe|uy)$")
_LETTERS_RE = re.compile(r"[^\W\d_]+")


def _retone_syllable(word: str) -> str:
    """Old-style placement (hòa, khỏe, thủy) for open oa/oe/uy syllables; any other letter run unchanged."""
    bases = []
    tone = ""
    for ch in word:
        base, t = _split_tone(ch)
        if t:
            if tone:
                return word  # two tone marks: not a syllable, leave it
            tone = t
        bases.append(base)
    if not tone:
        return word
    bare = "".join(bases)
    m = _OPEN_GLIDE_RE.match(bare)
    if not m:
        return word
    i = m.start(2)
    return bare[:i] + unicodedata.normalize("NFC", bare[i] + tone) + bare[i + 1:]


@lru_cache(maxsize=262144)
def tone_key_word(word: str) -> str:
    """`tone_key` of one lower-case word that is already clean."""
    return _LETTERS_RE.sub(lambda m: _retone_syllable(m.group()), word)


def tone_key(value) -> str | None:
    """Comparison key: `fix_text` (so legacy text is repaired first), lower case, tone placement normalised.

    Open syllables with oa/oe/uy get the old placement on the first vowel, so Hòa/Hoà, Thủy/Thuỷ, khỏe/khoẻ
    give one key ("hòa", "thủy", "khỏe"); closed syllables (hoàn, thuyền, huỳnh) and i/y are never changed.
    None/blank → None.
    """
    text = fix_text(value)
    if text is None:
        return None
    return " ".join(map(tone_key_word, text.lower().split(" ")))


def _build_ascii_table() -> dict[int, str]:
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    for cp in list(range(0xC0, 0x250)) + list(range(0x1EA0, 0x1F00)):
        ch = chr(cp)
        stripped = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if stripped != ch and len(stripped) == 1:
            table[cp] = stripped
    return table


_ASCII_TABLE = _build_ascii_table()
_COMBINING_RE = re.compile(r"[\u0300-\u036f]")


def strip_accents(text: str) -> str:
    """Remove Vietnamese diacritics character by character (Đ → D), keeping length and case of NFC text."""
    return _COMBINING_RE.sub("", text.translate(_ASCII_TABLE))


def ascii_key(value) -> str | None:
    """Accent-free key: `fix_text`, diacritics removed, Đ/đ → d, lower case ("Nguyễn Thị Huệ Đức" →
    "nguyen thi hue duc"). Punctuation is kept. None/blank → None."""
    text = fix_text(value)
    if text is None:
        return None
    return strip_accents(text).lower()
