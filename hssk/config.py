"""Paths and the station's editable configuration (data/config.toml)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
QUERIES_DIR = ROOT / "queries"
DEFAULT_DB = DATA_DIR / "hssk.duckdb"
CONFIG_PATH = Path(os.environ.get("HSSK_CONFIG", DATA_DIR / "config.toml"))


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: an explicit path, else $HSSK_DB, else data/hssk.duckdb."""
    return Path(explicit or os.environ.get("HSSK_DB") or DEFAULT_DB)


def load_config(path: Path | None = None) -> dict:
    with open(path or CONFIG_PATH, "rb") as fh:
        return tomllib.load(fh)


def settings(path: Path | None = None) -> dict:
    """data/config.toml, or {} when the station has none yet."""
    try:
        return load_config(path)
    except FileNotFoundError:
        return {}


# The defaults of [campaign] when data/config.toml leaves a value out — the only place they are written.
DEFAULT_TARGETS = {"kpi_admin": 0.95, "kpi_health": 0.90}
DEFAULT_DEADLINE = "2026-04-30"
DEFAULT_STALE_DAYS = 365
TARGET_SETTINGS = {"kpi_admin": "target_admin", "kpi_health": "target_health"}  # KPI key → [campaign] key


@dataclass(frozen=True)
class Campaign:
    """The [campaign] settings: start and deadline dates, targets as fractions, the 'sống' window in days."""
    start: date | None
    deadline: date
    targets: dict[str, float] = field(default_factory=dict)
    stale_days: int = DEFAULT_STALE_DAYS


def campaign(config: dict | None = None) -> Campaign:
    """The one reader of [campaign] (app, report, worklists, KPIs): `config` or data/config.toml."""
    values = (config if config is not None else settings()).get("campaign", {})
    start = values.get("start")
    return Campaign(
        start=date.fromisoformat(str(start)) if start else None,
        deadline=date.fromisoformat(str(values.get("deadline") or DEFAULT_DEADLINE)),
        targets={key: float(values.get(name, DEFAULT_TARGETS[key])) for key, name in TARGET_SETTINGS.items()},
        stale_days=int(values.get("stale_days", DEFAULT_STALE_DAYS)),
    )


def save_config(config: dict, path: Path | None = None) -> None:
    """Write the two-level config back as TOML (sections of scalar values only)."""
    lines = []
    for section, values in config.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            if isinstance(value, str):
                lines.append(f'{key} = "{value}"'.replace("\\", "\\\\"))
            elif isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            else:
                lines.append(f"{key} = {value}")
        lines.append("")
    Path(path or CONFIG_PATH).write_text("\n".join(lines), encoding="utf-8")
