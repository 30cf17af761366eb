"""Paths and the station's editable configuration (data/config.toml)."""

from __future__ import annotations

import os
import tomllib
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
