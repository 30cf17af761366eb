"""Whole-column versions of hssk.normalize, in Arrow compute.

Every cell of a million-row export goes through Arrow's C++ kernels (regular expressions, NFC, list and string
functions). Python runs only over small vocabularies: the distinct WORDS of a name column (a few thousand
syllables for a whole city), the distinct values of low-cardinality columns (sex, ethnicity, dates, villages),
and the rare cells that the canonical fast path does not cover (possible legacy TCVN3/VNI text, IDs typed with
separators or letters). Those go through the very same pure functions, so the result is the same as calling
hssk.normalize on every cell — which tests/test_columns.py checks on the demo data.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hssk import reference
from hssk.normalize.dates import MAX_YEAR, MIN_YEAR
from hssk.normalize.legacy import detect_legacy
from hssk.normalize.text import fix_text, strip_accents, title_words, tone_key_word

S = pa.string()

# Python's str.split() whitespace (what fix_text collapses), as an RE2 class.
_WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def _re2_class(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):04x}}}" for c in chars)


_WS_CLASS = _re2_class(_WHITESPACE)
_WS_RE = f"[{_WS_CLASS}]+"
# Text that needs its whitespace collapsed: leading/trailing or doubled whitespace, or any whitespace other than a
# plain space. Matching is several times cheaper than replacing, and most cells need nothing.
_WS_UNUSUAL_RE = (f"^[{_WS_CLASS}]|[{_WS_CLASS}]$|[{_WS_CLASS}][{_WS_CLASS}]|"
                  f"[{_re2_class(_WHITESPACE.replace(' ', ''))}]")


def _nfc_suspects() -> str:
    """RE2 class of the characters that can make text non-NFC (NFC_Quick_Check No or Maybe): characters NFC
    changes, combining marks, and the second character of any canonical composition; every character beyond the
    BMP is a suspect too. Text without them is NFC already, so only the other cells are normalised."""
    import unicodedata

    suspects = set()
    for cp in range(0x10000):
        ch = chr(cp)
        if unicodedata.combining(ch) or unicodedata.normalize("NFC", ch) != ch:
            suspects.add(ch)
        parts = unicodedata.decomposition(ch).split()
        if len(parts) >= 2 and not parts[0].startswith("<"):
            suspects.update(chr(int(x, 16)) for x in parts[1:])
    return "[" + _re2_class("".join(sorted(suspects))) + "\\x{10000}-\\x{10ffff}]"


_NFC_SUSPECT_RE = _nfc_suspects()
_ZERO_WIDTH_RE = "[\\x{200b}\\x{200c}\\x{200d}\\x{2060}\\x{feff}]"
# Letters only Unicode Vietnamese has (ă đ ơ ư, U+1EA0–U+1EF9) and combining marks: such text is never legacy
# (hssk.normalize.legacy.detect_legacy), so it skips the per-value legacy check.
_VIET_ONLY_RE = ("[\\x{0102}\\x{0103}\\x{0110}\\x{0111}\\x{0128}\\x{0129}\\x{0168}\\x{0169}\\x{01a0}\\x{01a1}"
                 "\\x{01af}\\x{01b0}\\x{1ea0}-\\x{1ef9}\\x{0300}-\\x{0309}\\x{0323}]")


def _combined(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _empty_to_null(column: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, column.type), column)


# Share of distinct values below which a cell-wise column function runs on the distinct values only: an export
# repeats names, dates, addresses and free text (a fifth to two fifths of the names of a chunk are distinct, a
# hundredth of the addresses), and one pass of hashing is cheaper than the regular expressions and word lists.
REPEATED_SHARE = 0.5


def per_distinct(transform: Callable) -> Callable:
    """Decorate a cell-wise column function (column, *args) -> array, or a tuple, list or dict of arrays: when
    the column's values repeat, it runs once on the distinct values and the results are spread back with `take`."""

    @functools.wraps(transform)
    def run(column, *args):
        column = _combined(column)
        encoded = pc.dictionary_encode(column)
        if len(encoded.dictionary) > REPEATED_SHARE * len(column):
            return transform(column, *args)
        result = transform(encoded.dictionary, *args)
        spread = lambda array: array.take(encoded.indices)
        if isinstance(result, dict):
            return {name: spread(array) for name, array in result.items()}
        if isinstance(result, (list, tuple)):
            return type(result)(spread(array) for array in result)
        return spread(result)

    return run


def map_unique(column: pa.Array | pa.ChunkedArray, fn: Callable, types: Sequence[pa.DataType]) -> list[pa.Array]:
    """Apply fn (value -> tuple of len(types)) once per distinct non-null value; return one array per output.
    For columns whose distinct values are few (codes, dates, villages) or for the rare cells of a fast path."""
    column = _combined(column)
    uniq = pc.unique(column)
    results = [fn(v) if v is not None else (None,) * len(types) for v in uniq.to_pylist()]
    index = pc.index_in(column, value_set=uniq)
    return [pa.array([r[k] for r in results], t).take(index) for k, t in enumerate(types)]


def map_unique_pairs(a: pa.Array, b: pa.Array, fn: Callable, types: Sequence[pa.DataType]) -> list[pa.Array]:
    """Like map_unique over (a, b) value pairs."""
    keys = pc.binary_join_element_wise(pc.fill_null(a, "\x00"), pc.fill_null(b, "\x00"), "\x01")

    def split_call(key):
        left, right = key.split("\x01", 1)
        return fn(None if left == "\x00" else left, None if right == "\x00" else right)

    return map_unique(keys, split_call, types)


def fast_or_unique(column: pa.Array, fast: pa.Array, outputs: Sequence[pa.Array], fn: Callable,
                   types: Sequence[pa.DataType]) -> list[pa.Array]:
    """`outputs` where the boolean `fast` is true, fn once per distinct value of the other cells."""
    slow = pc.invert(pc.fill_null(fast, False))
    if not pc.any(slow).as_py():
        return list(outputs)
    slow_results = map_unique(column.filter(slow), fn, types)
    return [pc.replace_with_mask(out.cast(t), slow, res) for out, res, t in zip(outputs, slow_results, types)]


def _where(column: pa.Array, mask: pa.Array, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """fn applied only to the cells where mask is true (the others are kept)."""
    if not pc.any(mask).as_py():
        return column
    return pc.replace_with_mask(column, mask, fn(column.filter(mask)))


def _matches(column: pa.Array, pattern: str) -> pa.Array:
    return pc.fill_null(pc.match_substring_regex(column, pattern), False)


# ------------------------------------------------------------------------------------------------ text
@functools.lru_cache(maxsize=1 << 17)  # across chunks and files: legacy-encoded names and addresses repeat
def _fix_and_detect(value: str):
    return fix_text(value), detect_legacy(value)


@per_distinct
def fix_text_column(column: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(fix_text, detect_legacy) of every cell. ASCII text and text holding a Unicode-only Vietnamese letter only
    need whitespace collapsed and NFC; the rest (which might be TCVN3/VNI) goes through the Python repair."""
    column = _combined(column)
    if column.null_count == len(column):  # a field this file does not have
        return column, column
    text = _where(column, _matches(column, _ZERO_WIDTH_RE), lambda t: pc.replace_substring_regex(t, _ZERO_WIDTH_RE, ""))
    text = _where(text, _matches(text, _WS_UNUSUAL_RE),
                  lambda t: pc.utf8_trim(pc.replace_substring_regex(t, _WS_RE, " "), " "))
    plain = pc.or_(pc.fill_null(pc.string_is_ascii(text), True), _matches(text, _VIET_ONLY_RE))
    fixed = _where(text, _matches(text, _NFC_SUSPECT_RE), lambda t: pc.utf8_normalize(t, form="NFC"))
    # soft hyphens: invisible, but they break equality
    fixed = _where(fixed, pc.fill_null(pc.match_substring(fixed, "\xad"), False),
                   lambda t: pc.utf8_trim(pc.replace_substring_regex(pc.replace_substring(t, "\xad", ""), " +", " "),
                                          " "))
    fixed, legacy = fast_or_unique(column, plain, [_empty_to_null(fixed), pa.nulls(len(column), S)],
                                   _fix_and_detect, [S, S])
    return fixed, legacy


def _word_forms(word: str) -> tuple[str, str, str]:
    titled = title_words(word)
    return titled, tone_key_word(titled.lower()), strip_accents(titled).lower()


def map_words(text: pa.Array, fn: Callable[[str], tuple], n_out: int) -> list[pa.ListArray]:
    """Apply fn (word -> tuple of n_out words) once per distinct word of single-space-separated text; one list of
    mapped words per cell and output."""
    words = pc.split_pattern(text, " ")
    outputs = map_unique(words.values, fn, [S] * n_out)
    mask = words.is_null()
    return [pa.ListArray.from_arrays(words.offsets, out, mask=mask) for out in outputs]


def _joined(lists: pa.ListArray) -> pa.Array:
    return pc.binary_join(lists, " ")


def _name_parts(lists: pa.ListArray) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(family, middle, given) of each list of name words: first word, the words between, last word
    (split_name's rule), taken by position from the list offsets."""
    offsets = lists.offsets.to_numpy()
    n_words = np.diff(offsets)
    first, last = offsets[:-1], offsets[1:] - 1
    values = lists.values
    if len(values) == 0:
        nulls = pa.nulls(len(lists), S)
        return nulls, nulls, nulls

    def pick(positions, present):
        return pc.if_else(pa.array(present), values.take(pa.array(np.where(present, positions, 0))),
                          pa.scalar(None, S))

    family = pick(first, n_words >= 2)
    given = pick(last, n_words >= 1)
    n_middle = np.maximum(n_words - 2, 0)
    parent = np.repeat(np.arange(len(lists)), n_words)
    position = np.arange(len(values))
    is_middle = (position > first[parent]) & (position < last[parent])
    middle_offsets = np.concatenate([[0], np.cumsum(n_middle)]).astype(np.int32)
    middle = pa.ListArray.from_arrays(pa.array(middle_offsets), values.filter(pa.array(is_middle)),
                                      mask=pa.array(n_middle == 0))
    return family, _joined(middle), given


@per_distinct
def name_columns(column: pa.Array | pa.ChunkedArray) -> dict[str, pa.Array]:
    """Full name in title case, its tone-insensitive and accent-free keys, and its parts with their keys —
    what hssk.normalize's title_case, tone_key, ascii_key and split_name give, per cell."""
    fixed, legacy = fix_text_column(column)
    full, tone, ascii_ = map_words(fixed, _word_forms, 3)
    family, middle, given = _name_parts(full)
    family_key, middle_key, given_key = _name_parts(tone)
    family_ascii, _, given_ascii = _name_parts(ascii_)
    return {
        "full_name": _joined(full), "name_key": _joined(tone), "name_ascii": _joined(ascii_),
        "family_name": family, "middle_name": middle, "given_name": given,
        "family_key": family_key, "middle_key": middle_key, "given_key": given_key,
        "family_ascii": family_ascii, "given_ascii": given_ascii,
        "_legacy_full_name": legacy,
    }


@per_distinct
def title_case_column(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    fixed, _ = fix_text_column(column)
    return _joined(map_words(fixed, lambda w: (title_words(w),), 1)[0])


def trimmed(column: pa.Array | pa.ChunkedArray, upper: bool = False) -> pa.Array:
    """Stripped text (upper-cased for codes), blank → NULL."""
    text = pc.utf8_trim_whitespace(_combined(column))
    return _empty_to_null(pc.utf8_upper(text) if upper else text)


# ------------------------------------------------------------------------------------------------ dates
_DMY_RE = r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$"
_ISO_RE = r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$"
DATE_TYPES = [pa.date32(), pa.int32(), pa.int32(), pa.int32(), S, S]


@per_distinct
def date_columns(column: pa.Array | pa.ChunkedArray, fn: Callable) -> list[pa.Array]:
    """parse_date per cell as (date, year, month, day, precision, text). The two shapes nearly every export uses,
    dd/mm/yyyy and yyyy-mm-dd, are parsed here (an impossible date such as 31/02 gives NULLs, as parse_date does);
    the rest (partial dates, words, serials, two-digit years) go through `fn` once per distinct value."""
    column = _combined(column)
    text = pc.utf8_trim_whitespace(column)
    found = [pc.extract_regex(text, pattern) for pattern in (_DMY_RE, _ISO_RE)]
    fast = pc.or_(pc.is_valid(found[0]), pc.is_valid(found[1]))
    year, month, day = (pc.cast(pc.coalesce(*(pc.struct_field(f, part) for f in found)), pa.int32())
                        for part in ("y", "m", "d"))
    iso = pc.binary_join_element_wise(pc.cast(year, S), pc.utf8_lpad(pc.cast(month, S), 2, "0"),
                                      pc.utf8_lpad(pc.cast(day, S), 2, "0"), "-")
    parsed = pc.strptime(iso, format="%Y-%m-%d", unit="s", error_is_null=True)
    real = pc.and_(pc.and_(pc.equal(pc.day(parsed), day), pc.equal(pc.month(parsed), month)),
                   pc.and_(pc.greater_equal(year, MIN_YEAR), pc.less_equal(year, MAX_YEAR)))
    real = pc.fill_null(real, False)

    def valid(values, type_):
        return pc.if_else(real, pc.cast(values, type_), pa.scalar(None, type_))

    outputs = [valid(parsed, pa.date32()), valid(year, pa.int32()), valid(month, pa.int32()),
               valid(day, pa.int32()), valid(pa.array(["day"] * len(column), S), S), valid(iso, S)]
    return fast_or_unique(column, fast, outputs, fn, DATE_TYPES)


# ------------------------------------------------------------------------------------------- identifiers
def personal_id_column(column: pa.Array | pa.ChunkedArray, fn: Callable) -> list[pa.Array]:
    """normalize_personal_id per cell: 12 digits as they are, 10–11 digits padded when the padded province code
    is known (Excel dropped the zeros); anything else (separators, letters, floats) through `fn`."""
    column = _combined(column)
    text = pc.utf8_trim_whitespace(column)
    full = _matches(text, r"^\d{12}$")
    short = _matches(text, r"^\d{10,11}$")
    padded = pc.utf8_lpad(text, 12, "0")
    known = pc.is_in(pc.utf8_slice_codeunits(padded, 0, 3), value_set=pa.array(list(reference.province_codes())))
    restored = pc.and_(short, known)
    pid = pc.if_else(full, text, pc.if_else(restored, padded, pa.scalar(None, S)))
    note = pc.if_else(restored, "restored_zeros", pa.scalar(None, S))
    return fast_or_unique(column, pc.or_(full, restored), [pid, note], fn, [S, S])


def digits_column(column: pa.Array | pa.ChunkedArray, length: int, fn: Callable) -> pa.Array:
    """A number of `length` digits as it is, one digit short padded with a zero; other cells through `fn`
    (normalize_old_id with 9, and the BHXH column)."""
    column = _combined(column)
    text = pc.utf8_trim_whitespace(column)
    exact = _matches(text, rf"^\d{{{length}}}$")
    short = _matches(text, rf"^\d{{{length - 1}}}$")
    value = pc.if_else(exact, text, pc.binary_join_element_wise("0", text, ""))
    return fast_or_unique(column, pc.or_(exact, short), [value], lambda v: (fn(v),), [S])[0]


def insurance_column(column: pa.Array | pa.ChunkedArray, fn: Callable) -> list[pa.Array]:
    """normalize_insurance per cell: a clean 15-character card code gives (card, its last 10 digits), a bare 10 or
    9 digit BHXH number gives (None, number); anything else through `fn`."""
    column = _combined(column)
    text = pc.utf8_upper(pc.utf8_trim_whitespace(column))
    card = _matches(text, r"^[A-Z]{2}[1-5]\d{12}$")
    ten = _matches(text, r"^\d{10}$")
    nine = _matches(text, r"^\d{9}$")
    card_code = pc.if_else(card, text, pa.scalar(None, S))
    bhxh = pc.if_else(card, pc.utf8_slice_codeunits(text, 5, 15),
                      pc.if_else(ten, text, pc.if_else(nine, pc.binary_join_element_wise("0", text, ""),
                                                       pa.scalar(None, S))))
    return fast_or_unique(column, pc.or_(pc.or_(card, ten), nine), [card_code, bhxh], fn, [S, S])


def phone_column(column: pa.Array | pa.ChunkedArray, fn: Callable) -> pa.Array:
    """normalize_phone per cell: a clean 10-digit mobile number as it is; anything else through `fn`."""
    column = _combined(column)
    text = pc.utf8_trim_whitespace(column)
    mobile = _matches(text, r"^0[35789]\d{8}$")
    return fast_or_unique(column, mobile, [text], lambda v: (fn(v),), [S])[0]


def personal_id_issues_column(pid: pa.Array, sex: pa.Array, birth_year: pa.Array) -> pa.Array:
    """personal_id_issues per row, '|'-joined (NULL when consistent): province code, the sex and century of the
    4th digit against sex and birth year. `pid` is already normalised (12 digits or NULL)."""
    codes = pa.array(list(reference.province_codes()))
    table = reference.century_sex()
    digits = pa.array(list(table))
    pid_sex = pa.array([table[d][0] for d in table], S)
    century = pa.array([table[d][1] for d in table], pa.int32())
    where = pc.index_in(pc.utf8_slice_codeunits(pid, 3, 4), value_set=digits)
    has_pid = pc.is_valid(pid)
    unknown = pc.and_(has_pid, pc.invert(pc.is_in(pc.utf8_slice_codeunits(pid, 0, 3), value_set=codes)))
    sex_off = pc.fill_null(pc.and_(pc.is_in(sex, value_set=pa.array(["M", "F"])),
                                   pc.not_equal(sex, pid_sex.take(where))), False)
    born = pc.add(century.take(where), pc.cast(pc.utf8_slice_codeunits(pid, 4, 6), pa.int32()))
    year_off = pc.fill_null(pc.not_equal(pc.cast(birth_year, pa.int32()), born), False)

    def code(flag, name):
        return pc.if_else(flag, name, pa.scalar(None, S))

    # (null_handling="skip" drops all-null rows in pyarrow 26, so join with "" and tidy the separators)
    joined = pc.binary_join_element_wise(code(unknown, "unknown_province"), code(sex_off, "sex_mismatch"),
                                         code(year_off, "birth_year_mismatch"), "|", null_handling="replace")
    return _empty_to_null(pc.utf8_trim(pc.replace_substring_regex(joined, r"\|+", "|"), "|"))
