"""Paths and the station's editable configuration (data/config.toml)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
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
