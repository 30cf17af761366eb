"""Sex, ethnicity, nationality, religion, register status and care-event kind."""

import pytest

from hssk.normalize.codes import (
    normalize_ethnicity,
    normalize_event_kind,
    normalize_nationality,
    normalize_religion,
    normalize_sex,
    normalize_status,
)
from hssk.normalize.legacy import encode_tcvn3, encode_vni


@pytest.mark.parametrize(
    "value, expected",
    [("Nam", "M"), ("NAM", "M"), (" nam ", "M"), ("1", "M"), (1, "M"), (1.0, "M"), ("M", "M"), ("male", "M"),
     ("Nữ", "F"), ("NỮ", "F"), ("nu", "F"), ("Nu", "F"), ("2", "F"), (2, "F"), ("F", "F"), ("female", "F"),
     (encode_tcvn3("Nữ"), "F"), (encode_vni("Nữ"), "F"),
     ("3", None), ("x?", None), ("?", None), ("Khác", None), ("", None), (None, None), (True, None)],
)
def test_normalize_sex(value, expected):
    assert normalize_sex(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("Kinh", "01"), ("KINH", "01"), ("kinh ", "01"), ("Dân tộc Kinh", "01"), ("Việt", "01"),
     (1, "01"), ("1", "01"), ("01", "01"), (1.0, "01"),
     ("H'Mông", "08"), ("HMông", "08"), ("Hmong", "08"), ("Mông", "08"), ("Mèo", "08"),
     ("Khmer", "05"), ("Khơ me", "05"), ("khome", "05"), ("Ê Đê", "12"), ("Ba-na", "13"), ("Bana", "13"),
     ("Gié-Triêng", "27"), ("gie trieng", "27"), ("Tà Ôi", "31"), ("Ta-ôi", "31"), ("Chu-ru", "36"),
     ("La Chi", "38"), ("Co Lao", "47"), ("Co", "30"), ("Rơ măm", "54"), ("Giáy", "25"), (25, "25"),
     ("Tày", "02"), ("Người nước ngoài", "55"), ("56", "56"),
     ("57", None), ("0", None), ("Klingon", None), ("", None), (None, None)],
)
def test_normalize_ethnicity(value, expected):
    assert normalize_ethnicity(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("Việt Nam", "VN"), ("VIỆT NAM", "VN"), ("Viet Nam", "VN"), ("vietnam", "VN"), ("VN", "VN"), ("VNM", "VN"),
     ("Lào", "Lào"), ("  Trung  Quốc ", "Trung Quốc"), ("", None), (None, None)],
)
def test_normalize_nationality(value, expected):
    assert normalize_nationality(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("Không", "Không"), ("không", "Không"), ("Không tôn giáo", "Không"), ("KHÔNG", "Không"),
     ("Phật giáo", "Phật giáo"), ("đạo Phật", "Phật giáo"), ("PHAT GIAO", "Phật giáo"),
     ("Thiên Chúa giáo", "Công giáo"), ("Công giáo", "Công giáo"), ("2", "Công giáo"),
     ("Tin lành", "Tin Lành"), ("Hòa Hảo", "Phật giáo Hòa Hảo"), ("Cao đài", "Cao Đài"),
     ("Đạo Mẫu", "Đạo Mẫu"), ("", None), (None, None)],
)
def test_normalize_religion(value, expected):
    assert normalize_religion(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("đang cư trú", "alive"), ("Đang cư trú", "alive"), ("thường trú", "alive"), ("Tạm trú", "alive"),
     ("đã chết", "dead"), ("Chết", "dead"), ("đã mất", "dead"), ("ĐÃ MẤT", "dead"), ("tử vong", "dead"),
     ("chuyển đi", "moved"), ("Đã chuyển đi", "moved"), ("da chuyen di", "moved"),
     ("không rõ", None), ("", None), (None, None)],
)
def test_normalize_status(value, expected):
    assert normalize_status(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("khám bệnh", "exam"), ("Khám bệnh", "exam"), ("tiêm chủng", "vaccination"), ("TIÊM CHỦNG", "vaccination"),
     ("xét nghiệm", "lab"), ("quản lý bệnh mạn tính", "chronic"), ("sức khỏe sinh sản", "reproductive"),
     ("Sức khoẻ sinh sản", "reproductive"), ("bệnh truyền nhiễm", "infectious"),
     ("phẫu thuật", None), ("", None), (None, None)],
)
def test_normalize_event_kind(value, expected):
    assert normalize_event_kind(value) == expected
