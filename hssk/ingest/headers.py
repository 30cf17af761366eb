"""Header aliases per kind (formats.md) and matching that ignores case, diacritics, spacing and punctuation."""

from __future__ import annotations

import re
import unicodedata

# Field -> aliases. The first alias is the label shown to users. Shared fields are listed once in _PERSON.
_PERSON = {
    "full_name": ["Họ và tên", "Họ tên", "Họ, chữ đệm và tên", "HOTEN", "Tên", "Họ và tên người chết",
                  "Họ tên người mất"],
    "birth_date": ["Ngày sinh", "Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "NGAYSINH", "Năm sinh"],
    "sex": ["Giới tính", "GIOITINH", "Giới"],
    "personal_id": ["Số định danh cá nhân", "Số CCCD", "CCCD", "Số CCCD/ĐDCN", "MADINHDANH", "Số ĐDCN",
                    "Mã định danh", "Số định danh", "CCCD/ĐDCN", "Số CCCD/CMND"],
    "old_id": ["Số CMND", "CMND", "Số CMND cũ"],
    "ethnicity": ["Dân tộc", "MADANTOC"],
    "nationality": ["Quốc tịch"],
    "religion": ["Tôn giáo"],
    "occupation": ["Nghề nghiệp"],
    "address": ["Địa chỉ", "Nơi thường trú", "Địa chỉ thường trú", "Nơi ở hiện tại", "Nơi cư trú"],
    "village": ["Thôn", "Thôn/xóm", "Thôn/Tổ dân phố", "Xóm", "Tổ dân phố"],
    "phone": ["Điện thoại", "Số điện thoại", "SĐT", "Di động", "Điện thoại di động"],
    "household_code": ["Mã hộ gia đình", "Mã hộ GĐ", "Số hộ", "Mã hộ"],
}

ALIASES: dict[str, dict[str, list[str]]] = {
    "hssk": {
        "record_id": ["Mã HSSK", "Mã hồ sơ", "Ma_HS", "ID", "Mã hồ sơ sức khỏe"],
        **_PERSON,
        "insurance_no": ["Số thẻ BHYT", "Mã thẻ BHYT", "BHYT", "MATHE", "Số BHYT"],
        "blood_abo": ["Nhóm máu", "Nhóm máu ABO"],
        "blood_rh": ["Rh", "Nhóm máu Rh"],
        "mother_name": ["Họ tên mẹ"],
        "father_name": ["Họ tên bố", "Họ tên cha"],
        "height_cm": ["Chiều cao (cm)", "Chiều cao"],
        "weight_kg": ["Cân nặng (kg)", "Cân nặng"],
        "chronic_disease": ["Bệnh mạn tính", "Bệnh không lây nhiễm", "Bệnh mãn tính"],
        "vaccination": ["Tiêm chủng", "Lịch sử tiêm chủng"],
        "medical_history": ["Tiền sử bệnh", "Tiền sử bệnh tật"],
        "reproductive_health": ["Sức khỏe sinh sản"],
        "infectious_disease": ["Bệnh truyền nhiễm"],
        "updated_at": ["Ngày cập nhật", "Ngày cập nhật cuối"],
    },
    "population": {
        **_PERSON,
        "relation_to_head": ["Quan hệ với chủ hộ", "Quan hệ chủ hộ"],
        "status": ["Tình trạng", "Trạng thái", "Tình trạng cư trú"],
        "death_date": ["Ngày mất", "Ngày chết"],
    },
    "deaths": {
        **_PERSON,
        "death_date": ["Ngày mất", "Ngày chết", "Ngày tử vong"],
    },
    "insurance": {
        "insurance_no": ["Số thẻ BHYT", "Mã thẻ BHYT", "Mã thẻ", "MATHE", "Số thẻ"],
        "social_insurance_no": ["Mã số BHXH", "Số BHXH", "MASOBHXH"],
        **_PERSON,
        "valid_from": ["Hạn thẻ từ", "Giá trị từ", "Từ ngày"],
        "valid_to": ["Hạn thẻ đến", "Giá trị đến", "Đến ngày"],
        "registered_facility": ["Nơi ĐKKCB ban đầu", "Nơi ĐKKCB", "Nơi đăng ký KCB ban đầu"],
    },
    "care": {
        **_PERSON,
        "insurance_no": ["Số thẻ BHYT", "Mã thẻ BHYT", "BHYT", "MATHE"],
        "event_date": ["Ngày", "Ngày khám", "Ngày thực hiện", "Ngày tiêm", "Ngày sự kiện"],
        "event_kind": ["Loại", "Loại sự kiện", "Loại dịch vụ"],
        "event_code": ["Mã", "Mã bệnh", "Mã ICD", "Mã ICD-10", "Mã vắc xin", "Mã ICD/vắc xin"],
        "event_description": ["Mô tả", "Nội dung", "Chẩn đoán", "Tên vắc xin"],
        "source_system": ["Nguồn", "Phần mềm", "Hệ thống nguồn"],
    },
    # BHYT claim XML1 elements (QĐ 130 name first, then the QĐ 4210 one): hssk.ingest.claims
    "claims": {
        "record_id": ["MA_LK"],
        "full_name": ["HO_TEN"],
        "birth_date": ["NGAY_SINH"],
        "sex": ["GIOI_TINH"],
        "personal_id": ["SO_CCCD"],
        "ethnicity": ["MA_DANTOC"],
        "address": ["DIA_CHI"],
        "phone": ["DIEN_THOAI"],
        "insurance_no": ["MA_THE_BHYT", "MA_THE"],
        "commune_code": ["MAXA_CU_TRU"],
        "event_date": ["NGAY_VAO"],
        "event_code": ["MA_BENH_CHINH", "MA_BENH"],
        "secondary_codes": ["MA_BENH_KT", "MA_BENHKHAC"],
        "event_description": ["CHAN_DOAN_RV", "TEN_BENH"],
        "source_system": ["MA_CSKCB"],
        "weight_kg": ["CAN_NANG"],
        "registered_facility": ["MA_DKBD"],
    },
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "hssk": ("record_id", "full_name", "birth_date", "sex"),
    "population": ("personal_id", "full_name", "birth_date", "sex"),
    "deaths": ("full_name", "death_date"),
    "insurance": ("full_name", "birth_date"),
    "care": ("event_date",),
    "claims": ("record_id",),
}

# The register's "Ngày, tháng, năm sinh" contains commas: keys drop punctuation, so it still matches.
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(text: object) -> str:
    """'HỌ VÀ TÊN', 'Ho va ten', 'họ_và_tên' -> 'hovaten'."""
    s = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn").lower()
    return _NON_ALNUM.sub("", s)


def _index(kind: str) -> dict[str, str]:
    return {header_key(alias): field for field, aliases in ALIASES[kind].items() for alias in aliases}


def match_headers(kind: str, headers: list[str], overrides: dict[str, str] | None = None) -> dict[int, str]:
    """Column position -> field for the headers that are recognised. `overrides` maps an original header to a
    field (the import page lets a user name an unrecognised column)."""
    index = _index(kind)
    overrides = {header_key(k): v for k, v in (overrides or {}).items()}
    mapping: dict[int, str] = {}
    for pos, header in enumerate(headers):
        key = header_key(header)
        field = overrides.get(key) or index.get(key)
        if field and field != "_ignore":
            mapping[pos] = field
    return mapping


def label(kind: str, field: str) -> str:
    return ALIASES[kind][field][0]
