"""Paths and the station's editable configuration (data/config.toml)."""

from __future__ import annotations

import os
import tomllib

import tomlkit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
QUERIES_DIR = ROOT / "queries"
DEFAULT_DB = DATA_DIR / "hssk.duckdb"  # the station's own database: starts empty
DEMO_DB = DATA_DIR / "demo" / "demo.duckdb"  # the generated demo commune, never mixed with a station's data
CONFIG_PATH = Path(os.environ.get("HSSK_CONFIG", DATA_DIR / "config.toml"))


SHIPPED_MODEL = DATA_DIR / "model" / "linkage_model.json"
STATION_DIR = DATA_DIR / "local"  # the station's own files (not tracked by git): a retrained model, keys


def station_model_path(model_path: Path) -> Path:
    """Where a newly trained model is saved: never over the model shipped with the software (a tracked file)."""
    return STATION_DIR / "linkage_model.json" if Path(model_path).resolve() == SHIPPED_MODEL.resolve() else model_path


def relative_to_root(path: Path) -> str:
    """A path as the config file writes it: relative to the project when inside it."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: an explicit path, else $HSSK_DB, else data/hssk.duckdb."""
    return Path(explicit or os.environ.get("HSSK_DB") or DEFAULT_DB)


def load_config(path: Path | None = None) -> dict:
    with open(path or CONFIG_PATH, "rb") as fh:
        return tomllib.load(fh)


def save_config(config: dict, path: Path | None = None) -> None:
    """Write the config back, keeping the file's comments, order and layout (tomlkit edits the document in place):
    only values that changed are rewritten, new sections and keys are appended."""
    target = Path(path or CONFIG_PATH)
    document = tomlkit.parse(target.read_text(encoding="utf-8")) if target.exists() else tomlkit.document()
    for section, values in config.items():
        if not isinstance(values, dict):
            if document.get(section) != values:
                document[section] = values
            continue
        if section not in document:
            document[section] = tomlkit.table()
        table = document[section]
        for key, value in values.items():
            if table.get(key) != value:
                table[key] = value
    tmp = target.with_suffix(".tmp")
    tmp.write_text(tomlkit.dumps(document), encoding="utf-8")
    os.replace(tmp, target)  # a reader never sees half a file
