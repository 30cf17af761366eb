"""Every word a person reads for an internal code: sources, fields, findings, sex, roles, actions, person events,
worklist columns and KPI names. Pages, the report, worklists and the audit view take their words from here.

    >>> KINDS["population"], FINDING_CODES["legacy_encoding"], ROLES["dong_lenh"]
    ('Dân cư', 'Lỗi phông chữ cũ (TCVN3/VNI)', 'Dòng lệnh (máy trạm)')

KPI names come from the editable data/reference/kpi_report_columns.csv (read once here).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from hssk import audit, auth, config
from hssk.fmt import EMPTY, is_empty, vn_datetime, vn_decimal, vn_value

# --- sources ----------------------------------------------------------------------------------------
KINDS = {"hssk": "HSSK", "population": "Dân cư", "deaths": "Khai tử", "insurance": "BHYT",
         "care": "Khám chữa bệnh", "claims": "Giám định BHYT"}
KINDS_LONG = {
    "hssk": "Hồ sơ sức khỏe (xuất từ hệ thống HSSK)",
    "population": "Danh sách dân cư",
    "deaths": "Khai tử",
    "insurance": "Thẻ BHYT",
    "care": "Khám chữa bệnh, tiêm chủng…",
    "claims": "Hồ sơ giám định BHYT (XML 130/4210)",
}

# --- fields (columns of clean, of the worklists and of the review pairs) ----------------------------------
FIELDS = {
    "person_id": "Mã người (công cụ)",
    "village": "Thôn",
    "record_id": "Mã HSSK",
    "record_key": "Hồ sơ",
    "full_name": "Họ và tên",
    "birth": "Ngày sinh",
    "birth_date": "Ngày sinh",
    "birth_text": "Ngày sinh",
    "sex": "Giới tính",
    "personal_id": "Số định danh cá nhân",
    "old_id": "Số CMND cũ",
    "insurance_no": "Số thẻ BHYT",
    "insurance_card": "Số thẻ BHYT",
    "social_insurance_no": "Mã số BHXH",
    "ethnicity": "Dân tộc",
    "ethnicity_code": "Mã dân tộc",
    "nationality": "Quốc tịch",
    "religion": "Tôn giáo",
    "occupation": "Nghề nghiệp",
    "address": "Địa chỉ",
    "household": "Mã hộ",
    "household_code": "Mã hộ gia đình",
    "relation_to_head": "Quan hệ với chủ hộ",
    "phone": "Số điện thoại",
    "status": "Tình trạng",
    "death_date": "Ngày mất",
    "event_date": "Ngày khám/tiêm",
    "event_kind": "Loại khám/tiêm",
    "event_code": "Mã khám/tiêm",
    "event_description": "Mô tả khám/tiêm",
    "source_system": "Hệ thống nguồn",
    "valid_from": "Hạn thẻ từ",
    "valid_to": "Hạn thẻ đến",
    "registered_facility": "Nơi ĐKKCB ban đầu",
    "blood_abo": "Nhóm máu",
    "blood_rh": "Rh",
    "mother_name": "Họ tên mẹ",
    "father_name": "Họ tên bố",
    "height_cm": "Chiều cao (cm)",
    "weight_kg": "Cân nặng (kg)",
    "chronic_disease": "Bệnh mạn tính",
    "vaccination": "Tiêm chủng",
    "medical_history": "Tiền sử bệnh",
    "reproductive_health": "Sức khỏe sinh sản",
    "infectious_disease": "Bệnh truyền nhiễm",
    "updated_at": "Ngày cập nhật",
}

# Fields of hssk.link.review_pairs (each as `<field>_l` / `<field>_r`) shown side by side, in reading order.
REVIEW_FIELDS = {
    "record_id": "Mã hồ sơ", "full_name": "Họ và tên", "birth": "Ngày sinh", "sex": "Giới tính",
    "personal_id": "Số định danh", "old_id": "Số CMND", "insurance_no": "Số BHYT / BHXH", "phone": "Điện thoại",
    "village": "Thôn", "household": "Mã hộ",
}

# --- findings of the importer --------------------------------------------------------------------------
FINDING_CODES = {
    "missing": "Thiếu",
    "invalid": "Sai định dạng",
    "inconsistent": "Mâu thuẫn",
    "legacy_encoding": "Lỗi phông chữ cũ (TCVN3/VNI)",
    "restored_zeros": "Khôi phục số 0 đầu",
    "partial_date": "Ngày không đầy đủ",
    "unknown_value": "Giá trị không nhận diện được",
}
FINDING_DETAILS = {  # the `detail` of a finding, when it is a code
    "month": "chỉ có tháng và năm",
    "year": "chỉ có năm",
    "unknown_province": "mã tỉnh không có thật",
    "sex_mismatch": "mã giới tính trong số định danh không khớp",
    "birth_year_mismatch": "năm sinh trong số định danh không khớp",
    "vni": "phông VNI",
    "tcvn3": "phông TCVN3",
}
FINDING_HEADERS = {"kind": "Nguồn", "field": "Trường", "code": "Loại", "n": "Số dòng", "value": "Giá trị gốc",
                   "detail": "Chi tiết", "record_id": "Mã hồ sơ", "village": "Thôn"}

SEX = {"M": "Nam", "F": "Nữ"}

# --- people and actions ---------------------------------------------------------------------------------
ROLES = {**auth.ROLES, audit.CLI_ROLE: "Dòng lệnh (máy trạm)"}
ACTIONS = audit.ACTIONS  # audit log actions (the audit module checks names against them)
PERMISSIONS = {
    "view_overview": "xem tổng quan", "view_village": "xem thôn", "view_quality": "xem chất lượng dữ liệu",
    "view_worklists": "xem danh sách công việc", "export_worklists": "tải danh sách công việc",
    "view_report": "xem báo cáo", "export_report": "tải báo cáo", "import_data": "nhập dữ liệu",
    "undo_import": "hoàn tác lần nhập", "review_pairs": "đối soát", "unmerge": "tách hồ sơ",
    "run_linkage": "chạy ghép nối", "manage_users": "quản lý tài khoản", "edit_settings": "sửa cấu hình",
    "view_audit": "xem nhật ký", "see_personal_data": "xem dữ liệu cá nhân", "record_snapshot": "ghi nhận số liệu",
}
DECISIONS = {"accept": "Cùng một người", "reject": "Khác người", "split": "Tách khỏi người",
             "undo": "Hủy quyết định"}
PERSON_EVENTS = {"created": "Tạo mã người", "merged": "Gộp vào người khác", "split": "Tách thành người mới",
                 "moved_record": "Chuyển hồ sơ sang người khác", "retired": "Ngừng dùng mã"}
PERSON_HISTORY_COLUMNS = {"event_id": "STT", "at": "Thời điểm", "run_id": "Lần ghép nối", "event": "Sự kiện",
                          "person_id": "Mã người", "other_person_id": "Mã người liên quan",
                          "record_key": "Hồ sơ", "detail": "Chi tiết"}
PERSON_RECORD_COLUMNS = {"kind": "Nguồn", "record_id": "Mã hồ sơ", "record_key": "Hồ sơ", "full_name": "Họ và tên",
                         "birth_text": "Ngày sinh", "sex": "Giới tính", "personal_id": "Số định danh",
                         "village": "Thôn", "household_code": "Mã hộ", "phone": "Điện thoại"}
DECISION_COLUMNS = {"decision_id": "Số", "at": "Thời điểm", "user_name": "Người quyết định", "action": "Quyết định",
                    "record_key_l": "Hồ sơ A", "record_key_r": "Hồ sơ B", "reason": "Lý do",
                    "undoes": "Hủy quyết định số", "standing": "Còn hiệu lực"}
USER_COLUMNS = {"user_name": "Tên đăng nhập", "display_name": "Họ và tên", "role": "Vai trò",
                "active": "Đang hoạt động", "created_at": "Tạo lúc", "created_by": "Người tạo",
                "last_login_at": "Đăng nhập gần nhất"}
AUDIT_COLUMNS = {"audit_id": "STT", "logged_at": "Thời điểm", "user_name": "Người dùng", "role": "Vai trò",
                 "action": "Hành động", "target": "Đối tượng", "detail": "Chi tiết"}
IMPORT_HISTORY_COLUMNS = {"batch_id": "Lô", "kind": "Loại", "created_at": "Thời điểm", "n_files": "Số tệp",
                          "n_rows": "Số dòng", "undone_at": "Đã hoàn tác lúc", "files": "Tệp",
                          "n_findings": "Phát hiện"}
AUDIT_DETAIL_KEYS = {
    "rows": "số dòng", "bytes": "dung lượng (byte)", "file": "tệp", "files": "các tệp", "month": "tháng",
    "village": "thôn", "masked": "đã che số định danh", "action": "quyết định", "decision_id": "số quyết định",
    "reason": "lý do", "batch_id": "lô", "skipped": "bỏ qua", "records": "hồ sơ", "persons": "người",
    "review": "cặp chờ đối soát", "role": "vai trò", "active": "đang hoạt động", "password": "mật khẩu",
    "villages": "số thôn", "kind": "loại", "target_admin": "chỉ tiêu hành chính", "start": "ngày bắt đầu",
    "target_health": "chỉ tiêu sức khỏe", "deadline": "hạn hoàn thành", "upper": "ngưỡng trên",
    "lower": "ngưỡng dưới", "run_id": "lần ghép nối", "undone": "lô đã hoàn tác",
}
AUDIT_VALUES = {"reset": "đặt lại", **DECISIONS}

# --- worklists ------------------------------------------------------------------------------------------
WORKLIST_TITLES = {
    "missing_record": "Chưa có HSSK",
    "duplicates": "HSSK trùng lặp",
    "deceased": "Đã mất còn HSSK",
    "corrections": "Sửa thông tin hành chính",
    "off_register": "HSSK ngoài DS dân cư",
    "health_missing": "Thiếu thông tin sức khỏe",
    "all": "Tất cả danh sách",
    "corrections_file": "Tệp sửa thông tin cho hệ thống HSSK",
}
WORKLIST_COLUMNS = {
    **{key: FIELDS[key] for key in (
        "person_id", "village", "record_id", "full_name", "birth_date", "sex", "personal_id", "old_id",
        "insurance_card", "social_insurance_no", "ethnicity", "ethnicity_code", "nationality", "religion",
        "occupation", "address", "household_code", "relation_to_head", "phone", "updated_at", "death_date")},
    "keep_rank": "Thứ tự",
    "action": "Xử lý",
    "keep_record_id": "Mã HSSK giữ lại",
    "completeness_score": "Số mục đã điền",
    "has_register_person": "Có trong DS dân cư",
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
HEALTH_CATEGORIES = {key: FIELDS[key] for key in (
    "chronic_disease", "vaccination", "medical_history", "reproductive_health", "infectious_disease")}
WORKLIST_VALUES = {
    "action": {"keep": "Giữ lại", "merge": "Gộp vào HSSK giữ lại"},
    "death_source": {"population": "Danh sách dân cư", "deaths": "Đăng ký khai tử"},
    "reason": {
        "death_registration": "Có đăng ký khai tử",
        "unlinked": "Chưa được ghép nối (hãy chạy lại ghép nối)",
        "personal_id_not_in_register": "Số định danh không có trong DS dân cư",
        "no_register_match": "Không tìm thấy trong DS dân cư",
    },
    "category": HEALTH_CATEGORIES,
    "field": {key: FIELDS[key] for key in ("full_name", "birth_date", "sex", "personal_id", "ethnicity", "village")},
    "source": {"population": "Danh sách dân cư"},
    "sex": SEX,
    "has_register_person": {True: "Có", False: "Không"},
}

# --- KPIs -----------------------------------------------------------------------------------------------
KPI_EXTRA = {
    "dim_dung": "Đúng (khớp dân cư)", "dim_du": "Đủ (đủ trường)", "dim_sach": "Sạch (không lỗi, không trùng)",
    "dim_song": "Sống (còn hiệu lực, cập nhật)",
}
GAUGE_TITLES = {"kpi_admin": "Thông tin hành chính đúng và đủ", "kpi_health": "Có thông tin sức khỏe cơ bản"}
KPI_COLUMNS_FILE = "kpi_report_columns.csv"
OVERALL = "Toàn xã"


def kpi_columns(path=None) -> pd.DataFrame:
    """key, header_vi, format, note — data/reference/kpi_report_columns.csv (the report's own headers), read
    again only when the file changes."""
    path = Path(path) if path else config.REFERENCE_DIR / KPI_COLUMNS_FILE
    return _kpi_columns(str(path), path.stat().st_mtime_ns).copy()


@lru_cache(maxsize=4)
def _kpi_columns(path: str, mtime_ns: int) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return frame.apply(lambda col: col.str.strip())


def kpi_labels() -> dict[str, str]:
    """KPI key → Vietnamese name."""
    labels = dict(KPI_EXTRA)
    try:
        frame = kpi_columns()
    except FileNotFoundError:
        return labels
    labels.update(zip(frame["key"], frame["header_vi"]))
    return labels


# --- helpers --------------------------------------------------------------------------------------------

def kind_label(kind) -> str:
    return KINDS.get(kind, kind) if not is_empty(kind) else EMPTY


def field_label(field) -> str:
    return FIELDS.get(field, field) if not is_empty(field) else EMPTY


def finding_label(code) -> str:
    return FINDING_CODES.get(code, code) if not is_empty(code) else EMPTY


def finding_detail(detail) -> str:
    """A finding's detail: codes (also comma-separated lists of them) in words; free text as it is."""
    if is_empty(detail):
        return ""
    parts = [p.strip() for p in str(detail).replace(";", ",").split(",")]
    if all(p in FINDING_DETAILS for p in parts if p):
        return ", ".join(FINDING_DETAILS[p] for p in parts if p)
    return str(detail)


def record_label(record_key) -> str:
    """'hssk:HS330192463' → 'HSSK · HS330192463' (a record key as a person reads it)."""
    if is_empty(record_key):
        return ""
    kind, _, rest = str(record_key).partition(":")
    if kind not in KINDS:
        return str(record_key)
    rest = rest.removeprefix("row:")
    return f"{KINDS[kind]} · {rest[:12] + '…' if len(rest) > 16 else rest}"


def worklist_title(kind: str) -> str:
    return WORKLIST_TITLES.get(kind, kind)


def audit_target(target) -> str:
    """An audit target in words: 'worklist:health_missing:Kim Lan' → 'Danh sách «Thiếu…» — thôn Kim Lan'."""
    if is_empty(target):
        return ""
    text = str(target)
    head, _, rest = text.partition(":")
    if text == "report":
        return "Báo cáo tháng"
    if text in ("audit_log", "decisions", "import_preview_findings", "quality_legacy_repairs"):
        return {"audit_log": "Nhật ký truy cập", "decisions": "Danh sách quyết định đối soát",
                "import_preview_findings": "Ví dụ phát hiện khi kiểm tra nhập",
                "quality_legacy_repairs": "Sửa lỗi phông chữ cũ"}[text]
    if text in PERMISSIONS:
        return "Chức năng " + PERMISSIONS[text]
    if text in audit.BREAK_KINDS:  # what an audit_break event found
        return audit.BREAK_KINDS[text]
    if text in LOGIN_TARGETS:  # why a login failed or a session ended
        return LOGIN_TARGETS[text]
    if head in auth.LOCKOUT_SCOPES and rest:  # a lockout: "account:chixem", "client:127.0.0.1 · …"
        return f"{auth.LOCKOUT_SCOPES[head]}: {rest}"
    if text in KINDS_LONG:
        return KINDS_LONG[text]
    if head == "worklist":
        kind, _, village = rest.partition(":")
        return f"Danh sách «{worklist_title(kind)}»" + (f" — thôn {village}" if village else "")
    if head == "quality_examples":
        parts = rest.split(":")
        words = [kind_label(parts[0])] + [field_label(p) for p in parts[1:2]] + [finding_label(p) for p in parts[2:3]]
        return "Ví dụ chất lượng dữ liệu: " + " · ".join(words)
    if head == "review":
        left, _, right = rest.partition("|")
        return f"Cặp {record_label(left)} | {record_label(right)}"
    if head in ("person", "person_history"):
        return ("Nhóm hồ sơ của " if head == "person" else "Lịch sử của ") + f"người {rest}"
    if " | " in text:
        return " | ".join(record_label(k) for k in text.split(" | "))
    if head in KINDS:
        return record_label(text)
    return text


def audit_detail(detail) -> str:
    """The JSON detail of an audit event as 'số dòng: 12; đã che số định danh: Có'."""
    if is_empty(detail) or detail in ("", "{}"):
        return ""
    try:
        values = json.loads(detail) if isinstance(detail, str) else dict(detail)
    except (ValueError, TypeError):
        return str(detail)
    if not isinstance(values, dict):
        return str(values)
    parts = []
    for key, value in values.items():
        parts.append(f"{AUDIT_DETAIL_KEYS.get(key, key)}: {_detail_value(key, value)}")
    return "; ".join(parts)


def _detail_value(key: str, value) -> str:
    if isinstance(value, list):
        return " → ".join(_detail_value(key, v) for v in value) if key in (
            "role", "active", "target_admin", "target_health", "start", "deadline", "upper", "lower") else \
            ", ".join(_detail_value(key, v) for v in value)
    if is_empty(value):
        return EMPTY
    if key == "role":
        return ROLES.get(value, value)
    if key in AUDIT_MOMENT_KEYS:
        return vn_datetime(value)
    if key == "kind":
        return kind_label(value)
    if isinstance(value, str):
        return AUDIT_VALUES.get(value, value)
    return vn_value(value)


def display(frame: pd.DataFrame, columns: dict[str, str], values: dict[str, dict | callable] | None = None,
            *, keep: bool = False) -> pd.DataFrame:
    """A frame as a person reads it: values in words (`values`: column → mapping or function), every cell as
    Vietnamese text (numbers 1.234, dates dd/mm/yyyy, empty cells blank), Vietnamese headers (`columns`).
    Columns not in `columns` are dropped unless `keep`."""
    out = frame.copy() if keep else frame[[c for c in frame.columns if c in columns]].copy()
    for column, mapping in (values or {}).items():
        if column in out.columns:
            func = mapping if callable(mapping) else (lambda v, m=mapping: m.get(v, v))
            out[column] = out[column].map(lambda v, f=func: v if is_empty(v) else f(v))
    for column in out.columns:
        out[column] = out[column].map(lambda v: "" if is_empty(v) else vn_value(v))
    return out.rename(columns=columns)


# --- steps of a linkage run (the command line prints their times) ---------------------------------------
LINK_STEPS = {"prepare": "chuẩn bị", "train": "huấn luyện", "load_model": "nạp mô hình", "predict": "tính điểm",
              "store": "lưu các cặp", "persons": "gom thành người", "total": "tổng"}


# --- the import, quality and worklist pages (ui-import) -----------------------------------------------------
IMPORT_ACCEPTS = {  # what each kind of file the import page takes
    **{kind: "Nhận bảng tính Excel (.xlsx, .xlsm) hoặc tệp văn bản: .csv (UTF-8, UTF-16 hoặc Windows-1258), "
             ".txt/.tsv «Văn bản Unicode» lưu từ Excel (UTF-16, phân cách bằng dấu tab)."
       for kind in ("hssk", "population", "deaths", "insurance", "care")},
    "claims": "Nhận tệp XML giám định BHYT theo QĐ 130/QĐ 4750 hoặc QĐ 4210 (.xml, có hoặc không có phong bì "
              "GIAMDINHHS) và tệp .zip chứa nhiều tệp .xml. Mỗi hồ sơ (MA_LK) là một lượt khám.",
}
FINDING_CODES["control_characters"] = "Ký tự điều khiển đã bị xoá"
FIELDS["row"] = "Cả dòng"
VILLAGE_SPELLING_COLUMNS = {"spelling": "Cách viết trong tệp", "n_records": "Số hồ sơ", "kinds": "Có trong nguồn",
                            "suggestion": "Thôn gợi ý"}
WORKLIST_TITLES["health_fill"] = "Gợi ý điền thông tin sức khỏe"
WORKLIST_TITLES["record_to_enter"] = "Hồ sơ cần nhập (bản ghi tốt nhất)"
WORKLIST_COLUMNS.update({
    "value_to_enter": "Giá trị cần nhập",
    "facility": "Cơ sở khám chữa bệnh",
    "event_date": "Ngày khám/tiêm",
    "visit_key": "Mã lượt khám (MA_LK)",
    "n_evidence": "Số lượt khám/tiêm làm bằng chứng",
    "candidate_record_id": "Mã HSSK cần kiểm tra trước khi tạo",
})
WORKLIST_VALUES["source"] = {**WORKLIST_VALUES["source"], "claims": KINDS_LONG["claims"], "care": KINDS_LONG["care"]}


def import_done(result) -> str:
    """What an import (hssk.ingest.store.ImportResult) did, in words: the kind of file named, never its code."""
    parts = []
    if result.batch_id is not None:
        parts.append(f"Đã nhập {vn_value(result.n_rows)} dòng ({KINDS_LONG.get(result.kind, result.kind)}) từ "
                     f"{len(result.files)} tệp, lô số {result.batch_id}; {vn_value(result.n_findings)} phát hiện về "
                     "chất lượng dữ liệu.")
    if result.skipped:
        parts.append("Bỏ qua vì đã nhập trước đó (không có gì thay đổi): " + ", ".join(result.skipped) + ".")
    return " ".join(parts) or "Không có gì mới để nhập."


def refresh_done(refreshed) -> str:
    """What hssk.refresh.bring_up_to_date did, in words (seconds with a decimal comma)."""
    linked = refreshed.linked
    if linked is None:
        return "Chưa có dữ liệu dân cư và HSSK để ghép nối; số liệu sẽ được cập nhật sau lần nhập tiếp theo."
    seconds = vn_decimal(float(linked.timings.get("total", 0)), 1)
    return (f"Đã cập nhật số liệu: {vn_value(linked.n_records)} hồ sơ thuộc {vn_value(linked.n_persons)} người; "
            f"{vn_value(linked.n_review)} cặp chờ người duyệt (lần ghép nối số {linked.run_id}, {seconds} giây).")


# --- login, sessions and the administrator's page (ui-login) --------------------------------------------
USER_PASSWORD_COLUMNS = {"must_change_password": "Phải đổi mật khẩu", "password_changed_at": "Đổi mật khẩu lúc"}
LOCKOUT_COLUMNS = {"scope": "Loại", "subject": "Tài khoản / máy", "failures": "Số lần sai",
                   "last_failure_at": "Lần sai gần nhất", "locked_until": "Khóa đến", "minutes_left": "Còn (phút)"}
LOGIN_TARGETS = {  # the target of login_failed (the attempt's status) and of session_ended (why it ended)
    "refused": "Sai tên đăng nhập hoặc mật khẩu", "wait": "Thử lại khi chưa hết thời gian chờ",
    "locked": "Thử khi đang bị tạm khóa", "idle": "Quá lâu không thao tác", "expired": "Hết thời hạn phiên",
    "password": "Mật khẩu đã được đổi hoặc đặt lại", "inactive": "Tài khoản đã ngừng hoạt động",
    "logout": "Đăng xuất",
}
AUDIT_DETAIL_KEYS.update({"client": "máy / trình duyệt", "failures": "số lần sai", "until": "khóa đến",
                          "minutes": "số phút", "must_change_password": "phải đổi mật khẩu",
                          "sessions_ended": "số phiên đã kết thúc"})
AUDIT_MOMENT_KEYS = {"until"}


# --- ui-speed: the person view of Thôn (claim visits and diagnoses, hssk.visits) -------------------------------
PERSON_VISIT_COLUMNS = {
    "event_date": "Ngày khám",
    "facility": "Cơ sở khám chữa bệnh",
    "visit_key": "Mã lượt khám (MA_LK)",
    "diagnoses": "Chẩn đoán (ICD-10)",
    "categories": "Thông tin sức khỏe điền được",
    "event_description": "Mô tả",
}
