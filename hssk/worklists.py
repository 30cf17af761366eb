"""Worklists per village: what the station staff fix next, as tables, .xlsx or .csv.

Each list is one named query (queries/worklist_*.sql) and carries `person_id`, so tomorrow's list still points at
the same person. `build` returns the query's frame (English column names, codes); `to_display` gives the
Vietnamese headers and labels every export uses; `mask_ids=True` hides identifiers for the viewer role.

    >>> frame = worklists.build(con, "missing_record", village="Giang Cao", mask_ids=True)
    >>> worklists.export(con, "duplicates", "trung_lap.xlsx")
    >>> worklists.export(con, "health_fill", "goi_y_suc_khoe.csv", village="Giang Cao")   # newest evidence first
    >>> worklists.export(con, "record_to_enter", "nhap_lieu.xlsx", village="Giang Cao")  # hssk.golden, form order
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from hssk import audit, kpi, labels, masking, safe_export
from hssk.errors import HsskError
from hssk.fmt import is_empty, vn_date, vn_date_text


@dataclass(frozen=True)
class Worklist:
    query: str
    title: str  # sheet name and heading


WORKLISTS: dict[str, Worklist] = {kind: Worklist(f"worklist_{kind}", labels.WORKLIST_TITLES[kind]) for kind in (
    "missing_record", "duplicates", "deceased", "corrections", "off_register", "health_missing", "health_fill")}
ALL = "all"  # every list, one sheet each (.xlsx only)
CORRECTIONS_FILE = "corrections_file"  # machine-readable corrections to apply on the HSSK platform
RECORD_TO_ENTER = "record_to_enter"  # the record to enter per person (hssk.golden), in the platform's column order
KINDS = (*WORKLISTS, ALL, CORRECTIONS_FILE, RECORD_TO_ENTER)

COLUMN_LABELS = labels.WORKLIST_COLUMNS  # the words live in hssk.labels
VALUE_LABELS = labels.WORKLIST_VALUES

CORRECTION_FILE_COLUMNS = ["record_id", "field", "current_value", "corrected_value", "corrected_code", "source",
                           "source_record_id", "person_id"]


def _kind(kind: str) -> Worklist:
    try:
        return WORKLISTS[kind]
    except KeyError:
        raise HsskError(f"Loại danh sách '{kind}' không có. Chọn một trong: {', '.join(KINDS)}.",
                        f"unknown worklist {kind!r}") from None


def build(con, kind: str, *, village: str | None = None, as_of: date | str | None = None,
          mask_ids: bool = False) -> pd.DataFrame:
    """The worklist `kind` (see WORKLISTS) for one village (None = all), as the query returns it.

    `mask_ids=True` masks personal IDs, insurance numbers and phones ('001******345'), also inside person ids
    and other text (hssk.masking), for roles that must not see them.
    """
    frame = kpi.run(con, _kind(kind).query, as_of=kpi.resolve_as_of(as_of), village=village or None)
    frame = _add_ethnicity_names(frame)
    return masking.mask_frame(frame) if mask_ids else frame


def _add_ethnicity_names(frame: pd.DataFrame) -> pd.DataFrame:
    names = _ethnicity_names()
    if "ethnicity_code" in frame.columns:
        frame.insert(frame.columns.get_loc("ethnicity_code"), "ethnicity", frame["ethnicity_code"].map(names))
    if "field" in frame.columns and "corrected_value" in frame.columns:
        is_ethnicity = frame["field"] == "ethnicity"
        frame.loc[is_ethnicity, "corrected_value"] = (
            frame.loc[is_ethnicity, "corrected_code"].map(names).fillna(frame.loc[is_ethnicity, "corrected_value"]))
    return frame


def _ethnicity_names() -> dict[str, str]:
    from hssk import reference

    try:
        groups = reference.ethnic_groups()
    except FileNotFoundError:
        return {}
    return dict(zip(groups["code"], groups["name"]))


def to_display(frame: pd.DataFrame) -> pd.DataFrame:
    """Vietnamese headers and labels, as every export shows them: empty cells stay empty (never "None"), ISO
    dates in text read dd/mm/yyyy (the machine-readable corrections file keeps them ISO)."""
    out = frame.copy()
    for column, words in VALUE_LABELS.items():
        if column in out.columns:
            out[column] = out[column].map(lambda v, m=words: m.get(v, v) if not is_empty(v) else None)
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: None if is_empty(v) else vn_date_text(v) if isinstance(v, str)
                                          else v).astype(object)
    return out.rename(columns=COLUMN_LABELS)


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A CSV for people: dates written dd/mm/yyyy (an .xlsx keeps real dates, shown the same way)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]) or any(
                hasattr(v, "strftime") for v in out[column].head(50)):
            out[column] = out[column].map(lambda v: vn_date(v) if hasattr(v, "strftime") else v)
    return out


def corrections_file(con, *, village: str | None = None, mask_ids: bool = False) -> pd.DataFrame:
    """Machine-readable corrections for the HSSK platform: record_id, field, current_value, corrected_value,
    corrected_code (sex 1/2 as in XML 831, ethnicity '01'…, ISO birth date), source ('population'),
    source_record_id, person_id."""
    frame = build(con, "corrections", village=village, mask_ids=mask_ids)
    return frame[CORRECTION_FILE_COLUMNS].reset_index(drop=True)


def sheets(con, *, village: str | None = None, as_of: date | str | None = None,
           mask_ids: bool = False) -> dict[str, pd.DataFrame]:
    """Every worklist, displayed, keyed by its Vietnamese title."""
    return {w.title: to_display(build(con, kind, village=village, as_of=as_of, mask_ids=mask_ids))
            for kind, w in WORKLISTS.items()}


def export_bytes(con, kind: str, fmt: str, *, village: str | None = None, as_of: date | str | None = None,
                 mask_ids: bool = False) -> tuple[bytes, int]:
    """(file content, number of rows) of worklist `kind` as 'xlsx', 'csv' (or 'json' for corrections_file)."""
    fmt = fmt.lower().lstrip(".")
    if kind == ALL:
        if fmt != "xlsx":
            raise HsskError("Xuất tất cả danh sách chỉ hỗ trợ tệp .xlsx (mỗi danh sách một trang tính).",
                            f"format {fmt!r} for all")
        frames = sheets(con, village=village, as_of=as_of, mask_ids=mask_ids)
        return safe_export.xlsx_bytes(frames), sum(len(f) for f in frames.values())
    if kind == CORRECTIONS_FILE:
        frame = corrections_file(con, village=village, mask_ids=mask_ids)
        return safe_export.file_bytes(frame, fmt, "corrections"), len(frame)
    if kind == RECORD_TO_ENTER:
        return record_to_enter_bytes(con, fmt, village=village, as_of=as_of, mask_ids=mask_ids)
    if fmt not in ("xlsx", "csv"):
        raise HsskError(f"Danh sách chỉ xuất ra .xlsx hoặc .csv (không hỗ trợ .{fmt}).", f"format {fmt!r}")
    frame = to_display(build(con, kind, village=village, as_of=as_of, mask_ids=mask_ids))
    if fmt == "csv":
        frame = _dates_as_text(frame)
    return safe_export.file_bytes(frame, fmt, WORKLISTS[kind].title), len(frame)


def export(con, kind: str, out: str | Path, *, village: str | None = None, as_of: date | str | None = None,
           mask_ids: bool = False) -> int:
    """Write worklist `kind` to `out` (.xlsx or .csv by extension; .json too for corrections_file); row count."""
    out = Path(out)
    data, n_rows = export_bytes(con, kind, out.suffix, village=village, as_of=as_of, mask_ids=mask_ids)
    safe_export.write_private(out, data)
    audit.record_action(con, "export", target=f"worklist:{kind}:{village or ''}",
                        detail={"rows": n_rows, "file": str(out), "masked": mask_ids})
    return n_rows


def record_to_enter(con, *, village: str | None = None, as_of: date | str | None = None,
                    mask_ids: bool = False) -> pd.DataFrame:
    """The record to enter (hssk.golden): one row per person, the form's fields in the platform's column order
    (hssk_admin_fields.csv), then the fields that differ from today's HSSK record and each value's source."""
    from hssk import golden

    frame = golden.wide(golden.records(con, kpi.resolve_as_of(as_of), village))
    return masking.mask_frame(frame) if mask_ids else frame


def record_to_enter_bytes(con, fmt: str, *, village: str | None = None, as_of: date | str | None = None,
                          mask_ids: bool = False) -> tuple[bytes, int]:
    """The record to enter as .xlsx (one sheet per village) or .csv; (file content, number of persons)."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        raise HsskError(f"Hồ sơ cần nhập chỉ xuất ra .xlsx hoặc .csv (không hỗ trợ .{fmt}).", f"format {fmt!r}")
    frame = record_to_enter(con, village=village, as_of=as_of, mask_ids=mask_ids)
    if fmt == "csv":
        return safe_export.csv_bytes(frame), len(frame)
    by_village = {str(v)[:31]: part.reset_index(drop=True) for v, part in frame.groupby("Thôn", sort=True)}
    return safe_export.xlsx_bytes(by_village or {labels.WORKLIST_TITLES[RECORD_TO_ENTER][:31]: frame}), len(frame)
