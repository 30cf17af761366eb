"""parse_address, match_village, village_and_old_unit on old (3-level) and new (2-level) addresses."""

import random

import pytest

from hssk import reference
from hssk.normalize import strip_accents
from hssk.normalize.address import (
    Address,
    _parse_text,
    _village_and_commune,
    match_village,
    parse_address,
    village_and_old_unit,
)
from hssk.normalize.legacy import encode_tcvn3


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Thôn Khoan Tế, xã Đa Tốn, huyện Gia Lâm, Hà Nội",
         Address(village="Khoan Tế", commune="Đa Tốn", district="Gia Lâm", province="Hà Nội")),
        ("Thôn Khoan Tế, Xã Bát Tràng, Gia Lâm",
         Address(village="Khoan Tế", commune="Bát Tràng", district="Gia Lâm")),
        ("Th. Giang Cao, X. Bát Tràng, H. Gia Lâm, TP. Hà Nội",
         Address(village="Giang Cao", commune="Bát Tràng", district="Gia Lâm", province="Hà Nội")),
        ("THON GIANG CAO XA BAT TRANG HUYEN GIA LAM HA NOI",
         Address(village="GIANG CAO", commune="BAT TRANG", district="GIA LAM", province="HA NOI")),
        ("Thôn Chử Xá xã Văn Đức huyện Gia Lâm thành phố Hà Nội",  # "Xá" in the name is no "xã"
         Address(village="Chử Xá", commune="Văn Đức", district="Gia Lâm", province="Hà Nội")),
        ("thon chu xa xa van duc huyen gia lam",
         Address(village="chu xa", commune="van duc", district="gia lam")),
        ("Số 12, ngõ 5, Tổ dân phố Cự Khối, phường Cự Khối, quận Long Biên, Hà Nội",
         Address(house="Số 12, ngõ 5", village="Cự Khối", commune="Cự Khối", district="Long Biên", province="Hà Nội")),
        ("TDP 5, P. Cự Khối, Q. Long Biên, HN",
         Address(village="TDP 5", commune="Cự Khối", district="Long Biên", province="HN")),
        ("Giang Cao, Bát Tràng, Gia Lâm, Hà Nội",
         Address(village="Giang Cao", commune="Bát Tràng", district="Gia Lâm", province="Hà Nội")),
        ("Hòa Bình, Văn Đức, Gia Lâm, Hà Nội",  # Hòa Bình is also a province: position decides
         Address(village="Hòa Bình", commune="Văn Đức", district="Gia Lâm", province="Hà Nội")),
        ("Khoan Tế Bát Tràng Gia Lâm Hà Nội",
         Address(village="Khoan Tế", commune="Bát Tràng", district="Gia Lâm", province="Hà Nội")),
        ("Xã Bát Tràng, TP Hà Nội", Address(commune="Bát Tràng", province="Hà Nội")),
        ("Bát Tràng, Gia Lâm, Hà Nội", Address(commune="Bát Tràng", district="Gia Lâm", province="Hà Nội")),
        ("Thôn 2, xã Kim Lan", Address(village="Thôn 2", commune="Kim Lan")),
        ("Thôn Đông, Xuân Canh, Đông Anh, Hà Nội",
         Address(village="Đông", commune="Xuân Canh", district="Đông Anh", province="Hà Nội")),
        (encode_tcvn3("Thôn Giang Cao, xã Bát Tràng, huyện Gia Lâm, Hà Nội"),
         Address(village="Giang Cao", commune="Bát Tràng", district="Gia Lâm", province="Hà Nội")),
        ("???", Address()),
        ("", None),
        (None, None),
    ],
)
def test_parse_address(text, expected):
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Giang Cao", "Giang Cao"),
        ("Thôn Giang Cao", "Giang Cao"),
        ("THON GIANG CAO", "Giang Cao"),
        ("giang cao", "Giang Cao"),
        ("GC", "Giang Cao"),
        ("Thôn Hoà Bình", "Hòa Bình"),  # tone placement
        ("khoan te", "Khoan Tế"),
        ("TDP Cự Khối", "Cự Khối"),
        ("Thôn Giang Cao, xã Bát Tràng", "Giang Cao"),  # an address: its village part
        ("Bát Tràng, Gia Lâm", None),  # the commune is not a village
        ("Thôn Xa Lạ", None),
        ("", None),
        (None, None),
    ],
)
def test_match_village(text, expected):
    assert match_village(text) == expected


@pytest.mark.parametrize(
    "village_cell, address, expected",
    [
        (None, "Thôn Khoan Tế, xã Đa Tốn, huyện Gia Lâm, Hà Nội", ("Khoan Tế", "Đa Tốn")),
        ("Khoan Tế", "xã Đa Tốn, huyện Gia Lâm", ("Khoan Tế", "Đa Tốn")),
        ("Thôn Giang Cao", None, ("Giang Cao", None)),
        ("Giang Cao", "Thôn Khoan Tế, xã Đa Tốn", ("Giang Cao", "Đa Tốn")),  # the village column wins
        ("không rõ", "Thôn Chử Xá, xã Văn Đức, Gia Lâm", ("Chử Xá", "Văn Đức")),
        (None, "Thôn Giang Cao, xã Bát Tràng, huyện Gia Lâm", ("Giang Cao", "Bát Tràng")),
        # new form: Khoan Tế (from Đa Tốn) under the new xã Bát Tràng names no old commune
        (None, "Thôn Khoan Tế, Xã Bát Tràng, Gia Lâm", ("Khoan Tế", None)),
        (None, "xã Kim Đức, huyện Gia Lâm", (None, "Kim Đức")),
        (None, "TDP Cự Khối, P. Cự Khối, Q. Long Biên", ("Cự Khối", "Cự Khối")),
        (None, "Thôn Đông, Xuân Canh, Đông Anh", (None, None)),
        (None, None, (None, None)),
        ("", "", (None, None)),
    ],
)
def test_village_and_old_unit(village_cell, address, expected):
    assert village_and_old_unit(village_cell, address) == expected


@pytest.mark.parametrize("address, expected", [
    ("Xóm 3, Thôn Dương Đanh, xã Kiêu Kỵ, huyện Gia Lâm, Hà Nội", ("Dương Đanh", "Kiêu Kỵ")),
    ("Xóm 5, Thôn Đào Xuyên, xã Bát Tràng, TP Hà Nội", ("Đào Xuyên", None)),
])
def test_hamlet_before_the_village_is_skipped(address, expected):
    assert village_and_old_unit(None, address) == expected


def _random_addresses(seed: int, n: int) -> list[str]:
    """Addresses as exports write them: house numbers, numbered hamlets and villages, labels or not, commas or
    not, capitals, no accents."""
    rng = random.Random(seed)
    villages = reference.villages()["village"].tolist()
    communes = [u.split(" ", 1)[1] for u in reference.admin_units()["old_unit"]]
    out = []
    for _ in range(n):
        number = str(rng.randint(0, 999))
        parts = [rng.choice(["", f"Số {number}", number, f"SN {number}/{rng.randint(1, 9)}", f"Ngõ {number}",
                             f"Xóm {rng.randint(1, 12)}", f"Tổ {number}"]),
                 rng.choice(["Thôn ", "Th. ", "", "Tổ dân phố ", f"Thôn {rng.randint(1, 9)}, "]) + rng.choice(villages),
                 rng.choice(["xã ", "X.", "", "phường "]) + rng.choice(communes),
                 rng.choice(["", "huyện Gia Lâm", "Q. Long Biên"]), rng.choice(["", "Hà Nội", "TP. Hà Nội"])]
        text = rng.choice([", ", " ", " - "]).join(p for p in parts if p)
        text = rng.choice([text, text.upper(), strip_accents(text)])
        out.append(text)
    return out


def test_village_and_commune_of_an_address_do_not_depend_on_which_digits_it_holds():
    for text in _random_addresses(seed=5, n=3000):
        fast, full = _village_and_commune(text), _parse_text(text)
        assert (fast.village, fast.commune) == (full.village, full.commune), text
