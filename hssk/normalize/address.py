"""Free-text addresses: split into parts, find the thôn, name the pre-2025 commune (domain.md §5).

Addresses mix the old 3-level form ("Thôn Khoan Tế, xã Đa Tốn, huyện Gia Lâm, Hà Nội") and the new 2-level
form ("Thôn Khoan Tế, xã Bát Tràng, Hà Nội"), with or without commas, abbreviated (Th., X., H., TP.), in
capitals or without accents. Known unit names come from the reference tables (admin_units_bat_trang.csv,
cccd_province_codes.csv) and villages from villages.csv, so nothing about the commune is hard-coded here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from hssk import reference
from hssk.normalize.text import ascii_key, fix_text, strip_accents, title_case, tone_key

__all__ = [
    "Address",
    "match_village",
    "parse_address",
    "village_and_old_unit",
    "village_fields",
    "village_spelling",
]

LEVELS = ("house", "village", "commune", "district", "province")


@dataclass(frozen=True)
class Address:
    """Parts of an address as written (repaired text, label words such as "Thôn"/"xã" removed)."""

    house: str | None = None
    village: str | None = None
    commune: str | None = None
    district: str | None = None
    province: str | None = None


# (level, accented spelling, accent-free spelling, accent-free spelling also accepted in accented text).
# An accented text normally uses the accented label, so "Chử Xá" is no "xã"; accent-free spellings that are
# not ordinary words (thon, huyen, phuong …) are accepted everywhere. Longest first ("thị xã" before "xã").
_LABELS: list[tuple[str, str, str, bool]] = [
    ("village", "tổ dân phố", "to dan pho", True),
    ("village", "tdp", "tdp", True),
    ("village", "thôn", "thon", True),
    ("village", "th.", "th.", True),
    ("village", "xóm", "xom", True),
    ("village", "khu phố", "khu pho", True),
    ("village", "ấp", "ap", False),
    ("district", "thị xã", "thi xa", True),
    ("district", "tx.", "tx.", True),
    ("district", "tx", "tx", True),
    ("commune", "thị trấn", "thi tran", True),
    ("commune", "tt.", "tt.", True),
    ("commune", "xã", "xa", False),
    ("commune", "x.", "x.", True),
    ("commune", "phường", "phuong", True),
    ("commune", "p.", "p.", True),
    ("district", "huyện", "huyen", True),
    ("district", "h.", "h.", True),
    ("district", "quận", "quan", False),
    ("district", "q.", "q.", True),
    ("province", "thành phố", "thanh pho", True),
    ("province", "tp.", "tp.", True),
    ("province", "tp", "tp", True),
    ("province", "tỉnh", "tinh", False),
    ("house", "số nhà", "so nha", True),
]


def _label_regex(spellings: list[str]) -> re.Pattern:
    parts = []
    for spelling in spellings:
        body = re.escape(spelling).replace(r"\ ", r"\s+")
        # after a dotted abbreviation the name may follow without a space ("X.Bát Tràng")
        parts.append(body if spelling.endswith(".") else body + r"(?=[\s:.]|$)")
    return re.compile(r"(?<![^\s,;(])(?:" + "|".join(parts) + ")", re.IGNORECASE)


def _longest_first(spellings) -> list[str]:
    return sorted(set(spellings), key=len, reverse=True)


_ACCENTED_RE = _label_regex(_longest_first([a for _, a, _, _ in _LABELS] + [p for _, _, p, ok in _LABELS if ok]))
_PLAIN_RE = _label_regex(_longest_first([p for _, _, p, _ in _LABELS]))
_LEVEL_OF = {a: lvl for lvl, a, _, _ in _LABELS} | {p: lvl for lvl, _, p, _ in _LABELS}
# "Tổ 5", "Thôn 2", "Đội 3": a numbered village keeps its label ("Tô"/"to" alone is also a family name)
_NUMBERED_RE = re.compile(r"(?<![^\s,;(])(tổ|to|thôn|thon|xóm|xom|đội|doi)\s+(?:số\s+|so\s+)?\d+\w*", re.IGNORECASE)
_SPLIT_RE = re.compile(r"\s*(?:[,;]|\s-\s|\n)\s*")
_STRIP = " .:-–"
_HOUSE_HINT_RE = re.compile(r"\d|^(số|so|ngõ|ngo|ngách|ngach|hẻm|hem|đường|duong|phố|pho|kiệt|kiet|sn)\b", re.IGNORECASE)


def _has_accents(text: str) -> bool:
    return strip_accents(text) != text


@lru_cache(maxsize=1)
def _known_names() -> dict[str, list[str]]:
    """Accent-free names of known units per level, longest first (for suffix peeling and bare parts)."""
    units = reference.admin_units()
    prefix_re = re.compile(r"^(xã|phường|thị trấn|huyện|quận|thị xã)\s+", re.IGNORECASE)
    communes = {prefix_re.sub("", n) for n in [*units["old_unit"], *units["new_unit"]]}
    districts = {prefix_re.sub("", n) for n in units["old_district"]}
    provinces = {re.sub(r"^(TP\.?|Thành phố)\s*", "", p) for p in reference.province_codes().values()}
    names = {
        "commune": {ascii_key(n) for n in communes},
        "district": {ascii_key(n) for n in districts},
        "province": {ascii_key(n) for n in provinces} | {"hn", "tphn", "tp hn", "tp ha noi"},
    }
    return {lvl: sorted(v, key=len, reverse=True) for lvl, v in names.items()}


@lru_cache(maxsize=1)
def _suffix_res() -> dict[str, re.Pattern]:
    """Per level, one regex for "ends with ' <known name>'": the earliest match is the longest name, as in a
    longest-first loop, but in one call (addresses are mostly distinct, so this runs per row)."""
    return {lvl: re.compile(" (" + "|".join(map(re.escape, names)) + ")$") for lvl, names in _known_names().items()}


def _components(text: str) -> list[tuple[str | None, str]]:
    """Split on commas, then before every label; each piece → (level from its label or None, name)."""
    label_re = _ACCENTED_RE if _has_accents(text) else _PLAIN_RE
    out: list[tuple[str | None, str]] = []
    for chunk in _SPLIT_RE.split(text):
        chunk = chunk.strip(_STRIP)
        if not chunk:
            continue
        cuts = sorted({m.start() for m in label_re.finditer(chunk)} | {0})
        pieces = [chunk[a:b].strip() for a, b in zip(cuts, [*cuts[1:], len(chunk)])]
        for piece in pieces:
            if not piece:
                continue
            level, name = _classify(piece, label_re)
            if level is not None and not name:
                # a label word with no name after it is part of the previous name ("Chu Xa" + "XA …")
                if out:
                    prev_level, prev_name = out[-1]
                    out[-1] = (prev_level, f"{prev_name} {piece}".strip())
                continue
            out.append((level, name))
    return out


def _classify(piece: str, label_re: re.Pattern) -> tuple[str | None, str]:
    if (m := _NUMBERED_RE.match(piece)) and (m.end() == len(piece) or not piece[m.end()].isalnum()):
        return "village", piece.strip(_STRIP)
    m = label_re.match(piece)
    if not m:
        return None, piece.strip(_STRIP)
    level = _LEVEL_OF[re.sub(r"\s+", " ", m.group().lower())]
    name = piece[m.end():].strip(_STRIP)
    if level == "village" and name.isdigit():
        name = f"{m.group().strip(_STRIP)} {name}"  # "Thôn 2" keeps its label
    return level, name


def _peel(level: str | None, name: str) -> list[tuple[str | None, str]]:
    """Split known coarser unit names off the end of a part ("Khoan Tế Bát Tràng Gia Lâm Hà Nội")."""
    rank = LEVELS.index(level) if level else 0
    tail: list[tuple[str | None, str]] = []
    suffix_res = _suffix_res()
    changed = True
    while changed:
        changed = False
        key = ascii_key(name) or ""
        if len(key) != len(name):  # stray combining marks: positions would not line up
            break
        for coarser in ("province", "district", "commune"):
            if LEVELS.index(coarser) <= rank or any(lvl == coarser for lvl, _ in tail):
                continue
            match = suffix_res[coarser].search(key)
            if match:
                cut = len(name) - len(match.group(1))
                tail.insert(0, (coarser, name[cut:].strip()))
                name = name[:cut].strip(_STRIP)
                changed = True
                break
    return [(level, name), *tail]


def _place(name: str, i: int, n: int, last: int, next_labelled: int | None) -> str:
    """Level of a part without a label: a known unit name where it fits, else the level after the last one."""
    known = _known_names()
    key = ascii_key(name)
    if key in known["province"] and (n == 1 or (i > 0 and (i == n - 1 or last >= 2))):
        return "province"
    if key in known["district"] and i > 0 and last < 3:
        return "district"
    if key in known["commune"] and last < 2 and (next_labelled is None or next_labelled > 2) and (i > 0 or n > 1):
        return "commune"
    if last <= 0:
        rank = 0 if _HOUSE_HINT_RE.search(name) else 1
    else:
        rank = min(last + 1, 4)
    if next_labelled is not None and rank >= next_labelled:
        rank = max(next_labelled - 1, 0)
    return LEVELS[rank]


def parse_address(value) -> Address | None:
    """Split an address into house, village, commune, district and province (texts as written, labels removed).

    "Thôn Khoan Tế, xã Đa Tốn, huyện Gia Lâm, Hà Nội" → Address(village='Khoan Tế', commune='Đa Tốn',
    district='Gia Lâm', province='Hà Nội'). Parts without a label are placed by known names (reference
    tables) and then by position (before the commune: house if it holds a number or ngõ/số…, else village;
    after it: district, then province; "Tổ 5"/"Thôn 2" keep their label). Blank → None; unrecognisable text
    ends up in `village` or `house` as written ("abc" → Address(village='abc')); parts without any letter or
    digit are dropped ("???" → Address()). Never raises.
    """
    text = fix_text(value)
    return None if text is None else _parse_text(text)


@lru_cache(maxsize=65536)  # exports repeat the same addresses (Address is frozen, so sharing is safe)
def _parse_text(text: str) -> Address:
    parts: list[tuple[str | None, str]] = []
    for level, name in _components(text):
        parts.extend(_peel(level, name))
    parts = [(lvl, name) for lvl, name in parts if any(ch.isalnum() for ch in name)]
    found: dict[str, list[str]] = {lvl: [] for lvl in LEVELS}
    last = -1  # rank of the coarsest level placed so far
    for i, (level, name) in enumerate(parts):
        if level is None:
            later = [LEVELS.index(lvl) for lvl, _ in parts[i + 1:] if lvl is not None]
            level = _place(name, i, len(parts), last, min(later, default=None))
        found[level].append(name)
        last = max(last, LEVELS.index(level))
    return Address(**{lvl: (", ".join(v) if v else None) for lvl, v in found.items()})


# --- villages ---------------------------------------------------------------------------------------------------
_VILLAGE_PREFIX_RE = re.compile(r"^(thôn|thon|th\.|xóm|xom|tổ dân phố|to dan pho|tdp|làng|lang)\s*", re.IGNORECASE)


def _village_keys(name: str) -> tuple[str | None, str | None]:
    text = fix_text(name)
    if text is None:
        return None, None
    text = _VILLAGE_PREFIX_RE.sub("", text).strip(_STRIP) or text
    return tone_key(text), ascii_key(text)


@lru_cache(maxsize=1)
def _village_index() -> tuple[dict[str, str], dict[str, str]]:
    """(tone key → village, accent-free key → village); accent-free keys shared by two villages are dropped."""
    by_tone: dict[str, str] = {}
    by_ascii: dict[str, str] = {}
    clashes: set[str] = set()
    for row in reference.villages().itertuples(index=False):
        for name in [row.village, *row.aliases.split("|")]:
            tkey, akey = _village_keys(name)
            if not tkey:
                continue
            by_tone.setdefault(tkey, row.village)
            if akey in by_ascii and by_ascii[akey] != row.village:
                clashes.add(akey)
            by_ascii.setdefault(akey, row.village)
    for key in clashes:
        del by_ascii[key]
    return by_tone, by_ascii


@lru_cache(maxsize=65536)
def _match_exact(text: str) -> str | None:
    by_tone, by_ascii = _village_index()
    tkey, akey = _village_keys(text)
    if tkey is None:
        return None
    return by_tone.get(tkey) or by_ascii.get(akey)


def match_village(text) -> str | None:
    """Canonical village name (villages.csv) for a village cell or an address, else None.

    Tries the whole text as a name or alias (case, tone placement, accents and a leading Thôn/Xóm/TDP ignored:
    "THON GIANG CAO", "Giang Cao", "GC" → "Giang Cao"), then the village part of `parse_address(text)`.
    """
    fixed = fix_text(text)
    if fixed is None:
        return None
    found = _match_exact(fixed)
    if found is None and (address := parse_address(fixed)) and address.village:
        found = _match_exact(address.village)
    return found


_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")


def _village_and_commune(text: str) -> Address:
    """`_parse_text(text)` as far as its village and commune go, mostly from a cached parse.

    House numbers make nearly every address of a city distinct, so parsing each one would run the parser once
    per row. The parser looks at digits only as digits (never at which digit), so the text with every digit
    written 0 splits into the same parts at the same places: a village or commune without a 0 in that parse is
    the very text of the real one, and "Số 12, Thôn Đông" and "Số 47, Thôn Đông" share one parse. A part with a
    number in it ("Thôn 2", "Xóm 5, Đông") is taken from the parse of the real text. Known unit names with digits
    ("Phường 12") would make the digits matter, so then every text is parsed as it is.
    """
    if _digits_in_known_names():
        return _parse_text(text)
    masked = _parse_text(text.translate(_DIGITS_TO_ZERO))
    if "0" in (masked.village or "") or "0" in (masked.commune or ""):
        return _parse_text(text)
    return masked


@lru_cache(maxsize=1)
def _digits_in_known_names() -> bool:
    return any(ch.isdigit() for names in _known_names().values() for name in names for ch in name)


@lru_cache(maxsize=1)
def _old_units() -> dict[str, str]:
    """Accent-free old commune name → its name without the "Xã"/"Phường" prefix."""
    prefix_re = re.compile(r"^(xã|phường|thị trấn)\s+", re.IGNORECASE)
    names = [prefix_re.sub("", n) for n in reference.admin_units()["old_unit"]]
    return {ascii_key(n): n for n in names}


@lru_cache(maxsize=1)
def _new_units() -> frozenset[str]:
    prefix_re = re.compile(r"^(xã|phường)\s+", re.IGNORECASE)
    return frozenset(ascii_key(prefix_re.sub("", n)) for n in reference.admin_units()["new_unit"])


@lru_cache(maxsize=1)
def _village_old_unit() -> dict[str, str]:
    return dict(zip(reference.villages()["village"], reference.villages()["old_unit"]))


def village_and_old_unit(village_cell, address) -> tuple[str | None, str | None]:
    """(canonical village, old commune) for one record.

    The village comes from the village column when it matches villages.csv, else from the address. The old
    unit is the pre-2025 commune named in the address (admin_units_bat_trang.csv, without "Xã"/"Phường"):
    "Thôn Khoan Tế, xã Đa Tốn, huyện Gia Lâm, Hà Nội" → ('Khoan Tế', 'Đa Tốn'). When the address names the
    new commune (Bát Tràng) and the village is known to come from another old commune, the address is in the
    new form and the old unit is None.
    """
    village = match_village(village_cell) if fix_text(village_cell) else None
    text = fix_text(address)
    parsed = None if text is None else _village_and_commune(text)
    if village is None and parsed is not None and parsed.village:
        # "Xóm 3, Thôn Dương Đanh": a hamlet before the village; try the whole part, then each piece.
        pieces = [parsed.village, *reversed(parsed.village.split(","))]
        village = next((found for piece in pieces if (found := _match_exact(piece.strip()))), None)
    old_unit = None
    if parsed is not None and parsed.commune:
        key = ascii_key(parsed.commune)
        old_unit = _old_units().get(key)
        if old_unit and key in _new_units() and village:
            village_origin = _village_old_unit().get(village)
            if village_origin and ascii_key(village_origin) != key:
                old_unit = None
    return village, old_unit


def village_spelling(village_cell, address) -> tuple[str | None, str | None]:
    """(how the record writes its village, the key spellings of one village share) when the record names a
    village at all — from the village column, else the village part of the address. "THÔN XUÂN DỤC" →
    ("Xuân Dục", "xuan duc"). The register is the authority on which villages exist, so a name villages.csv does
    not know is kept this way and becomes a village when the register names it (hssk.ingest.villages)."""
    text = fix_text(village_cell)
    if text is None and (address_text := fix_text(address)) is not None:
        parsed = _village_and_commune(address_text)
        text = parsed.village.split(",")[-1].strip() if parsed.village else None
    if text is None:
        return None, None
    text = _VILLAGE_PREFIX_RE.sub("", text).strip(_STRIP) or text
    return title_case(text), village_key(text)


def village_key(name) -> str | None:
    """The key two spellings of one village share: accent-free, lower case, single spaces, no Thôn/Xóm prefix."""
    text = fix_text(name)
    if text is None:
        return None
    text = _VILLAGE_PREFIX_RE.sub("", text).strip(_STRIP) or text
    return " ".join(ascii_key(text).replace("-", " ").split()) or None


def village_fields(village_cell, address) -> tuple[str | None, str | None, str | None, str | None]:
    """(canonical village, old unit, spelling, key): the spelling and key only when no canonical village was found."""
    village, old_unit = village_and_old_unit(village_cell, address)
    spelled, key = (None, None) if village else village_spelling(village_cell, address)
    return village, old_unit, spelled, key


for _cache in (_known_names, _suffix_res, _village_index, _match_exact, _old_units, _new_units, _village_old_unit,
               _parse_text, _digits_in_known_names):
    reference.on_reload(_cache.cache_clear)
