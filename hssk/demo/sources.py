"""Reference data the demo draws from: villages (with aliases and old units), ethnic groups, province codes.

Everything comes from `data/reference/*.csv` (through `hssk.reference` when it offers the table), so the demo
speaks the same vocabulary as the importer.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from hssk.config import REFERENCE_DIR


@dataclass(frozen=True)
class Village:
    name: str  # canonical name, e.g. "Khoan Tế"
    aliases: tuple[str, ...]  # e.g. ("Thôn Khoan Tế",)
    kind: str  # "Thôn" or "Tổ dân phố": how addresses name it
    old_unit: str  # pre-2025 commune/ward, e.g. "xã Đa Tốn"
    old_district: str  # e.g. "huyện Gia Lâm"


def _read_csv(name: str, directory: Path | None = None) -> list[dict[str, str]]:
    with open((directory or REFERENCE_DIR) / name, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _village_rows() -> list[dict[str, str]]:
    try:  # the reference module is the canonical door when it is there
        from hssk import reference

        table = reference.villages()
        if hasattr(table, "to_dict"):
            return [{k: ("" if v is None else str(v)) for k, v in row.items()} for row in table.to_dict("records")]
        return [dict(row) for row in table]
    except (ImportError, AttributeError, FileNotFoundError, TypeError):
        return _read_csv("villages.csv")


# TEST FALLBACK ONLY: used when data/reference/villages.csv cannot be read at all (the real list lives there).
_FALLBACK_VILLAGES = [
    {"village": "Giang Cao", "aliases": "Thôn Giang Cao", "old_unit": "Bát Tràng"},
    {"village": "Khoan Tế", "aliases": "Thôn Khoan Tế", "old_unit": "Đa Tốn"},
]


def villages() -> list[Village]:
    try:
        rows = _village_rows()
    except FileNotFoundError:
        rows = _FALLBACK_VILLAGES
    units = _old_units()
    out = []
    for row in rows:
        name = (row.get("village") or row.get("name") or "").strip()
        if not name:
            continue
        aliases = row.get("aliases") or ""
        aliases = tuple(a.strip() for a in (aliases.split("|") if isinstance(aliases, str) else aliases) if a.strip())
        kind = "Tổ dân phố" if any(a.startswith("Tổ dân phố") for a in aliases) else "Thôn"
        old = (row.get("old_unit") or "Bát Tràng").strip()
        unit, district = units.get(old, (f"xã {old}", "huyện Gia Lâm"))
        out.append(Village(name, aliases, kind, unit, district))
    return out


def _old_units() -> dict[str, tuple[str, str]]:
    """'Đa Tốn' -> ('xã Đa Tốn', 'huyện Gia Lâm') from admin_units_bat_trang.csv."""
    try:
        rows = _read_csv("admin_units_bat_trang.csv")
    except FileNotFoundError:
        return {}
    units = {}
    for row in rows:
        full = row["old_unit"].strip()  # "Xã Đa Tốn", "Phường Cự Khối"
        level, _, short = full.partition(" ")
        district = row.get("old_district", "").strip()
        d_level, _, d_name = district.partition(" ")
        units[short] = (f"{level.lower()} {short}", f"{d_level.lower()} {d_name}" if d_name else "huyện Gia Lâm")
    return units


def ethnic_groups() -> list[tuple[str, str, tuple[str, ...]]]:
    """[(code, name, variants)] from ethnic_groups.csv."""
    rows = _read_csv("ethnic_groups.csv")
    return [(r["code"], r["name"], tuple(v for v in (r.get("variants") or "").split("|") if v)) for r in rows]


def province_codes() -> list[str]:
    return [r["code"] for r in _read_csv("cccd_province_codes.csv")]
