"""Cached loaders for the reference tables in data/reference (see its README.md).

Every loader reads codes as strings and accepts an optional `directory` (tests pass a tmp_path). Results are
cached per directory; call `reload()` after a file changed (the admin page edits villages.csv). Frames are
cached objects: copy before mutating.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pandas as pd

from hssk import config

__all__ = [
    "admin_units",
    "century_sex",
    "code_list",
    "ethnic_groups",
    "phone_prefixes",
    "province_codes",
    "reference_dir",
    "reload",
    "using",
    "villages",
]


def reference_dir(directory: str | Path | None = None) -> Path:
    """The reference directory: `directory` if given, else `hssk.config.REFERENCE_DIR`."""
    return Path(directory) if directory is not None else Path(config.REFERENCE_DIR)


@lru_cache(maxsize=64)
def _resolved(directory: str | Path | None) -> Path:
    # Resolving a path hits the file system; lookups run once per distinct value of a million-row column.
    return reference_dir(directory).resolve()


@lru_cache(maxsize=64)
def _read(directory: Path, name: str) -> pd.DataFrame:
    frame = pd.read_csv(directory / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return frame.apply(lambda col: col.str.strip())


def _load(name: str, directory: str | Path | None) -> pd.DataFrame:
    return _read(_resolved(directory), name)


def ethnic_groups(directory: str | Path | None = None) -> pd.DataFrame:
    """code ('01'…'56'), name, variants ('|'-separated, may be '')."""
    return _load("ethnic_groups.csv", directory)


@lru_cache(maxsize=16)
def _province_codes(directory: Path) -> dict[str, str]:
    frame = _read(directory, "cccd_province_codes.csv")
    return dict(zip(frame["code"], frame["province"]))


def province_codes(directory: str | Path | None = None) -> dict[str, str]:
    """CCCD birth-registration province code ('001') → province name ('Hà Nội'); 63 entries."""
    return _province_codes(_resolved(directory))


@lru_cache(maxsize=16)
def _century_sex(directory: Path) -> dict[str, tuple[str, int]]:
    frame = _read(directory, "cccd_century_sex.csv")
    return {d: (s, int(c)) for d, s, c in zip(frame["digit"], frame["sex"], frame["century_start"])}


def century_sex(directory: str | Path | None = None) -> dict[str, tuple[str, int]]:
    """4th CCCD digit ('0'…'9') → (sex 'M'/'F', century start year 1900…2300)."""
    return _century_sex(_resolved(directory))


@lru_cache(maxsize=16)
def _phone_prefixes(directory: Path) -> dict[str, str]:
    frame = _read(directory, "phone_prefix_2018.csv")
    return dict(zip(frame["old_prefix"], frame["new_prefix"]))


def phone_prefixes(directory: str | Path | None = None) -> dict[str, str]:
    """2018 renumbering: old 4-digit mobile prefix ('0162') → new 3-digit prefix ('032')."""
    return _phone_prefixes(_resolved(directory))


def villages(directory: str | Path | None = None) -> pd.DataFrame:
    """village, aliases ('|'-separated), old_unit, note — the station-editable list of thôn/tổ dân phố."""
    return _load("villages.csv", directory)


def admin_units(directory: str | Path | None = None) -> pd.DataFrame:
    """old_unit, old_code, old_district, new_unit, new_code, scope ('whole'/'part'), note."""
    return _load("admin_units_bat_trang.csv", directory)


def code_list(list_name: str, directory: str | Path | None = None) -> pd.DataFrame:
    """Rows of hssk831_code_lists.csv for one list ('disease', 'allergy', 'disability', 'risk_factor', 'religion')."""
    frame = _load("hssk831_code_lists.csv", directory)
    return frame[frame["list"] == list_name].reset_index(drop=True)


def reload() -> None:
    """Forget every cached table (and the lookups the normalize functions built from them)."""
    _resolved.cache_clear()
    _read.cache_clear()
    _province_codes.cache_clear()
    _century_sex.cache_clear()
    _phone_prefixes.cache_clear()
    for callback in _RELOAD_HOOKS:
        callback()


_RELOAD_HOOKS: list = []


def on_reload(callback) -> None:
    """Register a function that clears a cache derived from these tables (used by hssk.normalize)."""
    _RELOAD_HOOKS.append(callback)


@contextmanager
def using(directory: str | Path):
    """Read every reference table from `directory` inside the block (a benchmark's generated villages list),
    then go back to the configured directory; the caches are cleared on the way in and out."""
    previous = config.REFERENCE_DIR
    config.REFERENCE_DIR = Path(directory)
    reload()
    try:
        yield Path(directory)
    finally:
        config.REFERENCE_DIR = previous
        reload()
