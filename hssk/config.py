"""Paths and the station's editable configuration (data/config.toml)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
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


@dataclass(frozen=True)
class ImportLimits:
    """What an imported file may hold (data/config.toml [import]); a file beyond them is refused before it is parsed.

    The defaults fit an 8 GB station PC and any real export: a 1M-resident city export has ~40 columns, ~1M rows
    and cells of a few hundred bytes."""

    max_file_mb: int = 4096  # one file on disk
    max_columns: int = 200  # columns used (the rightmost cell of any row)
    max_rows: int = 5_000_000  # rows of one sheet or CSV file
    max_cell_bytes: int = 1 << 20  # one cell (and 8× that for one CSV line)
    max_sheet_mb: int = 3072  # one sheet's XML after decompression (Excel)
    max_compression_ratio: int = 200  # decompressed / compressed size of any part of an Excel file over 16 MB
    max_grid_cells: int = 60_000_000  # rows × columns of a sheet's used range (the Excel reader allocates it)

    @property
    def max_line_bytes(self) -> int:
        return 8 * self.max_cell_bytes


def import_limits(path: Path | None = None) -> ImportLimits:
    """The [import] section of data/config.toml over the defaults; unknown keys are ignored."""
    try:
        section = load_config(path).get("import", {})
    except FileNotFoundError:
        section = {}
    known = {f.name for f in fields(ImportLimits)}
    return ImportLimits(**{k: int(v) for k, v in section.items() if k in known})
