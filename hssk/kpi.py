"""Campaign KPIs: one function per figure, each running one named query in queries/kpi_*.sql.

Every figure has the same grain: one row per register village plus one row for the whole commune (village '').
The definitions live in the SQL files (and their shared building blocks in queries/kpi_base.sql); this module only
binds parameters and assembles the result that `python -m hssk kpi --json` prints.

    >>> kpi.coverage(con, as_of=date(2026, 4, 30))          # village, residents_alive, with_record, …
    >>> kpi.compute(con)["overall"]["kpi_admin"]             # 0.0 – 1.0
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from hssk import config as hssk_config
from hssk.errors import HsskError
from hssk.queries import load_query, run_query

OVERALL = ""
FIELD_PREFIX = "field_"
ADMIN_FIELDS_FILE = "hssk_admin_fields.csv"
RATIO_DECIMALS = 6
DEFAULT_STALE_DAYS = 365  # "sống": a record not updated for a year is no longer current [UNCONFIRMED rule]

# The keys each figure contributes to `compute`, in the order they are printed.
FIGURE_KEYS: dict[str, tuple[str, ...]] = {
    "coverage": ("residents_alive", "with_record", "coverage", "missing_record"),
    "duplicates": ("duplicate_persons", "extra_records"),
    "deceased_with_record": ("deceased_with_record",),
    "off_register_records": ("off_register_records",),
    "admin": ("kpi_admin", "kpi_admin_count"),
    "health": ("kpi_health", "kpi_health_count"),
    "health_if_filled": ("kpi_health_if_filled", "kpi_health_if_filled_count"),
    "dimensions": ("dim_dung", "dim_du", "dim_sach", "dim_song"),
}
DIMENSION_KEYS = FIGURE_KEYS["dimensions"]
CORE_KEYS = tuple(key for name, keys in FIGURE_KEYS.items() if name != "dimensions" for key in keys)
RATIO_KEYS = frozenset({"coverage", "kpi_admin", "kpi_health", "kpi_health_if_filled", *DIMENSION_KEYS})
# Queries that read the health evidence of queries/kpi_health_evidence.sql (claims and care events → categories).
EVIDENCE_NAMES = ("kpi_health_evidence", "kpi_health_suggestions")


# ---------------------------------------------------------------- set-up


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the kpi_snapshots table when missing (needs a writable connection)."""
    con.execute(load_query("kpi_schema"))


# What the shared tables of kpi_base are built from; when it is unchanged they are not rebuilt.
# Clean rows and findings change only by imports and undos, which add a batch or mark one undone: the batches
# (and the row counts) identify them without reading millions of rows. Person records change with every
# decision, so their mapping is hashed (narrow columns: about a second at city scale).
_STATE_SQL = """
select concat_ws('|',
    (select count(*) from clean),
    (select count(*) from findings),
    (select count(*) || ':' || coalesce(sum(hash(b)), 0) from import_batches as b),
    (select count(*) || ':' || coalesce(sum(hash(record_key, person_id, run_id)), 0) from person_records))
"""


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Build the temporary tables and macros of queries/kpi_base.sql on this connection (read-only works too).

    They hold the current state; they are rebuilt only when clean, import_batches, person_records or findings
    changed since the last build on this connection.
    """
    tables = {row[0] for row in con.execute(
        "select table_name from information_schema.tables where table_name in "
        "('clean', 'person_records', 'kpi_state')").fetchall()}
    if not {"clean", "person_records"} <= tables:
        missing = sorted({"clean", "person_records"} - tables)
        raise HsskError("Chưa có kết quả ghép nối hồ sơ: hãy nhập dữ liệu và chạy ghép nối (python -m hssk link) "
                        "trước khi tính chỉ tiêu.", f"missing tables: {', '.join(missing)}")
    state = con.execute(_STATE_SQL).fetchall()[0][0]
    if "kpi_state" in tables and con.execute("select fingerprint from kpi_state").fetchall() == [(state,)]:
        return
    con.execute(load_query("kpi_base"))
    con.execute("create or replace temp table kpi_state as select $state as fingerprint", {"state": state})


def resolve_as_of(as_of: date | str | None) -> date:
    """None → today; 'YYYY-MM-DD' → that date."""
    if as_of is None:
        return date.today()
    if isinstance(as_of, date):
        return as_of
    try:
        return date.fromisoformat(str(as_of))
    except ValueError as exc:
        raise HsskError(f"Ngày tham chiếu '{as_of}' không hợp lệ: dùng dạng NNNN-TT-NN, ví dụ 2026-04-30.",
                        str(exc)) from exc


def run(con, name: str, **params) -> pd.DataFrame:
    """Run a kpi_*/worklist_* query once the shared tables and macros of queries/kpi_base.sql are ready."""
    prepare(con)
    if params.get("as_of") is not None:
        _people_at(con, params["as_of"])
    if any(view in load_query(name) for view in EVIDENCE_NAMES):
        _health_evidence(con)
    return run_query(con, name, **params)


def _health_evidence(con) -> None:
    """The ICD-10 categories (data/reference/icd10_categories.csv, as it is now) and the evidence view and
    suggestion macro over them, on this connection."""
    from hssk import icd10

    icd10.register(con)
    con.execute(load_query("kpi_health_evidence"))


def _people_at(con, as_of: date) -> None:
    """Fill kpi_people_cache for as_of once: six figures and two worklists read the same people table."""
    if con.execute("select count(*) from kpi_people_dates where cached_as_of = ?", [as_of]).fetchall()[0][0]:
        return
    con.execute("insert into kpi_people_cache select cast($d as date), * from kpi_people_compute($d)", {"d": as_of})
    con.execute("insert into kpi_people_dates values (?)", [as_of])


# ---------------------------------------------------------------- one function per figure


def coverage(con, as_of: date | str | None = None) -> pd.DataFrame:
    """residents_alive (register people neither deceased nor moved away), with_record, missing_record and
    coverage = with_record / residents_alive, per village."""
    return run(con, "kpi_coverage", as_of=resolve_as_of(as_of))


def duplicates(con, as_of: date | str | None = None) -> pd.DataFrame:
    """duplicate_persons (residents alive with ≥ 2 records) and extra_records (Σ records − 1 over them)."""
    return run(con, "kpi_duplicates", as_of=resolve_as_of(as_of))


def deceased_with_record(con, as_of: date | str | None = None) -> pd.DataFrame:
    """Deceased register people still holding an HSSK record, per village."""
    return run(con, "kpi_deceased_with_record", as_of=resolve_as_of(as_of))


def off_register_records(con) -> pd.DataFrame:
    """HSSK records linked to no register person, per village of the record (only villages that have some)."""
    return run(con, "kpi_off_register_records")


def admin(con, as_of: date | str | None = None) -> pd.DataFrame:
    """kpi_admin_count and kpi_admin (target 95%), per village."""
    return run(con, "kpi_admin", as_of=resolve_as_of(as_of))


def health(con, as_of: date | str | None = None) -> pd.DataFrame:
    """kpi_health_count and kpi_health (target 90%), plus the share filled per category, per village."""
    return run(con, "kpi_health", as_of=resolve_as_of(as_of))


def health_if_filled(con, as_of: date | str | None = None) -> pd.DataFrame:
    """kpi_health_if_filled(_count): the health KPI if every fill suggestion (worklist_health_fill) were entered,
    per village."""
    return run(con, "kpi_health_if_filled", as_of=resolve_as_of(as_of))


def health_suggestions(con, as_of: date | str | None = None, village: str | None = None) -> pd.DataFrame:
    """One row per (resident with a record, missing category that a linked claim visit or care event fills): the
    record to fill, the value to enter and its evidence (facility, date, visit key, source), newest first."""
    return run(con, "worklist_health_fill", as_of=resolve_as_of(as_of), village=village)


def field_completeness(con, fields: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of HSSK records in which each measurable admin field of hssk_admin_fields.csv is filled.

    Grain: one row per (field, village) plus (field, '') for the commune; columns count_records, count_filled,
    filled_ratio. Fields without a clean column are not measured (they are listed in the report's appendix).
    """
    names, columns = _field_entries(con, admin_fields() if fields is None else fields)
    return run(con, "kpi_field_completeness", field_names=names, field_columns=columns)


def dimensions(con, as_of: date | str | None = None, *, stale_days: int | None = None,
               fields: pd.DataFrame | None = None) -> pd.DataFrame:
    """đúng / đủ / sạch / sống as shares of HSSK records, per village (see queries/kpi_dimensions.sql)."""
    fields = admin_fields() if fields is None else fields
    names, columns = _field_entries(con, fields[fields["required"] == "yes"])
    if not names:
        raise HsskError("Danh sách trường hành chính không có trường bắt buộc nào đo được.", "no required field")
    return run(con, "kpi_dimensions", as_of=resolve_as_of(as_of),
               stale_days=default_stale_days() if stale_days is None else stale_days,
               required_names=names, required_columns=columns)


def findings(con) -> pd.DataFrame:
    """HSSK records with a data-quality finding, per (field, code) and village."""
    return run(con, "kpi_findings")


# ---------------------------------------------------------------- the admin field list


def admin_fields(path: str | Path | None = None) -> pd.DataFrame:
    """data/reference/hssk_admin_fields.csv: field, label_vi, clean_column ('a|b' = any of), required, in_register,
    note. The Hà Nội 24-field list is UNCONFIRMED: the file is a draft from domain.md §1.1, edited by the station."""
    path = Path(path) if path else hssk_config.REFERENCE_DIR / ADMIN_FIELDS_FILE
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise HsskError(f"Không tìm thấy tệp danh sách trường hành chính {path}.", str(exc)) from exc
    expected = {"field", "label_vi", "clean_column", "required", "in_register"}
    if not expected <= set(frame.columns):
        raise HsskError(f"Tệp {path.name} thiếu cột: {', '.join(sorted(expected - set(frame.columns)))}.",
                        "bad header")
    frame = frame.apply(lambda col: col.str.strip())
    for flag in ("required", "in_register"):
        frame[flag] = frame[flag].str.lower()
    return frame


def _field_entries(con, fields: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(field, clean column) pairs of the measurable fields; unknown column names are a clear error."""
    known = {row[0] for row in con.execute(
        "select column_name from information_schema.columns where table_name = 'clean'").fetchall()}
    names, columns = [], []
    for field, spec in zip(fields["field"], fields["clean_column"]):
        for column in filter(None, (c.strip() for c in spec.split("|"))):
            if column not in known:
                raise HsskError(f"Trường '{field}' trong {ADMIN_FIELDS_FILE} trỏ tới cột '{column}' không tồn tại.",
                                f"unknown clean column {column!r}")
            names.append(field)
            columns.append(column)
    return names, columns


def default_stale_days() -> int:
    """campaign.stale_days from data/config.toml when set, else 365 (`hssk.config.campaign`)."""
    try:
        return hssk_config.campaign().stale_days
    except (OSError, ValueError):
        return DEFAULT_STALE_DAYS


# ---------------------------------------------------------------- everything, as kpi --json prints it


def compute(con, as_of: date | str | None = None) -> dict:
    """{"as_of": "YYYY-MM-DD", "overall": {key: value}, "villages": {village: {key: value}}}.

    Keys: the core figures (CORE_KEYS), the four dimensions (dim_dung, dim_du, dim_sach, dim_song) and one
    `field_<field>` completeness ratio per measurable admin field. Ratios are 0–1, rounded to 6 decimals (None when
    the denominator is 0); counts are integers (0 for a village without any).
    """
    as_of = resolve_as_of(as_of)
    field_list = admin_fields()
    frames = [
        (coverage(con, as_of), FIGURE_KEYS["coverage"]),
        (duplicates(con, as_of), FIGURE_KEYS["duplicates"]),
        (deceased_with_record(con, as_of), FIGURE_KEYS["deceased_with_record"]),
        (off_register_records(con), FIGURE_KEYS["off_register_records"]),
        (admin(con, as_of), FIGURE_KEYS["admin"]),
        (health(con, as_of), FIGURE_KEYS["health"]),
        (health_if_filled(con, as_of), FIGURE_KEYS["health_if_filled"]),
        (dimensions(con, as_of, fields=field_list), DIMENSION_KEYS),
    ]
    fields = field_completeness(con, field_list)
    measured = set(fields["field"])
    field_keys = [FIELD_PREFIX + f for f in field_list["field"] if f in measured]  # in the file's order

    values: dict[str, dict[str, object]] = {}
    for frame, keys in frames:
        for row in frame.to_dict("records"):
            values.setdefault(row["village"], {}).update({k: _plain(row[k]) for k in keys})
    for row in fields.to_dict("records"):
        values.setdefault(row["village"], {})[FIELD_PREFIX + row["field"]] = _plain(row["filled_ratio"])

    all_keys = [*CORE_KEYS, *DIMENSION_KEYS, *field_keys]
    complete = {village: {k: _rounded(k, row.get(k, _empty(k))) for k in all_keys}
                for village, row in values.items()}
    overall = complete.pop(OVERALL, {k: _empty(k) for k in all_keys})
    return {"as_of": as_of.isoformat(), "overall": overall, "villages": dict(sorted(complete.items()))}


def result_state(con) -> str:
    """The data state the figures depend on (imports, undos, village mappings, linkage runs, decisions) and the
    settings and reference files they are computed with: the key of stored figures."""
    from hssk.data_state import version

    digest = hashlib.sha256()
    for path in [Path(hssk_config.CONFIG_PATH), *sorted(Path(hssk_config.REFERENCE_DIR).glob("*"))]:
        try:  # the contents (small files): a copy of the same settings gives the same state
            digest.update(path.name.encode() + b":" + hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            continue
    fingerprint = con.execute(_STATE_SQL).fetchall()[0][0]  # what kpi_base is built from (direct edits too)
    return f"{version(con)[0]}|{fingerprint}|{digest.hexdigest()[:16]}"


def compute_current(con, as_of: date | str | None = None) -> dict:
    """`compute(con, as_of)`, read from kpi_results when this data state's figures were stored already (by the
    refresh after an import, or by an earlier page view); else computed and stored (a read-only connection only
    computes). The result is the very dict `compute` returns."""
    as_of = resolve_as_of(as_of)
    state = result_state(con)
    try:
        rows = con.execute("select result from kpi_results where state = ? and as_of = ?", [state, as_of]).fetchall()
    except duckdb.CatalogException:
        rows = []
    if rows:
        return json.loads(rows[0][0])
    result = compute(con, as_of)
    store_result(con, result, state)
    return result


def store_result(con, result: dict, state: str | None = None) -> None:
    """Keep `result` (of `compute`) as the figures of the current data state; older states' figures go. Best
    effort: on a read-only connection, or when another writer got there first, nothing is stored."""
    state = state or result_state(con)
    try:
        con.execute("delete from kpi_results where state <> ? or as_of = ?", [state, result["as_of"]])
        con.execute("insert into kpi_results values (?, ?, ?, current_timestamp)",
                    [state, result["as_of"], json.dumps(result, ensure_ascii=False)])
    except (duckdb.CatalogException, duckdb.InvalidInputException, duckdb.TransactionException,
            duckdb.ConstraintException, duckdb.IOException):
        pass


def completeness_from_result(result: dict, villages: list[str]) -> pd.DataFrame:
    """village, field, filled_ratio of the `field_<field>` figures of a `compute` result, for `villages`
    ('' = the commune): the shares `field_completeness` measured, without reading the records again."""
    rows = []
    for village in villages:
        values = result["overall"] if village == OVERALL else result["villages"].get(village, {})
        rows += [(village, key[len(FIELD_PREFIX):], value) for key, value in values.items()
                 if key.startswith(FIELD_PREFIX) and value is not None]
    return pd.DataFrame(rows, columns=["village", "field", "filled_ratio"])


def _rounded(key: str, value):
    """Ratios to 6 decimals: short enough to survive a spreadsheet unchanged (the report equals kpi --json)."""
    return round(value, RATIO_DECIMALS) if value is not None and is_ratio(key) else value


def _empty(key: str):
    """The value of a figure with nothing to count: 0 for counts, None for ratios (no denominator)."""
    return None if is_ratio(key) else 0


def _plain(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    return value


def is_ratio(key: str) -> bool:
    """Ratios (0–1) as opposed to counts."""
    return key in RATIO_KEYS or key.startswith(FIELD_PREFIX)
