"""The Arrow column functions give, cell for cell, what the pure functions of hssk.normalize give.

Checked on every cell of a generated commune (all the hard cases of the generator: legacy encodings, NFD,
numeric IDs, all-caps, separators) and on random text built from the pitfalls of domain.md.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hssk.demo import generate
from hssk.ingest import columns
from hssk.ingest.readers import read_sheets
from hssk.ingest.standardize import standardize
from hssk.normalize import (
    ascii_key,
    detect_legacy,
    encode_tcvn3,
    encode_vni,
    fix_text,
    normalize_insurance,
    normalize_old_id,
    normalize_personal_id,
    normalize_phone,
    personal_id_issues,
    split_name,
    title_case,
    tone_key,
)
from hssk.normalize.text import strip_accents, title_words, tone_key_word


def expected_name(value):
    """The per-cell definition: fix_text once (legacy repaired, NFC, spaces), then title case and the keys of
    hssk.normalize.text, then the parts. Nothing is repaired a second time: a lone word cut out of a name ("Vuì",
    "Lâ") could otherwise read as legacy text."""
    fixed = fix_text(value)
    if fixed is None:
        return dict.fromkeys(["full_name", "name_key", "name_ascii", "family_name", "middle_name", "given_name",
                              "family_key", "middle_key", "given_key", "family_ascii", "given_ascii"])
    full = title_words(fixed)
    key = " ".join(tone_key_word(w) for w in full.lower().split(" "))
    ascii_ = strip_accents(full).lower()
    family, middle, given = parts(full)
    key_family, key_middle, key_given = parts(key)
    ascii_family, _, ascii_given = parts(ascii_)
    return {"full_name": full, "name_key": key, "name_ascii": ascii_,
            "family_name": family, "middle_name": middle, "given_name": given,
            "family_key": key_family, "middle_key": key_middle, "given_key": key_given,
            "family_ascii": ascii_family, "given_ascii": ascii_given}


def parts(text):
    """split_name without its fix_text."""
    words = text.split(" ")
    if len(words) == 1:
        return None, None, words[0]
    return words[0], " ".join(words[1:-1]) or None, words[-1]


def test_the_definition_matches_the_public_functions_on_ordinary_names():
    for name in ["nguyễn văn an", "TÔN NỮ THỊ HOÀ", "  Lê   Hà ", "Nguyễn  Thuỷ"]:
        want = expected_name(name)
        assert want["full_name"] == title_case(name)
        assert want["name_key"] == tone_key(name) and want["name_ascii"] == ascii_key(name)
        assert (want["family_name"], want["middle_name"], want["given_name"]) == split_name(title_case(name))


@pytest.fixture(scope="module")
def demo_chunks(tmp_path_factory):
    made = generate(tmp_path_factory.mktemp("demo"), residents=1500, seed=77)
    chunks = []
    for kind, paths in made["files"].items():
        for path in paths:
            for sheet in read_sheets(path, kind):
                for chunk in sheet.chunks:
                    raw = {field: chunk.column(f"c{pos}").to_pylist() for pos, field in sheet.mapping.items()}
                    chunks.append((kind, raw, standardize(chunk, sheet.mapping, kind).to_pydict()))
    return chunks


def test_demo_has_the_hard_cases(demo_chunks):
    names = [v for _, raw, _ in demo_chunks for v in raw.get("full_name", []) if v]
    assert any(detect_legacy(v) == "tcvn3" for v in names)
    assert any(detect_legacy(v) == "vni" for v in names)
    assert any(v.isupper() for v in names)
    assert any(fix_text(v) != v for v in names)  # NFD, extra spaces …


def test_names_equal_the_per_cell_functions(demo_chunks):
    checked = 0
    for _, raw, clean in demo_chunks:
        for i, value in enumerate(raw.get("full_name", [])):
            want = expected_name(value)
            got = {k: clean[k][i] for k in want}
            assert got == want, value
            assert clean["_legacy_full_name"][i] == detect_legacy(value), value
            checked += 1
    assert checked > 3000


def test_identifiers_equal_the_per_cell_functions(demo_chunks):
    checked = 0
    for _, raw, clean in demo_chunks:
        for i, value in enumerate(raw.get("personal_id", [])):
            assert (clean["personal_id"][i], clean["_pid_note"][i]) == normalize_personal_id(value), value
            issues = personal_id_issues(clean["personal_id"][i], clean["sex"][i], clean["birth_year"][i])
            assert clean["_pid_issues"][i] == ("|".join(issues) or None)
            checked += 1
        for i, value in enumerate(raw.get("insurance_no", [])):
            want = normalize_insurance(value)
            bhxh = raw.get("social_insurance_no")
            if bhxh:
                want = (want[0], normalize_insurance(bhxh[i])[1] or want[1])
            assert (clean["insurance_card"][i], clean["social_insurance_no"][i]) == want, value
        for i, value in enumerate(raw.get("phone", [])):
            assert clean["phone"][i] == normalize_phone(value), value
        for i, value in enumerate(raw.get("old_id", [])):
            assert clean["old_id"][i] == normalize_old_id(value), value
        for i, value in enumerate(raw.get("address", [])):
            assert clean["address"][i] == fix_text(value), value
            assert clean["_legacy_address"][i] == detect_legacy(value), value
    assert checked > 3000


# ------------------------------------------------------------------------------------- random text
PIECES = ["Nguyễn", "Văn", "Thị", "Hoà", "Hòa", "Thuỷ", "Lê", "Hà", "An", "ĐỨC", "huyền", "Ánh", "Ngô", "H'Hen",
          "Bru-Vân", "Kiều", "Ê", "Thò", "Lâ", "Phạm", "Quý", "John", "3a", "Xóm"]
SEPARATORS = [" ", "  ", "\t", "\u00a0", "\u200b", "\u3000", "\xad", " \n "]


@st.composite
def messy_text(draw):
    words = draw(st.lists(st.sampled_from(PIECES), min_size=0, max_size=5))
    text = "".join(w + draw(st.sampled_from(SEPARATORS)) for w in words)
    text = draw(st.sampled_from([str.upper, str.lower, lambda s: s]))(text)
    form = draw(st.sampled_from(["none", "nfd", "tcvn3", "vni"]))
    if form == "nfd":
        import unicodedata
        text = unicodedata.normalize("NFD", text)
    elif form == "tcvn3":
        text = encode_tcvn3(text)
    elif form == "vni":
        text = encode_vni(text)
    return draw(st.sampled_from(["", " ", "\u00a0"])) + text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), messy_text()), min_size=1, max_size=20))
def test_fix_text_and_name_columns_on_random_text(values):
    for cells in (values, values + values[::-1]):  # mostly distinct, and repeated (columns.per_distinct)
        fixed, legacy = columns.fix_text_column(pa.array(cells, pa.string()))
        assert fixed.to_pylist() == [fix_text(v) for v in cells]
        assert legacy.to_pylist() == [detect_legacy(v) if v else None for v in cells]
        names = {k: v.to_pylist() for k, v in columns.name_columns(pa.array(cells, pa.string())).items()}
        for i, value in enumerate(cells):
            assert {k: names[k][i] for k in expected_name(value)} == expected_name(value)


digits = st.text(alphabet="0123456789", min_size=7, max_size=16)


@st.composite
def id_cell(draw):
    core = draw(digits)
    style = draw(st.sampled_from(["plain", "dots", "spaces", "float", "apostrophe", "card", "letters", "plus84"]))
    if style == "dots":
        return ".".join(core[i:i + 3] for i in range(0, len(core), 3))
    if style == "spaces":
        return " " + core[:4] + " " + core[4:] + " "
    if style == "float":
        return core + ".0"
    if style == "apostrophe":
        return "'" + core
    if style == "card":
        return draw(st.sampled_from(["HS", "dn", "GD"])) + draw(st.sampled_from("123456")) + core[:12]
    if style == "letters":
        return core[:5] + "x" + core[5:]
    if style == "plus84":
        return "+84 " + core[:9]
    return core


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.just(""), id_cell()), min_size=1, max_size=30))
def test_identifier_columns_on_random_cells(values):
    arr = pa.array(values, pa.string())
    pid, note = columns.personal_id_column(arr, normalize_personal_id)
    assert list(zip(pid.to_pylist(), note.to_pylist())) == [normalize_personal_id(v) for v in values]
    card, bhxh = columns.insurance_column(arr, normalize_insurance)
    assert list(zip(card.to_pylist(), bhxh.to_pylist())) == [normalize_insurance(v) for v in values]
    assert columns.phone_column(arr, normalize_phone).to_pylist() == [normalize_phone(v) for v in values]
    assert columns.digits_column(arr, 9, normalize_old_id).to_pylist() == [normalize_old_id(v) for v in values]


def test_personal_id_issues_column_by_hand():
    pid = pa.array(["001080012345", "999180012345", None, "001295012345", "001080012345"])
    sex = pa.array(["M", "M", "F", None, "X"])
    year = pa.array([1980, 1980, None, 1990, None], pa.int32())
    got = columns.personal_id_issues_column(pid, sex, year).to_pylist()
    assert got == [None, "unknown_province|sex_mismatch", None, "birth_year_mismatch", None]


def test_standardize_keeps_one_row_per_input_row():
    chunk = pa.table({"c0": pa.array(["Nguyễn Văn An", None, "  "]), "c1": pa.array(["1/2/1990", "", None]),
                      "__row": pa.array([1, 2, 3], pa.int32())})
    clean = standardize(chunk, {0: "full_name", 1: "birth_date"}, "hssk")
    assert clean.num_rows == 3
    assert clean.column("full_name").to_pylist() == ["Nguyễn Văn An", None, None]
    assert clean.column("birth_date").to_pylist() == [dt.date(1990, 2, 1), None, None]


def expected_date(value):
    from hssk.normalize import parse_date
    parsed = parse_date(value)
    if parsed is None:
        return (None,) * 6
    return (parsed.as_date(), parsed.year, parsed.month, parsed.day, parsed.precision, parsed.text)


def test_birth_dates_equal_parse_date(demo_chunks):
    checked = 0
    for _, raw, clean in demo_chunks:
        for i, value in enumerate(raw.get("birth_date", [])):
            got = tuple(clean[k][i] for k in ("birth_date", "birth_year", "birth_month", "birth_day",
                                               "birth_precision", "birth_text"))
            assert got == expected_date(value), value
            checked += 1
    assert checked > 3000


@st.composite
def date_cell(draw):
    d, m = draw(st.integers(0, 32)), draw(st.integers(0, 13))
    y = draw(st.sampled_from([1799, 1800, 1900, 1999, 2000, 2024, 2100, 2101]))
    shape = draw(st.sampled_from(["{d}/{m}/{y}", "{d:02d}/{m:02d}/{y}", "{y}-{m:02d}-{d:02d}", "{m}/{y}", "{y}",
                                  " {d}-{m}-{y} ", "{d}/{m}/{yy:02d}", "{y}{m:02d}{d:02d}"]))
    return shape.format(d=d, m=m, y=y, yy=y % 100)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.just(""), date_cell()), min_size=1, max_size=30))
def test_date_columns_on_random_cells(values):
    for cells in (values, values + values[::-1]):  # mostly distinct, and repeated (columns.per_distinct)
        got = columns.date_columns(pa.array(cells, pa.string()), expected_date)
        rows = list(zip(*(g.to_pylist() for g in got)))
        assert rows == [expected_date(v) for v in cells]


def test_fix_text_column_normalises_every_kind_of_non_nfc_text():
    values = ["\u2126 ohm", "\u1100\u1161 jamo", "A\u030a", "\U0001d15e note", "Nguye\u0302\u0303n", "e\u0301\u0323",
              "a\u00adb", "x\u200by", " \t a\u00a0\u00a0b\u3000", "Việt Nam", "plain"]
    fixed, _ = columns.fix_text_column(pa.array(values))
    assert fixed.to_pylist() == [fix_text(v) for v in values]
