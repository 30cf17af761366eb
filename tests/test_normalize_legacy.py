"""TCVN3 / VNI encoders, decoders, detection and repair (domain.md §4.4–§4.6)."""

import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hssk.normalize.legacy import (
    decode_tcvn3,
    decode_vni,
    detect_legacy,
    encode_tcvn3,
    encode_vni,
    repair_legacy,
)

TCVN3 = [
    ("NguyÔn V¨n An", "Nguyễn Văn An"),
    ("TrÇn ThÞ Hßa", "Trần Thị Hòa"),
    ("B¸t Trµng", "Bát Tràng"),
    ("Hµ Néi", "Hà Nội"),
    ("§øc", "Đức"),
    ("B¶o Th¾ng", "Bảo Thắng"),
    ("B¸t X¸t", "Bát Xát"),
    ("Ng\u00adêi", "Người"),
    ("Th«n Giang Cao, x· B¸t Trµng, huyÖn Gia L©m, Hµ Néi", "Thôn Giang Cao, xã Bát Tràng, huyện Gia Lâm, Hà Nội"),
]
VNI = [
    ("Nguyeãn Vaên An", "Nguyễn Văn An"),
    ("Traàn", "Trần"),
    ("Thò", "Thị"),
    ("Ñöùc", "Đức"),
    ("Haø Noäi", "Hà Nội"),
    ("Baùt Traøng", "Bát Tràng"),
    ("Xin chaøo caùc baïn", "Xin chào các bạn"),
    ("NGUYEÃN THÒ HOØA", "NGUYỄN THỊ HÒA"),
    ("ngöôøi öu tuù", "người ưu tú"),
]


@pytest.mark.parametrize("legacy, unicode", TCVN3)
def test_tcvn3_table(legacy, unicode):
    assert decode_tcvn3(legacy) == unicode
    assert encode_tcvn3(unicode) == legacy


@pytest.mark.parametrize("legacy, unicode", VNI)
def test_vni_table(legacy, unicode):
    assert decode_vni(legacy) == unicode
    assert encode_vni(unicode) == legacy


def test_tcvn3_capitals():
    # Ă Â Ê Ô Ơ Ư Đ have codes of their own; other accented capitals share the lower-case code
    assert encode_tcvn3("ĂÂÊÔƠƯĐ") == "¡¢£¤¥¦§"
    assert encode_tcvn3("Ễ") == encode_tcvn3("ễ") == "Ô"
    assert decode_tcvn3("NGUYÔN V¡N AN") == "NGUYỄN VĂN AN"  # all-capital cell (.VnTimeH)
    assert decode_tcvn3("¸nh") == "ánh"  # a capital Á was never representable: title-casing is the caller's job
    assert decode_tcvn3(encode_tcvn3("Ánh")) == "ánh"


def test_none_and_ascii_pass_through():
    for fn in (encode_tcvn3, decode_tcvn3, encode_vni, decode_vni):
        assert fn(None) is None
        assert fn("Nguyen Van An 123") == "Nguyen Van An 123"


@pytest.mark.parametrize("legacy, unicode", TCVN3)
def test_detect_and_repair_tcvn3(legacy, unicode):
    assert detect_legacy(legacy) == "tcvn3"
    assert repair_legacy(legacy) == (unicode, "tcvn3")


@pytest.mark.parametrize("legacy, unicode", [pair for pair in VNI if pair[0] != "Thò"])
def test_detect_and_repair_vni(legacy, unicode):
    assert detect_legacy(legacy) == "vni"
    assert repair_legacy(legacy) == (unicode, "vni")


@pytest.mark.parametrize(
    "text",
    [
        "Nguyễn Văn An",
        "Lê Thành Tâm",  # only Latin-1 letters, yet Unicode
        "LÊ THÀNH TÂM",
        "Hòa Bình",
        "Tô Hiến Thành",
        "Bình",
        "Ông Ánh",
        unicodedata.normalize("NFD", "Nguyễn Thị Huệ"),
        "Thò",  # VNI for Thị, but also a Unicode word: undecidable, left alone
        "The quick brown fox",
        "Nguyen Van An",
        "Où est la gare ?",
        "Café crème à Paris",
        "Hôpital Saint-Étienne",
        "Crème brûlée",
        "François Müller",
        "José María Ibáñez",
        "Straße",
        "naïve Noël",
        "Chloé, Zoë, Hélène",
        "",
        None,
    ],
)
def test_no_false_detection(text):
    assert detect_legacy(text) is None
    assert repair_legacy(text) == (text, None)


# --- properties ------------------------------------------------------------------------------------------------
# every lower-case Vietnamese letter, vowels with each of the five tone marks (NFC)
ALPHABET = sorted(
    {unicodedata.normalize("NFC", letter + tone) for letter in "aăâeêioôơuưy" for tone in
     ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]} | set("bcdđghklmnpqrstvx")
)
# words over that alphabet (not necessarily real syllables)
vietnamese_words = st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=7).map("".join)
text_lower = st.lists(vietnamese_words, min_size=1, max_size=5).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(text_lower, st.sampled_from(["lower", "upper", "title"]))
def test_vni_round_trip(text, style):
    text = {"lower": text, "upper": text.upper(), "title": text.title()}[style]
    assert decode_vni(encode_vni(text)) == text
    assert decode_vni(encode_vni(unicodedata.normalize("NFD", text))) == text


@settings(max_examples=200, deadline=None)
@given(text_lower)
def test_tcvn3_round_trip_lower_case(text):
    assert decode_tcvn3(encode_tcvn3(text)) == text


@settings(max_examples=200, deadline=None)
@given(text_lower)
def test_tcvn3_round_trip_upper_case(text):
    upper = text.upper()
    encoded = encode_tcvn3(upper)
    known_case = sum(1 for ch in encoded if ch.isascii() and ch.isalpha() or "\u00a1" <= ch <= "\u00a7")
    assume(known_case >= 2)
    assert decode_tcvn3(encoded) == upper


@settings(max_examples=200, deadline=None)
@given(text_lower)
def test_tcvn3_round_trip_up_to_case(text):
    title = text.title()
    assert decode_tcvn3(encode_tcvn3(title)).lower() == title.lower()
