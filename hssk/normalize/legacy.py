"""Legacy Vietnamese 8-bit encodings (TCVN3/ABC and VNI-Windows) as they appear in Unicode cells.

A cell typed in a `.VnTime` (TCVN3) or `VNI-Times` (VNI) font reaches us as the Latin-1/cp1252 reading of its
bytes ("mojibake"): `NguyÔn V¨n An` (TCVN3) or `Nguyeãn Vaên An` (VNI) for "Nguyễn Văn An". These functions
convert between NFC Unicode and that mojibake, detect it, and repair it (domain.md §4.4–§4.6).

Capitals (be precise, the encodings differ):
- **VNI** has every capital: `decode_vni(encode_vni(x)) == x` for NFC text made of Vietnamese letters, ASCII and
  punctuation.
- **TCVN3** has only the unaccented capitals Ă Â Ê Ô Ơ Ư Đ (codes 0xA1–0xA7). `encode_tcvn3` writes any other
  capital with a tone mark (À, Ễ, Ứ …) with the code of its lower-case letter, as the capitals font `.VnTimeH`
  does. `decode_tcvn3` therefore returns lower-case letters for those codes, except that it upper-cases a whole
  word when at least two letters of that word have a known case (ASCII letters, codes 0xA1–0xA7) and all of them
  are capitals, and the whole cell when that holds for the cell ("NGUYÔN V¡N AN" → "NGUYỄN VĂN AN";
  "HÀ NỘI" round-trips). So `decode_tcvn3(encode_tcvn3(x)) == x` for lower-case text and for upper-case text with
  at least two known-case letters; otherwise only up to case (`Ánh` → `ánh`, a lone `HÀ` → `Hà`). Proper
  capitalisation of names is the caller's job (`hssk.normalize.text.title_case`).

Characters outside the Vietnamese alphabet that collide with codes (e.g. `ü`, `ß`) are passed through by the
encoders and are not guaranteed to round-trip. The four codecs return None and any other non-string unchanged.

These functions work on text cells. Decoding a file's bytes (UTF-8, UTF-8-BOM, cp1258) is the reader's job;
a cell read from a cp1258 file is NFD-like Unicode, which `hssk.normalize.text.fix_text` turns into NFC.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["decode_tcvn3", "decode_vni", "detect_legacy", "encode_tcvn3", "encode_vni", "repair_legacy"]

# --- TCVN3 (ABC, TCVN 5712:1993 VN3): one byte per letter -------------------------------------------------
_TCVN3_CODES: dict[int, str] = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}
_TCVN3_DECODE = dict(_TCVN3_CODES)  # str.translate table: code point → letter
_TCVN3_ENCODE: dict[int, str] = {ord(uni): chr(code) for code, uni in _TCVN3_CODES.items()}
for _code, _uni in _TCVN3_CODES.items():
    _upper = _uni.upper()
    if ord(_upper) not in _TCVN3_ENCODE:  # accented capital: no code of its own, use the lower-case one
        _TCVN3_ENCODE[ord(_upper)] = chr(_code)
_TCVN3_CAPITAL_CODES = frozenset(chr(c) for c in range(0xA1, 0xA8))
_TCVN3_LOWER_CODES = frozenset(chr(c) for c in _TCVN3_CODES) - _TCVN3_CAPITAL_CODES

# --- VNI-Windows: base letter + modifier byte -----------------------------------------------------------------
_TONES = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}  # on a plain vowel, ơ, ư
_TONES_CIRCUMFLEX = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_TONES_BREVE = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
# Letters VNI writes as one byte (lower-case; the upper-case byte is the Latin-1 upper-case).
_VNI_SINGLE = {"ơ": "ô", "ư": "ö", "đ": "ñ", "ị": "ò", "ỉ": "æ", "ĩ": "ó", "ỵ": "î", "í": "í", "ì": "ì"}


def _build_vni() -> dict[str, str]:
    """Unicode lower-case letter → VNI sequence (lower case)."""
    table: dict[str, str] = dict(_VNI_SINGLE)
    for base in "aeouy":
        for mark, mod in _TONES.items():
            table[unicodedata.normalize("NFC", base + mark)] = base + mod
    for base in "aeo":
        for mark, mod in _TONES_CIRCUMFLEX.items():
            table[unicodedata.normalize("NFC", base + "\u0302" + mark)] = base + mod
    for mark, mod in _TONES_BREVE.items():
        table[unicodedata.normalize("NFC", "a\u0306" + mark)] = "a" + mod
    for base, vni in (("ơ", "ô"), ("ư", "ö")):
        for mark, mod in _TONES.items():
            table[unicodedata.normalize("NFC", base + mark)] = vni + mod
    table["ỵ"] = "î"  # the single byte wins over y + dot
    return table


_VNI_LOWER = _build_vni()
_VNI_ENCODE: dict[int, str] = {}
for _uni, _vni in _VNI_LOWER.items():
    _VNI_ENCODE[ord(_uni)] = _vni
    _VNI_ENCODE[ord(_uni.upper())] = _vni.upper()


def _build_vni_decode() -> dict[str, str]:
    """VNI sequence → Unicode, lenient about the case of the modifier (the base letter decides the case)."""
    table: dict[str, str] = {}
    for uni, vni in _VNI_LOWER.items():
        if len(vni) == 1:
            if vni != uni:
                table[vni] = uni
                table[vni.upper()] = uni.upper()
            continue
        base, mod = vni
        for b, result in ((base, uni), (base.upper(), uni.upper())):
            table[b + mod] = result
            table[b + mod.upper()] = result
    return table


_VNI_DECODE = _build_vni_decode()
_VNI_DECODE_RE = re.compile("|".join(re.escape(k) for k in sorted(_VNI_DECODE, key=len, reverse=True)))
_VNI_MODIFIERS = frozenset("ùøûõïâáàåãäêéèúüë" + "ùøûõïâáàåãäêéèúüë".upper())


def encode_tcvn3(s: str | None) -> str | None:
    """NFC Unicode → TCVN3 mojibake (`Nguyễn Văn An` → `NguyÔn V¨n An`). None → None.

    Accented capitals other than Ă Â Ê Ô Ơ Ư Đ get their lower-case code (module docstring). Other characters,
    ASCII included, pass unchanged.
    """
    if not isinstance(s, str):
        return s
    return unicodedata.normalize("NFC", s).translate(_TCVN3_ENCODE)


def encode_vni(s: str | None) -> str | None:
    """NFC Unicode → VNI-Windows mojibake (`Nguyễn Văn An` → `Nguyeãn Vaên An`). None → None."""
    if not isinstance(s, str):
        return s
    return unicodedata.normalize("NFC", s).translate(_VNI_ENCODE)


_WORD_RE = re.compile(r"[^\s,.;:!?()\[\]{}\"'/\\|\-–—_+=*&%#@<>~`0-9]+")


def _known_case(chars: str) -> tuple[int, bool]:
    """(number of letters whose case is known in TCVN3 text, whether all of them are capitals)."""
    n = 0
    all_upper = True
    for ch in chars:
        if ch in _TCVN3_CAPITAL_CODES or "A" <= ch <= "Z":
            n += 1
        elif "a" <= ch <= "z":
            n += 1
            all_upper = False
    return n, all_upper


def decode_tcvn3(s: str | None) -> str | None:
    """TCVN3 mojibake → NFC Unicode (`TrÇn ThÞ Hßa` → `Trần Thị Hòa`). None → None.

    Every TCVN3 code is converted, whatever the text is, so call it on text known (or detected) to be TCVN3.
    Upper-casing of words typed in the capitals font: see the module docstring.
    """
    if not isinstance(s, str):
        return s
    decoded = s.translate(_TCVN3_DECODE)
    if not any(ch in _TCVN3_LOWER_CODES for ch in s):
        return decoded
    n_cell, upper_cell = _known_case(s)
    if n_cell >= 2 and upper_cell:
        return decoded.upper()
    pieces = []
    last = 0
    for m in _WORD_RE.finditer(s):
        word = m.group()
        n_word, upper_word = _known_case(word)
        if n_word >= 2 and upper_word and any(ch in _TCVN3_LOWER_CODES for ch in word):
            pieces.append(decoded[last:m.start()])
            pieces.append(decoded[m.start():m.end()].upper())
            last = m.end()
    pieces.append(decoded[last:])
    return "".join(pieces)


def decode_vni(s: str | None) -> str | None:
    """VNI-Windows mojibake → NFC Unicode (`Ñöùc` → `Đức`, `Haø Noäi` → `Hà Nội`). None → None.

    Longest match first: `oâ` is ô, a lone `ô` is ơ, `ôù` is ớ. A modifier byte with no base vowel before it is
    left as it is. Call it on text known (or detected) to be VNI.
    """
    if not isinstance(s, str):
        return s
    return _VNI_DECODE_RE.sub(lambda m: _VNI_DECODE[m.group()], s)


# --- Detection ------------------------------------------------------------------------------------------------
# Vietnamese syllable structure, used only to weigh evidence: initial + nucleus + final, one tone mark on an
# allowed vowel of the nucleus. Loose on rare loanwords, strict where TCVN3/VNI mojibake differs from real text.
_INITIALS = ("", "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu", "b", "c", "d", "đ", "g", "h",
             "k", "l", "m", "n", "p", "r", "s", "t", "v", "x")
_FINALS = ("", "ch", "ng", "nh", "c", "m", "n", "p", "t")
# nucleus → (vowel positions that may carry the tone, whether a final consonant may follow)
_NUCLEI: dict[str, tuple[frozenset[int], bool]] = {}
for _group, _positions, _closed in (
    ("a e ê i o ô ơ u ư y", {0}, True),
    ("ă â", {0}, True),
    ("ai ao au ay âu ây eo êu iu oi ôi ơi ui ưi ưu ia ua ưa", {0}, False),
    ("oa oe uy", {0, 1}, True),
    ("iê yê uô ươ uâ oă uê uơ", {1}, True),
    ("iêu yêu uôi ươi ươu oai oao oay oeo uây uya uyu", {1}, False),
    ("uyê", {2}, True),
):
    for _nucleus in _group.split():
        _NUCLEI[_nucleus] = (frozenset(_positions), _closed)
_NEEDS_FINAL = frozenset(["ă", "â", "iê", "yê", "uô", "ươ", "uâ", "oă", "uyê"])
_STOP_FINALS = frozenset({"c", "ch", "p", "t"})
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_STOP_TONES = frozenset("\u0301\u0323")  # a syllable ending in c/ch/p/t takes sắc or nặng only


@lru_cache(maxsize=65536)
def _is_syllable(word: str) -> bool:
    """Whether `word` (any case, NFC) is a well-formed Vietnamese syllable."""
    bare_chars = []
    tone = ""
    tone_at = -1
    for ch in word.lower():
        decomposed = unicodedata.normalize("NFD", ch)
        marks = [c for c in decomposed if c in _TONE_MARKS]
        if marks:
            if tone or len(marks) > 1:
                return False
            tone, tone_at = marks[0], len(bare_chars)
        bare_chars.append(unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS)))
    bare = "".join(bare_chars)
    for initial in _INITIALS:
        if not bare.startswith(initial):
            continue
        for final in _FINALS:
            if final and not bare.endswith(final):
                continue
            nucleus = bare[len(initial):len(bare) - len(final)]
            spec = _NUCLEI.get(nucleus)
            if spec is None:
                continue
            positions, closed = spec
            if final and not closed or not final and nucleus in _NEEDS_FINAL:
                continue
            if final in ("ch", "nh") and nucleus[-1] not in "aêiy":
                continue
            if tone and (tone_at - len(initial) not in positions):
                continue
            if tone and final in _STOP_FINALS and tone not in _STOP_TONES:
                continue
            return True
    return False


_VIET_ONLY = re.compile(r"[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0"
                        r"\u1ea0-\u1ef9\u0300-\u0309\u0323]")
_TCVN3_IMPOSSIBLE = frozenset("ÀÁÂÃÄÅÍÙÚÛàðÿ")
# TCVN3 codes below 0xC0: VNI never produces them (the bytes VNI alone uses, À Á Â Ù à …, already rule TCVN3
# out), so they settle a tie.
_TCVN3_SIGNATURE_RE = re.compile(r"[\u00a1-\u00ae\u00b5-\u00be]")
# A capital right after a small letter ("NguyÔn", "ThÞ"): TCVN3 lower-case codes look like capitals.
_CAMEL_RE = re.compile(r"[a-z][A-ZÀ-Þ]")
# French words that happen to read as one valid VNI syllable ("où" → "ó").
_VNI_STOPWORDS = frozenset({"où", "goût", "dégoût", "loïc"})


_VOWEL_RE = re.compile(r"[aeiouyAEIOUY]")


def _is_abbreviation(word: str) -> bool:
    """Short vowel-less or all-capital ASCII tokens ("TDP", "ng", "HN") are neutral evidence."""
    return word.isascii() and len(word) <= 4 and (word.isupper() or not _VOWEL_RE.search(word))


@lru_cache(maxsize=131072)
def _word_evidence(word: str, encoding: str) -> int:
    """+1 the word reads as Vietnamese only once decoded, -1 decoding makes it worse or it is a known foreign word,
    -2 an unchanged non-Vietnamese ASCII word ("est", "gare"), 0 no evidence."""
    decoded = decode_tcvn3(word) if encoding == "tcvn3" else decode_vni(word)
    if decoded == word:
        return -2 if word.isascii() and not _is_abbreviation(word) and not _is_syllable(word) else 0
    if encoding == "vni" and word.lower() in _VNI_STOPWORDS:
        return -1
    if _is_syllable(word) and not _CAMEL_RE.search(word):
        return 0  # already fine as Unicode ("Bình", "Thò"): no evidence either way
    return 1 if _is_syllable(decoded) else -1


def _score(text: str, encoding: str) -> int:
    """Positive when the words changed by decoding turn into Vietnamese and outweigh the counter-evidence."""
    positive = negative = foreign = 0
    for word in _WORD_RE.findall(text):
        evidence = _word_evidence(word, encoding)
        if evidence == 1:
            positive += 1
        elif evidence == -1:
            negative += 1
        elif evidence == -2:
            foreign += 1
    if positive == 0 or positive <= negative or positive < foreign:
        return 0
    return positive - negative


_TCVN3_IMPOSSIBLE_RE = re.compile("[" + "".join(sorted(_TCVN3_IMPOSSIBLE)) + "]")
_VNI_CANDIDATE_RE = re.compile("[" + "".join(sorted(_VNI_MODIFIERS | set("ôöñòæóîÔÖÑÒÆÓÎ"))) + "]")


def detect_legacy(s: str | None) -> str | None:
    """'tcvn3', 'vni' or None (Unicode, ASCII, undecidable, None, garbage).

    Word-level evidence: a word counts for an encoding when it is not a Vietnamese syllable as it stands but
    becomes one once decoded (`NguyÔn`, `Nguyeãn`); a tie goes to TCVN3 only when the text has a TCVN3 code
    below 0xC0 (which VNI never produces), else None. Text holding any Unicode-only Vietnamese letter
    (ă đ ơ ư, U+1EA0–U+1EF9) or a combining mark is never legacy; letters that TCVN3 never produces (à, Á …)
    rule TCVN3 out. Plain ASCII, English and French text give None. Undecidable on purpose: cells whose every
    changed word is also valid Unicode Vietnamese ("Thò" = VNI "Thị", "Hoà An" = VNI "Hồ An") stay as they are.
    """
    if not s or not isinstance(s, str) or s.isascii() or _VIET_ONLY.search(s):
        return None
    scores = {}
    if not _TCVN3_IMPOSSIBLE_RE.search(s):
        scores["tcvn3"] = _score(s, "tcvn3")
    if _VNI_CANDIDATE_RE.search(s):
        scores["vni"] = _score(s, "vni")
    best = max(scores.values(), default=0)
    if best <= 0:
        return None
    winners = [enc for enc, score in scores.items() if score == best]
    if len(winners) == 2:  # same word evidence: TCVN3 only if it has bytes VNI never produces, else abstain
        winners = ["tcvn3"] if _TCVN3_SIGNATURE_RE.search(s) else []
    return winners[0] if len(winners) == 1 else None


def repair_legacy(s: str | None) -> tuple[str | None, str | None]:
    """(text, encoding): the decoded text and 'tcvn3'/'vni' when `s` is detected as legacy (`detect_legacy`),
    else (s, None) unchanged — also for None and non-strings. Blank-to-None is `fix_text`'s job."""
    encoding = detect_legacy(s)
    if encoding == "tcvn3":
        return decode_tcvn3(s), encoding
    if encoding == "vni":
        return decode_vni(s), encoding
    return s, None
