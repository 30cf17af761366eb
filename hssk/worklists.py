"""Worklists per village: what the station staff fix next, as tables, .xlsx or .csv.

Each list is one named query (queries/worklist_*.sql) and carries `person_id`, so tomorrow's list still points at
the same person. `build` returns the query's frame (English column names, codes); `to_display` gives the
Vietnamese headers and labels every export uses; `mask_ids=True` hides identifiers for the viewer role.

    >>> frame = worklists.build(con, "missing_record", village="Giang Cao", mask_ids=True)
    >>> worklists.export(con, "duplicates", "trung_lap.xlsx")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from hssk import kpi, masking, safe_export
from hssk.errors import HsskError


@dataclass(frozen=True)
class Worklist:
    query: str
    title: str  # sheet name and heading


WORKLISTS: dict[str, Worklist] = {
    "missing_record": Worklist("worklist_missing_record", "Chưa có HSSK"),
    "duplicates": Worklist("worklist_duplicates", "HSSK trùng lặp"),
    "deceased": Worklist("worklist_deceased", "Đã mất còn HSSK"),
    "corrections": Worklist("worklist_corrections", "Sửa thông tin hành chính"),
    "off_register": Worklist("worklist_off_register", "HSSK ngoài DS dân cư"),
    "health_missing": Worklist("worklist_health_missing", "Thiếu thông tin sức khỏe"),
}
ALL = "all"  # every list, one sheet each (.xlsx only)
CORRECTIONS_FILE = "corrections_file"  # machine-readable corrections to apply on the HSSK platform
KINDS = (*WORKLISTS, ALL, CORRECTIONS_FILE)

COLUMN_LABELS = {
    "person_id": "Mã người (công cụ)",
    "village": "Thôn",
    "record_id": "Mã HSSK",
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "sex": "Giới tính",
    "personal_id": "Số định danh cá nhân",
    "old_id": "Số CMND cũ",
    "insurance_card": "Số thẻ BHYT",
    "social_insurance_no": "Mã số BHXH",
    "ethnicity": "Dân tộc",
    "ethnicity_code": "Mã dân tộc",
    "nationality": "Quốc tịch",
    "religion": "Tôn giáo",
    "occupation": "Nghề nghiệp",
    "address": "Địa chỉ",
    "household_code": "Mã hộ gia đình",
    "relation_to_head": "Quan hệ với chủ hộ",
    "phone": "Số điện thoại",
    "keep_rank": "Thứ tự",
    "action": "Xử lý",
    "keep_record_id": "Mã HSSK giữ lại",
    "candidate_record_id": "Mã HSSK có thể là của người này",
    "completeness_score": "Số mục đã điền",
    "updated_at": "Ngày cập nhật",
    "has_register_person": "Có trong DS dân cư",
    "death_date": "Ngày mất",
    "death_source": "Nguồn thông tin tử vong",
    "hssk_full_name": "Họ tên trên HSSK",
    "reason": "Cần xác minh",
    "category": "Nhóm thông tin còn thiếu",
    "care_events": "Số lượt khám/tiêm liên quan",
    "suggestion": "Gợi ý từ dữ liệu khám chữa bệnh, tiêm chủng",
    "field": "Trường",
    "current_value": "Giá trị trên HSSK",
    "corrected_value": "Giá trị đúng (theo DS dân cư)",
    "corrected_code": "Mã giá trị đúng",
    "source": "Nguồn",
    "source_record_id": "Mã bản ghi nguồn",
}

VALUE_LABELS = {
    "action": {"keep": "Giữ lại", "merge": "Gộp vào HSSK giữ lại"},
    "death_source": {"population": "Danh sách dân cư", "deaths": "Đăng ký khai tử"},
    "reason": {
        "death_registration": "Có đăng ký khai tử",
        "unlinked": "Chưa được ghép nối (hãy chạy lại ghép nối)",
        "personal_id_not_in_register": "Số định danh không có trong DS dân cư",
        "no_register_match": "Không tìm thấy trong DS dân cư",
    },
    "category": {
        "chronic_disease": "Bệnh mạn tính",
        "vaccination": "Tiêm chủng",
        "medical_history": "Tiền sử bệnh",
        "reproductive_health": "Sức khỏe sinh sản",
        "infectious_disease": "Bệnh truyền nhiễm",
    },
    "field": {
        "full_name": "Họ và tên",
        "birth_date": "Ngày sinh",
        "sex": "Giới tính",
        "personal_id": "Số định danh cá nhân",
        "ethnicity": "Dân tộc",
        "village": "Thôn",
    },
    "source": {"population": "Danh sách dân cư"},
    "has_register_person": {True: "Có", False: "Không"},
}

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
    """Vietnamese headers and labels, as every export shows them."""
    out = frame.copy()
    for column, labels in VALUE_LABELS.items():
        if column in out.columns:
            out[column] = out[column].map(lambda v, m=labels: m.get(v, v) if not _missing(v) else v)
    return out.rename(columns=COLUMN_LABELS)


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


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
    if fmt not in ("xlsx", "csv"):
        raise HsskError(f"Danh sách chỉ xuất ra .xlsx hoặc .csv (không hỗ trợ .{fmt}).", f"format {fmt!r}")
    frame = to_display(build(con, kind, village=village, as_of=as_of, mask_ids=mask_ids))
    return safe_export.file_bytes(frame, fmt, WORKLISTS[kind].title), len(frame)


def export(con, kind: str, out: str | Path, *, village: str | None = None, as_of: date | str | None = None,
           mask_ids: bool = False) -> int:
    """Write worklist `kind` to `out` (.xlsx or .csv by extension; .json too for corrections_file); row count."""
    out = Path(out)
    data, n_rows = export_bytes(con, kind, out.suffix, village=village, as_of=as_of, mask_ids=mask_ids)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return n_rows
