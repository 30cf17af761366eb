"""How each demo file looks: its name, format, header aliases (formats.md) and cell conventions.

The headers differ between files on purpose, as exports from different software versions do. Exactly one
column is unknown to the importer: "Ghi chú" in the second HSSK part.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Layout:
    kind: str
    stem: str
    ext: str  # "xlsx" or "csv"
    headers: dict[str, str]  # field -> header, in column order
    encoding: str = "utf-8"  # csv: "utf-8", "utf-8-sig" (BOM) or "cp1258"
    sep: str = ","
    title_rows: tuple[str, ...] = ()  # xlsx rows above the header
    numeric_ids: bool = False  # xlsx: digit-only ID cells written as numbers (leading zeros lost, as Excel does)
    sex_coding: str = "Nam/Nữ"
    ethnicity_as: str = "name"  # "name" or "code"
    sheet: str = "Sheet1"
    bulk: bool = False  # csv: written by the Arrow CSV writer (fast; every text value quoted)

    @property
    def file_name(self) -> str:
        return f"{self.stem}.{self.ext}"


ID_FIELDS = ("personal_id", "old_id", "phone", "insurance_no")

HSSK_PART1 = {
    "record_id": "Mã HSSK", "full_name": "Họ và tên", "birth_date": "Ngày sinh", "sex": "Giới tính",
    "personal_id": "Số CCCD", "old_id": "Số CMND", "insurance_no": "Số thẻ BHYT", "ethnicity": "Dân tộc",
    "nationality": "Quốc tịch", "religion": "Tôn giáo", "occupation": "Nghề nghiệp",
    "address": "Địa chỉ thường trú", "village": "Thôn", "phone": "Số điện thoại",
    "household_code": "Mã hộ gia đình", "blood_abo": "Nhóm máu", "blood_rh": "Rh", "mother_name": "Họ tên mẹ",
    "father_name": "Họ tên bố", "height_cm": "Chiều cao (cm)", "weight_kg": "Cân nặng (kg)",
    "chronic_disease": "Bệnh mạn tính", "vaccination": "Tiêm chủng", "medical_history": "Tiền sử bệnh",
    "reproductive_health": "Sức khỏe sinh sản", "infectious_disease": "Bệnh truyền nhiễm",
    "updated_at": "Ngày cập nhật",
}
HSSK_PART2 = {
    "record_id": "Mã hồ sơ", "full_name": "HOTEN", "birth_date": "NGAYSINH", "sex": "GIOITINH",
    "personal_id": "MADINHDANH", "old_id": "CMND", "insurance_no": "MATHE", "ethnicity": "MADANTOC",
    "nationality": "Quốc tịch", "religion": "Tôn giáo", "occupation": "Nghề nghiệp",
    "address": "Nơi thường trú", "village": "Thôn/xóm", "phone": "Di động", "household_code": "Mã hộ GĐ",
    "blood_abo": "Nhóm máu ABO", "blood_rh": "Rh", "mother_name": "Họ tên mẹ", "father_name": "Họ tên bố",
    "height_cm": "Chiều cao (cm)", "weight_kg": "Cân nặng (kg)", "chronic_disease": "Bệnh không lây nhiễm",
    "vaccination": "Lịch sử tiêm chủng", "medical_history": "Tiền sử bệnh tật",
    "reproductive_health": "Sức khỏe sinh sản", "infectious_disease": "Bệnh truyền nhiễm",
    "updated_at": "Ngày cập nhật cuối", "note": "Ghi chú",
}
POPULATION = {
    "full_name": "Họ, chữ đệm và tên", "birth_date": "Ngày, tháng, năm sinh", "sex": "Giới tính",
    "personal_id": "Số định danh cá nhân", "old_id": "Số CMND cũ", "ethnicity": "Dân tộc",
    "nationality": "Quốc tịch", "religion": "Tôn giáo", "address": "Nơi thường trú",
    "village": "Thôn/Tổ dân phố", "household_code": "Số hộ", "relation_to_head": "Quan hệ với chủ hộ",
    "status": "Tình trạng", "death_date": "Ngày mất",
}
DEATHS = {
    "full_name": "Họ và tên", "birth_date": "Ngày sinh", "sex": "Giới tính", "personal_id": "Số định danh cá nhân",
    "death_date": "Ngày chết", "address": "Nơi cư trú",
}
INSURANCE = {
    "insurance_no": "Mã thẻ BHYT", "social_insurance_no": "Mã số BHXH", "full_name": "Họ và tên",
    "birth_date": "Ngày sinh", "sex": "Giới tính", "personal_id": "Số CCCD", "valid_from": "Hạn thẻ từ",
    "valid_to": "Hạn thẻ đến", "registered_facility": "Nơi ĐKKCB ban đầu",
}
CARE = {
    "event_date": "Ngày thực hiện", "event_kind": "Loại dịch vụ", "event_code": "Mã ICD/vắc xin",
    "event_description": "Nội dung", "source_system": "Hệ thống nguồn", "personal_id": "Số định danh cá nhân",
    "insurance_no": "Số thẻ BHYT", "full_name": "Họ và tên", "birth_date": "Ngày sinh", "sex": "Giới tính",
}

REGISTER_TITLE = ("DANH SÁCH CÔNG DÂN THƯỜNG TRÚ", "Xã Bát Tràng – Hà Nội")


def layouts(fmt: str) -> dict[str, list[Layout]]:
    """The files of one demo set. fmt='mixed': the commune demo; fmt='csv': plain UTF-8 CSV everywhere."""
    if fmt == "mixed":
        return {
            "population": [Layout("population", "dan_cu_thuong_tru", "xlsx", POPULATION, title_rows=REGISTER_TITLE,
                                  sheet="Danh sách")],
            "hssk": [
                Layout("hssk", "hssk_xuat_phan1", "xlsx", HSSK_PART1, numeric_ids=True, sheet="HSSK"),
                Layout("hssk", "hssk_xuat_phan2", "csv", HSSK_PART2, encoding="utf-8-sig", sep=";",
                       sex_coding="1/2", ethnicity_as="code"),
            ],
            "deaths": [Layout("deaths", "khai_tu", "csv", DEATHS, encoding="cp1258")],
            "insurance": [Layout("insurance", "the_bhyt", "xlsx", INSURANCE, sheet="DS thẻ")],
            "care": [Layout("care", "kham_chua_benh_tiem_chung", "csv", CARE)],
        }
    if fmt == "csv":
        plain = {
            "population": [Layout("population", "dan_cu_thuong_tru", "csv", POPULATION)],
            "hssk": [
                Layout("hssk", "hssk_xuat_phan1", "csv", HSSK_PART1),
                Layout("hssk", "hssk_xuat_phan2", "csv", HSSK_PART2, sex_coding="1/2", ethnicity_as="code"),
            ],
            "deaths": [Layout("deaths", "khai_tu", "csv", DEATHS)],
            "insurance": [Layout("insurance", "the_bhyt", "csv", INSURANCE)],
            "care": [Layout("care", "kham_chua_benh_tiem_chung", "csv", CARE)],
        }
        return {kind: [replace(layout, bulk=True) for layout in items] for kind, items in plain.items()}
    raise ValueError(f"fmt phải là 'mixed' hoặc 'csv', không phải {fmt!r}")
