"""hssk.fmt (the one Vietnamese number / share / date format) and hssk.labels (the one home of words)."""

from __future__ import annotations

import json
import math
from datetime import date, datetime

import pandas as pd
import pytest

from hssk import audit, auth, config, labels
from hssk.fmt import EMPTY, file_slug, vn_date, vn_decimal, vn_int, vn_pct, vn_pp, vn_value


def test_numbers_shares_and_dates_the_vietnamese_way():
    assert vn_int(1234567) == "1.234.567" and vn_int(12.0) == "12" and vn_int(0) == "0"
    assert vn_pct(0.953) == "95,3 %" and vn_pct(1) == "100,0 %" and vn_pct(0.95, 0) == "95 %"
    assert vn_pp(0.012) == "+1,2 điểm %" and vn_pp(-0.5) == "-50,0 điểm %"
    assert vn_decimal(1234.5) == "1.234,50"
    assert vn_date(date(2026, 12, 2)) == "02/12/2026" == vn_date(pd.Timestamp("2026-12-02")) == vn_date("2026-12-02")
    assert vn_value(datetime(2026, 12, 2, 7, 35)) == "02/12/2026 07:35"
    assert vn_value(True) == "Có" and vn_value(False) == "Không"


@pytest.mark.parametrize("empty", [None, math.nan, pd.NA, pd.NaT, float("nan")])
def test_an_empty_value_is_never_written_none_or_nan(empty):
    for write in (vn_int, vn_pct, vn_pp, vn_date, vn_decimal, vn_value):
        assert write(empty) == EMPTY


def test_file_slug():
    assert file_slug("Giang Cao") == "giang_cao" and file_slug("Đồng Tâm") == "dong_tam" and file_slug("!!") == "tep"


def test_one_campaign_reader_with_one_set_of_defaults():
    full = config.campaign({"campaign": {"start": "2026-01-01", "deadline": "2026-06-30", "target_admin": 0.9,
                                         "target_health": 0.8, "stale_days": 200}})
    assert (full.start, full.deadline, full.stale_days) == (date(2026, 1, 1), date(2026, 6, 30), 200)
    assert full.targets == {"kpi_admin": 0.9, "kpi_health": 0.8}
    empty = config.campaign({})
    assert empty.start is None and empty.deadline == date.fromisoformat(config.DEFAULT_DEADLINE)
    assert empty.targets == config.DEFAULT_TARGETS and empty.stale_days == config.DEFAULT_STALE_DAYS


def test_every_role_and_action_has_words():
    assert set(labels.ROLES) == set(auth.ROLES) | {audit.CLI_ROLE}
    assert labels.ROLES["dong_lenh"] == "Dòng lệnh (máy trạm)"
    assert set(labels.ACTIONS) == set(audit.ACTIONS)
    assert set(labels.PERMISSIONS) >= set(auth.PERMISSIONS)


def test_audit_targets_and_details_in_words():
    assert labels.audit_target("worklist:health_missing:Kim Lan") == "Danh sách «Thiếu thông tin sức khỏe» — thôn Kim Lan"
    assert labels.audit_target("hssk:HS330192463 | population:001190000111") == \
        "HSSK · HS330192463 | Dân cư · 001190000111"
    assert labels.audit_target("manage_users") == "Chức năng quản lý tài khoản"
    detail = labels.audit_detail(json.dumps({"role": ["xem", "phan_tich"], "masked": True, "rows": 1234}))
    assert detail == "vai trò: Chỉ xem → Cán bộ phân tích; đã che số định danh: Có; số dòng: 1.234"
    assert labels.audit_detail("{}") == ""


def test_finding_details_and_record_keys_in_words():
    assert labels.finding_detail("month") == "chỉ có tháng và năm"
    assert labels.finding_detail("sex_mismatch,birth_year_mismatch") == (
        "mã giới tính trong số định danh không khớp, năm sinh trong số định danh không khớp")
    assert labels.finding_detail("trùng mã trong cùng lô") == "trùng mã trong cùng lô"
    assert labels.record_label("hssk:HS330192463") == "HSSK · HS330192463"
    assert labels.record_label("population:row:17") == "Dân cư · 17"


def test_display_puts_words_for_codes_and_blanks_for_empty_cells():
    frame = pd.DataFrame({"kind": ["hssk", None], "n": [1234, None], "at": [pd.Timestamp("2026-12-02"), pd.NaT],
                          "secret_column": ["x", "y"]})
    shown = labels.display(frame, {"kind": "Nguồn", "n": "Số", "at": "Ngày"}, {"kind": labels.KINDS})
    assert shown.columns.tolist() == ["Nguồn", "Số", "Ngày"]
    assert shown.values.tolist() == [["HSSK", "1.234", "02/12/2026"], ["", "", ""]]


def test_kpi_names_come_from_the_reference_file():
    names = labels.kpi_labels()
    columns = labels.kpi_columns()
    assert all(names[k] == v for k, v in zip(columns["key"], columns["header_vi"]))
    assert names["dim_dung"].startswith("Đúng")
