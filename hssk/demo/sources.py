"""Reference data the demo draws from (villages with aliases and old units, ethnic groups, phone prefixes),
read through `hssk.reference`, so the demo speaks the same vocabulary as the importer."""

from __future__ import annotations

from dataclasses import dataclass

from hssk import reference


@dataclass(frozen=True)
class Village:
    name: str  # canonical name, e.g. "Khoan Tế"
    aliases: tuple[str, ...]  # e.g. ("Thôn Khoan Tế",)
    kind: str  # "Thôn" or "Tổ dân phố": how addresses name it
    old_unit: str  # pre-2025 commune/ward, e.g. "xã Đa Tốn"
    old_district: str  # e.g. "huyện Gia Lâm"


# TEST FALLBACK ONLY: used when data/reference/villages.csv does not exist (the real list lives there).
_FALLBACK_VILLAGES = [
    {"village": "Giang Cao", "aliases": "Thôn Giang Cao", "old_unit": "Bát Tràng"},
    {"village": "Khoan Tế", "aliases": "Thôn Khoan Tế", "old_unit": "Đa Tốn"},
]


def villages() -> list[Village]:
    """The villages of data/reference/villages.csv, in file order."""
    try:
        rows = reference.villages().to_dict("records")
    except FileNotFoundError:
        rows = _FALLBACK_VILLAGES
    units = _old_units()
    out = []
    for row in rows:
        name = str(row.get("village") or "").strip()
        if not name:
            continue
        aliases = tuple(a.strip() for a in str(row.get("aliases") or "").split("|") if a.strip())
        kind = "Tổ dân phố" if any(a.startswith("Tổ dân phố") for a in aliases) else "Thôn"
        old = str(row.get("old_unit") or "Bát Tràng").strip()
        unit, district = units.get(old, (f"xã {old}", "huyện Gia Lâm"))
        out.append(Village(name, aliases, kind, unit, district))
    return out


def _old_units() -> dict[str, tuple[str, str]]:
    """'Đa Tốn' -> ('xã Đa Tốn', 'huyện Gia Lâm'); 'Cự Khối' -> ('phường Cự Khối', 'quận Long Biên')."""
    try:
        rows = reference.admin_units().to_dict("records")
    except FileNotFoundError:
        return {}
    units = {}
    for row in rows:
        level, _, short = str(row["old_unit"]).strip().partition(" ")  # "Xã Đa Tốn", "Phường Cự Khối"
        d_level, _, d_name = str(row.get("old_district") or "").strip().partition(" ")
        units[short] = (f"{level.lower()} {short}", f"{d_level.lower()} {d_name}" if d_name else "huyện Gia Lâm")
    return units


def ethnic_groups() -> list[tuple[str, str, tuple[str, ...]]]:
    """[(code, name, variants)] from ethnic_groups.csv."""
    frame = reference.ethnic_groups()
    return [(c, n, tuple(v for v in str(vs).split("|") if v))
            for c, n, vs in zip(frame["code"], frame["name"], frame["variants"])]


def old_phone_prefixes() -> dict[str, str]:
    """New 3-digit mobile prefix ('032') -> the pre-2018 4-digit one ('0162')."""
    return {new: old for old, new in reference.phone_prefixes().items()}
