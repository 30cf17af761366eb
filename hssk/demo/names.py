"""Vietnamese name pools (with rough frequencies) and the small text changes the demo injects into names.

Pools are (name, weight) lists; weights need not sum to 1. Frequencies are rough national figures: Nguyễn about
35 %, then Trần, Lê, Phạm, Hoàng, … The given-name pools deliberately include open syllables with oa/oe/uy
(Hòa, Thủy, Thúy, Khỏe, Thụy …) whose tone mark may sit on either vowel (domain.md §4.3).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np

FAMILY_NAMES = [
    ("Nguyễn", 35.0), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 4.0), ("Huỳnh", 0.6),
    ("Phan", 3.5), ("Vũ", 3.9), ("Võ", 0.6), ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.8), ("Hồ", 1.3),
    ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Đào", 0.9), ("Đinh", 0.9), ("Trịnh", 0.8), ("Mai", 0.5),
    ("Lương", 0.5), ("Tạ", 0.4), ("Cao", 0.4), ("Lưu", 0.3), ("Chu", 0.3), ("Hà", 0.4), ("Tô", 0.3),
    ("Kiều", 0.2), ("Phùng", 0.3), ("Đoàn", 0.5), ("Lại", 0.2), ("Khúc", 0.1), ("Quách", 0.1), ("Vương", 0.2),
    ("Thái", 0.1), ("Tăng", 0.1), ("Nghiêm", 0.1), ("Khuất", 0.1),
]

# Middle names; the first entry ("Văn" / "Thị") gets an age-dependent share in population.py.
MIDDLE_MALE = [
    ("Văn", 0.0), ("Đức", 6), ("Minh", 8), ("Quang", 5), ("Hữu", 4), ("Ngọc", 3), ("Xuân", 3), ("Đình", 4),
    ("Công", 4), ("Thành", 3), ("Mạnh", 2), ("Tiến", 2), ("Trọng", 2), ("Gia", 3), ("Anh", 2), ("Hoàng", 2),
    ("Duy", 3), ("Bảo", 3), ("Quốc", 3), ("Khắc", 1), ("Thế", 2), ("Việt", 2), ("Hải", 1), ("Trung", 1),
    ("Đăng", 2), ("Huy", 1), ("Thanh", 2), ("Kim", 1), ("Hòa", 0.5),
]
MIDDLE_FEMALE = [
    ("Thị", 0.0), ("Ngọc", 6), ("Thu", 5), ("Thanh", 5), ("Phương", 3), ("Minh", 3), ("Bảo", 2), ("Khánh", 2),
    ("Hồng", 3), ("Mai", 2), ("Diệu", 1), ("Kim", 3), ("Thùy", 3), ("Hà", 1), ("Lan", 1), ("Quỳnh", 1),
    ("Hải", 1), ("Bích", 2), ("Ánh", 1), ("Hoài", 1), ("Như", 1), ("Gia", 1), ("Cẩm", 1), ("Tú", 1),
    ("Thúy", 2), ("Vân", 1), ("Thủy", 0.5),
]

GIVEN_MALE = [
    ("Hùng", 4), ("Dũng", 4), ("Tuấn", 4), ("Minh", 5), ("Nam", 4), ("Hải", 3), ("Long", 3), ("Thắng", 3),
    ("Sơn", 3), ("Cường", 3), ("Hòa", 2.5), ("Khoa", 2), ("Đức", 3), ("Quang", 2), ("Trung", 3), ("Huy", 3),
    ("Việt", 2), ("Phong", 2), ("Thành", 3), ("Bình", 2), ("An", 3), ("Phúc", 2), ("Tùng", 2), ("Hiếu", 2),
    ("Lâm", 2), ("Vinh", 2), ("Toàn", 2), ("Hoàng", 2), ("Kiên", 2), ("Thịnh", 2), ("Duy", 2), ("Khánh", 2),
    ("Tiến", 2), ("Quân", 3), ("Đạt", 3), ("Tâm", 1), ("Lộc", 1), ("Hưng", 2), ("Thụy", 0.8), ("Hậu", 1),
    ("Nghĩa", 2), ("Chiến", 2), ("Bảo", 2), ("Khôi", 2), ("Kiệt", 1), ("Phát", 1), ("Nhật", 1), ("Quý", 1),
    ("Tú", 1), ("Toản", 1), ("Thuận", 1), ("Khải", 1), ("Hóa", 1), ("Thủy", 0.5), ("Khỏe", 0.3), ("Tuyên", 1),
    ("Hoan", 1), ("Thọ", 1), ("Bằng", 1), ("Giang", 1), ("Hiệp", 1), ("Lợi", 1), ("Mạnh", 1), ("Thanh", 1),
]
GIVEN_FEMALE = [
    ("Lan", 4), ("Hương", 5), ("Hoa", 3), ("Mai", 3), ("Hạnh", 3), ("Hà", 3), ("Linh", 5), ("Trang", 4),
    ("Thảo", 4), ("Ngọc", 3), ("Hằng", 3), ("Huyền", 3), ("Nga", 3), ("Phương", 3), ("Anh", 4), ("Thủy", 3),
    ("Thúy", 3), ("Hòa", 2), ("Loan", 2), ("Tuyết", 2), ("Huệ", 2), ("Yến", 2), ("Nhung", 2), ("Oanh", 2),
    ("Dung", 2), ("Vân", 2), ("Liên", 2), ("Hồng", 2), ("Hiền", 3), ("Thu", 2), ("Xuân", 2), ("Chi", 2),
    ("Vy", 2), ("Nhi", 2), ("My", 2), ("Quỳnh", 2), ("Giang", 2), ("Tâm", 1), ("Thơm", 1), ("Lý", 1),
    ("Hoài", 1), ("Ngân", 2), ("Ly", 2), ("Châu", 1), ("Diệp", 1), ("Hảo", 1), ("Thoa", 1), ("Khuê", 1),
    ("Thụy", 0.7), ("Uyên", 1), ("Nguyệt", 1), ("Tuyền", 1), ("Duyên", 2), ("Vui", 1), ("Mơ", 1), ("Hòe", 0.3),
    ("Lụa", 0.5), ("Thoan", 0.5), ("Xoan", 0.5),
]


def pool(entries: list[tuple[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(names as an object array, probabilities)."""
    names = np.array([n for n, _ in entries], dtype=object)
    weights = np.array([w for _, w in entries], dtype=float)
    return names, weights / weights.sum()


# --- text changes -----------------------------------------------------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # grave, acute, tilde, hook, dot below
_PAIRS = ("oa", "oe", "uy")


def tone_variant(text: str) -> str:
    """Move the tone mark between old and new placement in open oa/oe/uy syllables: Hòa ↔ Hoà, Thủy ↔ Thuỷ.

    Closed syllables (Hoàng, Toàn, Huỳnh) and 'qu' + y (Quý) are left alone, as both styles agree there.
    Returns NFC text; words without such a syllable come back unchanged."""
    return " ".join(_word_tone_variant(w) for w in text.split(" "))


@lru_cache(maxsize=65536)
def _word_tone_variant(word: str) -> str:
    letters: list[list[str]] = []  # base letter + its combining marks
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch) and letters:
            letters[-1].append(ch)
        else:
            letters.append([ch])
    if len(letters) < 2:
        return word
    last2 = "".join(letters[-2][0] + letters[-1][0]).lower()
    if last2 not in _PAIRS or (len(letters) >= 3 and letters[-3][0].lower() == "q"):
        return word
    if len(letters) >= 3 and unicodedata.normalize("NFD", letters[-3][0]).lower() in "aeiouy":
        return word  # a longer vowel cluster ('uoa'…): leave it
    first, second = letters[-2], letters[-1]
    tone_first = [m for m in first[1:] if m in _TONES]
    tone_second = [m for m in second[1:] if m in _TONES]
    if tone_first and not tone_second:
        first.remove(tone_first[0])
        second.append(tone_first[0])
    elif tone_second and not tone_first:
        second.remove(tone_second[0])
        first.append(tone_second[0])
    else:
        return word
    return unicodedata.normalize("NFC", "".join("".join(part) for part in letters))


def has_tone_variant(text: str) -> bool:
    return tone_variant(text) != text


def strip_diacritics(text: str) -> str:
    """'Nguyễn Thị Huệ Đức' -> 'Nguyen Thi Hue Duc' (Đ/đ mapped explicitly, domain.md §4.2)."""
    s = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(ch for ch in s if not unicodedata.combining(ch)))


def typo(word: str, rng: np.random.Generator) -> str:
    """A realistic keying error in one word: a wrong tone mark, a dropped letter or a doubled letter.
    Never returns the word itself, nor its tone-placement variant."""
    base = unicodedata.normalize("NFD", word)
    for _ in range(8):
        choice = int(rng.integers(3))
        if choice == 0:  # a different tone mark (or one where there was none) on the same vowel
            tone = ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323"][int(rng.integers(5))]
            current = [i for i, ch in enumerate(base) if ch in _TONES]
            bare = "".join(ch for ch in base if ch not in _TONES)
            if current:  # the vowel carrying the old tone: the last base letter before it
                anchor = max(i for i in range(current[0]) if not unicodedata.combining(base[i]))
                anchor -= sum(1 for i in current if i < anchor)
            else:
                vowels = [i for i, ch in enumerate(bare) if ch.lower() in "aeiouy"]
                if not vowels:
                    continue
                anchor = vowels[-1]
            end = anchor + 1  # after the vowel's own shape marks (circumflex, breve, horn)
            while end < len(bare) and unicodedata.combining(bare[end]):
                end += 1
            candidate = bare[:end] + tone + bare[end:]
        else:
            nfc = unicodedata.normalize("NFC", word)
            if len(nfc) < 3:
                continue
            pos = 1 + int(rng.integers(len(nfc) - 1))
            candidate = nfc[:pos] + nfc[pos:][1:] if choice == 1 else nfc[:pos] + nfc[pos] + nfc[pos:]
        candidate = unicodedata.normalize("NFC", candidate)
        if candidate not in (unicodedata.normalize("NFC", word), tone_variant(word)):
            return candidate
    return unicodedata.normalize("NFC", word) + word[-1]


def vn_upper(text: str) -> str:
    """All caps as the 831 paper form asks ('in hoa'); str.upper() handles Vietnamese letters."""
    return text.upper()
