"""Paths and the station's editable configuration (data/config.toml)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path

import tomlkit

from hssk.errors import HsskError

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


@dataclass(frozen=True)
class SecuritySettings:
    """Login throttling, lockout, password length and session expiry: data/config.toml [security]."""

    session_idle_minutes: float = 30
    session_absolute_minutes: float = 720
    login_free_failures: int = 3
    login_delay_seconds: float = 2
    login_max_delay_seconds: float = 60
    account_lockout_failures: int = 10
    client_lockout_failures: int = 30
    lockout_minutes: float = 15
    failure_window_minutes: float = 60
    min_password_length: int = 10


def security_settings(config: dict | None = None) -> SecuritySettings:
    """The [security] section over the defaults above; a missing key keeps its default, a value that is not a
    number ≥ 0 or an unknown key is refused (a typo must not switch the throttle off)."""
    section = (config if config is not None else load_config()).get("security", {})
    values = {}
    for item in fields(SecuritySettings):
        if item.name not in section:
            continue
        value = section[item.name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise HsskError(f"Cấu hình [security] {item.name} trong data/config.toml phải là một số ≥ 0.",
                            f"got {value!r}")
        values[item.name] = int(value) if item.type in ("int", int) else float(value)
    unknown = set(section) - {item.name for item in fields(SecuritySettings)}
    if unknown:
        raise HsskError(f"Cấu hình [security] trong data/config.toml có mục không biết: {', '.join(sorted(unknown))}.")
    return SecuritySettings(**values)


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


DEFAULT_WAIT_SECONDS = 30.0


def database_wait_seconds(config: dict | None = None) -> float:
    """data/config.toml [database] wait_seconds: how long a command waits for a database another process holds
    (default 30). A value that is not a number ≥ 0 is refused."""
    value = (config if config is not None else load_config()).get("database", {}).get("wait_seconds",
                                                                                      DEFAULT_WAIT_SECONDS)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise HsskError("Cấu hình [database] wait_seconds trong data/config.toml phải là một số giây ≥ 0.",
                        f"got {value!r}")
    return float(value)
