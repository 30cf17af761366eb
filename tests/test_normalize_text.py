"""fix_text, title_case, tone_key, ascii_key, split_name: table tests and properties on Vietnamese-like text."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hssk.normalize import ascii_key, fix_text, split_name, title_case, tone_key

NFD = lambda s: unicodedata.normalize("NFD", s)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("  Nguyễn\u00a0 Văn   An ", "Nguyễn Văn An"),
        (NFD("Nguyễn Thị Huệ Đức"), "Nguyễn Thị Huệ Đức"),
        ("NguyÔn V¨n An", "Nguyễn Văn An"),  # TCVN3
        ("Nguyeãn Vaên An", "Nguyễn Văn An"),  # VNI
        ("Tr\u200bần\tThị\nHoa", "Trần Thị Hoa"),  # zero-width space, tab, newline
        ("Ng\u00adêi", "Người"),  # TCVN3 ư is the soft hyphen
        (12, "12"),
        ("", None),
        ("   \u00a0", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_fix_text(value, expected):
    assert fix_text(value) == expected


def test_fix_text_output_is_nfc():
    assert unicodedata.is_normalized("NFC", fix_text(NFD("Huệ Đức")))
    assert len(fix_text(NFD("Nguyễn Thị Huệ Đức"))) == 18


@pytest.mark.parametrize(
    "value, expected",
    [
        ("NGUYỄN VĂN ĐỨC", "Nguyễn Văn Đức"),
        ("nguyễn thị hòa", "Nguyễn Thị Hòa"),
        ("h'hen niê", "H'Hen Niê"),
        ("BRU-VÂN KIỀU", "Bru-Vân Kiều"),
        ("ksor y-moan", "Ksor Y-Moan"),
        ("thôn 3a", "Thôn 3a"),
        ("ÁNH", "Ánh"),
        ("", None),
        (None, None),
    ],
)
def test_title_case(value, expected):
    assert title_case(value) == expected


@pytest.mark.parametrize(
    "left, right",
    [
        ("Hòa", "Hoà"),
        ("Thủy", "Thuỷ"),
        ("khỏe", "khoẻ"),
        ("Nguyễn Thị  Hoà ", "nguyễn thị hòa"),
        ("HOÀ", "hòa"),
        ("Lê Thị Thúy", "LÊ THỊ THUÝ"),
        ("Hòe", "Hoè"),
        (NFD("Đoàn Thị Hoà"), "đoàn thị hòa"),
        ("TrÇn ThÞ Hßa", "Trần Thị Hoà"),  # legacy text is repaired before keying
    ],
)
def test_tone_key_equal(left, right):
    assert tone_key(left) == tone_key(right)


@pytest.mark.parametrize(
    "left, right",
    [
        ("hoàn", "hòan"),  # closed syllables are not rewritten
        ("thuyền", "thùyên"),
        ("huỳnh", "hùynh"),
        ("Nguyễn Vỹ", "Nguyễn Vĩ"),  # never swap i/y
        ("Thy", "Thi"),
        ("Hòa", "Hoa"),
        ("Hòa", "Hỏa"),
    ],
)
def test_tone_key_different(left, right):
    assert tone_key(left) != tone_key(right)


def test_tone_key_uses_old_style_placement():
    assert tone_key("Hoà") == "hòa"
    assert tone_key("Thuỷ") == "thủy"
    assert tone_key("quý") == "quý"  # qu is an initial: nothing to move
    assert tone_key("hoàn") == "hoàn"
    assert tone_key(None) is None and tone_key("  ") is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Nguyễn Thị Huệ Đức", "nguyen thi hue duc"),
        ("ĐẶNG VĂN ĐÔNG", "dang van dong"),
        (NFD("Phạm Thị Ánh"), "pham thi anh"),
        ("H'Mông", "h'mong"),
        ("B¸t Trµng", "bat trang"),
        ("", None),
        (None, None),
    ],
)
def test_ascii_key(value, expected):
    assert ascii_key(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Nguyễn Văn An", ("Nguyễn", "Văn", "An")),
        ("Tôn Nữ Thị Hà", ("Tôn", "Nữ Thị", "Hà")),
        ("Nguyễn An", ("Nguyễn", None, "An")),
        ("  An  ", (None, None, "An")),
        ("NguyÔn V¨n An", ("Nguyễn", "Văn", "An")),
        ("", (None, None, None)),
        (None, (None, None, None)),
    ],
)
def test_split_name(value, expected):
    assert split_name(value) == expected


# --- properties on Vietnamese-like text -----------------------------------------------------------------------
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
INITIALS = ["", "b", "ch", "d", "đ", "g", "gi", "h", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "s", "t", "th",
            "tr", "v", "x"]
# nucleus → (allowed tone positions, allowed finals)
NUCLEI = {
    "a": ([0], ["", "c", "ch", "m", "n", "ng", "nh", "t"]), "â": ([0], ["m", "n", "ng", "t", "p"]),
    "ă": ([0], ["c", "m", "n", "ng", "t"]), "e": ([0], ["", "c", "m", "n", "ng", "t"]),
    "ê": ([0], ["", "ch", "m", "n", "nh", "t"]), "i": ([0], ["", "ch", "m", "n", "nh", "t"]),
    "o": ([0], ["", "c", "m", "n", "ng", "t"]), "ô": ([0], ["", "c", "m", "n", "ng", "t"]),
    "ơ": ([0], ["", "m", "n", "t"]), "u": ([0], ["", "c", "m", "n", "ng", "t"]), "ư": ([0], ["", "c", "ng", "t"]),
    "y": ([0], [""]), "ai": ([0], [""]), "ao": ([0], [""]), "âu": ([0], [""]), "ây": ([0], [""]),
    "oi": ([0], [""]), "ơi": ([0], [""]), "ia": ([0], [""]), "ua": ([0], [""]), "ưa": ([0], [""]),
    "oa": ([0, 1], [""]), "oe": ([0, 1], [""]), "uy": ([0, 1], [""]),
    "iê": ([1], ["c", "m", "n", "ng", "t"]), "uô": ([1], ["c", "m", "n", "ng", "t"]),
    "ươ": ([1], ["c", "i", "m", "n", "ng", "t"]),
    "oai": ([1], [""]), "uyê": ([2], ["n", "t"]),
}
STOP_FINALS = {"c", "ch", "p", "t"}


@st.composite
def syllables(draw, placement: str = "any"):
    """(text, alternatives): one syllable and, for open oa/oe/uy with a tone, the other tone placement."""
    nucleus = draw(st.sampled_from(sorted(NUCLEI)))
    positions, finals = NUCLEI[nucleus]
    final = draw(st.sampled_from(finals))
    tones = ["\u0301", "\u0323"] if final in STOP_FINALS else TONES
    tone = draw(st.sampled_from(tones))
    initial = draw(st.sampled_from(INITIALS))
    if initial == "qu" and nucleus[0] in "uo" or initial == "gi" and nucleus[0] in "iy":
        initial = "t"

    def place(pos):
        letters = list(nucleus)
        letters[pos] = unicodedata.normalize("NFC", letters[pos] + tone)
        return initial + "".join(letters) + final

    variants = [place(p) for p in (positions if final == "" else positions[-1:])]
    return draw(st.sampled_from(variants)), variants


def casing(draw_text: str, style: str) -> str:
    return {"lower": draw_text.lower(), "upper": draw_text.upper(), "title": draw_text.title()}[style]


@st.composite
def vietnamese_text(draw):
    words = draw(st.lists(syllables(), min_size=1, max_size=5))
    style = draw(st.sampled_from(["lower", "upper", "title"]))
    return casing(" ".join(w for w, _ in words), style)


@settings(max_examples=200, deadline=None)
@given(vietnamese_text())
def test_tone_key_idempotent_and_case_insensitive(text):
    key = tone_key(text)
    assert tone_key(key) == key
    assert tone_key(text.upper()) == key
    assert tone_key(text.lower()) == key
    assert tone_key(NFD(text)) == key


@settings(max_examples=200, deadline=None)
@given(st.lists(syllables(), min_size=1, max_size=4), st.data())
def test_tone_key_ignores_tone_placement(words, data):
    original = " ".join(w for w, _ in words)
    other = " ".join(data.draw(st.sampled_from(variants)) for _, variants in words)
    assert tone_key(original) == tone_key(other)
    assert tone_key(NFD(other.upper())) == tone_key(original)


@settings(max_examples=200, deadline=None)
@given(vietnamese_text())
def test_ascii_key_is_ascii_lower(text):
    key = ascii_key(text)
    assert key.isascii() and key == key.lower()
    assert ascii_key(NFD(text)) == key


@settings(max_examples=200, deadline=None)
@given(vietnamese_text())
def test_unicode_vietnamese_is_never_taken_for_legacy(text):
    assert fix_text(text) == text
    assert fix_text(NFD(text)) == text


@settings(max_examples=200, deadline=None)
@given(vietnamese_text(), st.sampled_from(["tcvn3", "vni"]))
def test_legacy_repair_is_right_or_abstains(text, encoding):
    """Detection may abstain on ambiguous cells, but when it repairs, it repairs to the original text."""
    from hssk.normalize.legacy import encode_tcvn3, encode_vni, repair_legacy

    encoded = encode_tcvn3(text) if encoding == "tcvn3" else encode_vni(text)
    repaired, found = repair_legacy(encoded)
    if found is None:
        assert repaired == encoded
    else:
        assert found == encoding
        assert repaired.lower() == text.lower()
