"""The worklists of the import/quality/worklist pages: fill suggestions from claims and care (`health_fill`), the
record to enter per village (`record_to_enter`, hssk.golden in the platform's column order) and the "search before
create" column of the missing-record list, on hand-made people (reference date 2026-03-31)."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from hssk import db, golden, kpi, labels, worklists
from hssk.cli import main
from hssk.errors import HsskError
from tests.kpi_world import AS_OF, FULL_HEALTH, World, ensure_link_tables, person_row, record_like

PID_A, PID_B = "001080000001", "001190000002"


def visit(ma_lk, day, codes, facility="01880"):
    return {"record_id": ma_lk, "event_date": date.fromisoformat(day), "diagnosis_codes": codes,
            "event_code": codes.split(";")[0], "event_description": None, "source_system": facility}


def two_villages(con) -> World:
    """A in Giang Cao misses chronic disease (hypertension in two visits); B in Khoan Tế misses vaccination (a
    newer visit) and her HSSK record misspells her name."""
    ensure_link_tables(con)
    w = World(con)
    people = [(PID_A, "Nguyễn Văn An", "M", "1980-01-01", "Giang Cao", {"chronic_disease": None},
               [visit("LK1", "2025-11-02", "I10"), visit("LK2", "2026-01-10", "I10", "01815")]),
              (PID_B, "Lê Thị Bình", "F", "1990-05-10", "Khoan Tế", {"vaccination": None},
               [visit("LK3", "2026-03-01", "Z24.6")])]
    for i, (pid, name, sex, birth, village, missing, visits) in enumerate(people):
        reg = person_row(pid, name, name.lower(), birth, sex, village)
        w.add("population", 1, "P" + pid, **reg)
        typo = {"full_name": "Lê Thi Bình", "name_key": "lê thi bình"} if i else {}
        w.add("hssk", 2, "P" + pid, **record_like(reg, f"H{i}", **{**FULL_HEALTH, **missing, **typo}))
        for v in visits:
            w.add("claims", 3, "P" + pid, **v)
    return w


@pytest.fixture
def health(con):
    two_villages(con)
    return con


def test_health_fill_is_a_worklist_newest_first_with_vietnamese_columns(health):
    frame = worklists.build(health, "health_fill", as_of=AS_OF)
    assert list(frame["visit_key"]) == ["LK3", "LK2"]  # newest evidence first; one row per missing category
    assert list(frame["person_id"]) == ["P" + PID_B, "P" + PID_A]
    shown = worklists.to_display(frame)
    for header in ("Nhóm thông tin còn thiếu", "Giá trị cần nhập", "Cơ sở khám chữa bệnh", "Ngày khám/tiêm",
                   "Mã lượt khám (MA_LK)", "Nguồn", "Số lượt khám/tiêm làm bằng chứng"):
        assert header in shown.columns, header
    first = shown.iloc[0]
    assert first["Nhóm thông tin còn thiếu"] == "Tiêm chủng"
    assert first["Giá trị cần nhập"] == "Tiêm chủng phòng bệnh do virus (Z24.6)"
    assert first["Nguồn"] == labels.KINDS_LONG["claims"]
    assert shown.iloc[1]["Số lượt khám/tiêm làm bằng chứng"] == 2


def test_health_fill_per_village_and_as_files(health):
    only = worklists.build(health, "health_fill", as_of=AS_OF, village="Giang Cao")
    assert list(only["visit_key"]) == ["LK2"]
    data, n = worklists.export_bytes(health, "health_fill", "csv", village="Giang Cao", as_of=AS_OF)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert n == 1 and len(rows) == 2
    assert "Giá trị cần nhập" in rows[0] and "Tăng huyết áp (I10)" in rows[1] and "10/01/2026" in rows[1]
    data, n = worklists.export_bytes(health, "health_fill", "xlsx", as_of=AS_OF)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert n == 2 and book.active.max_row == 3
    everything, _ = worklists.export_bytes(health, worklists.ALL, "xlsx", as_of=AS_OF)
    assert labels.WORKLIST_TITLES["health_fill"][:31] in openpyxl.load_workbook(io.BytesIO(everything)).sheetnames


def test_the_command_line_writes_the_health_fill_worklist(tmp_path, capsys):
    path = tmp_path / "tram.duckdb"
    with db.connect(path) as con:
        two_villages(con)
    out = tmp_path / "goi_y.csv"
    assert main(["worklist", "--kind", "health_fill", "--out", str(out), "--db", str(path),
                 "--as-of", AS_OF.isoformat()]) == 0
    assert "Đã ghi 2 dòng" in capsys.readouterr().out
    frame = pd.read_csv(out, dtype=str)
    assert list(frame["Mã lượt khám (MA_LK)"]) == ["LK3", "LK2"]
    book = tmp_path / "nhap_lieu.xlsx"
    assert main(["worklist", "--kind", "record_to_enter", "--village", "khoan te", "--out", str(book),
                 "--db", str(path), "--as-of", AS_OF.isoformat()]) == 0
    assert "Đã ghi 1 dòng (thôn Khoan Tế)" in capsys.readouterr().out
    assert openpyxl.load_workbook(book).sheetnames == ["Khoan Tế"]


def test_the_record_to_enter_per_village_in_the_platform_order(health):
    fields = kpi.admin_fields()
    expected = ["Thôn", "Mã người (công cụ)", "Mã HSSK", *fields["label_vi"], *golden.HEALTH_LABELS.values(),
                "Khác HSSK hiện tại", "Nguồn"]
    data, n = worklists.export_bytes(health, worklists.RECORD_TO_ENTER, "xlsx", as_of=AS_OF)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert n == 2 and book.sheetnames == ["Giang Cao", "Khoan Tế"]
    assert [c.value for c in next(book["Khoan Tế"].iter_rows(max_row=1))] == expected
    data, n = worklists.export_bytes(health, worklists.RECORD_TO_ENTER, "csv", village="Khoan Tế", as_of=AS_OF)
    frame = pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig")
    assert n == 1 and list(frame.columns) == expected and list(frame["Thôn"]) == ["Khoan Tế"]
    row = frame.iloc[0]
    assert row["Họ và tên"] == "Lê Thị Bình"  # the register wins; it differs from today's HSSK record
    assert "Họ và tên" in row["Khác HSSK hiện tại"] and "Ngày sinh" not in row["Khác HSSK hiện tại"]
    assert row["Tiêm chủng"].startswith("Tiêm chủng phòng bệnh do virus")  # united with the claim visit


def test_the_record_to_enter_masked_and_its_formats(health):
    data, _ = worklists.export_bytes(health, worklists.RECORD_TO_ENTER, "csv", as_of=AS_OF, mask_ids=True)
    text = data.decode("utf-8-sig")
    assert PID_B not in text and "001******002" in text
    assert PID_B in worklists.export_bytes(health, worklists.RECORD_TO_ENTER, "csv", as_of=AS_OF)[0].decode()
    with pytest.raises(HsskError, match="xlsx hoặc .csv"):
        worklists.export_bytes(health, worklists.RECORD_TO_ENTER, "json", as_of=AS_OF)
    assert worklists.RECORD_TO_ENTER in worklists.KINDS and "health_fill" in worklists.KINDS


def test_the_missing_record_list_names_the_pending_candidate_when_the_query_gives_it():
    """Search before create: the column the linkage engineer adds to worklist_missing_record.sql reads in words."""
    frame = pd.DataFrame({"person_id": ["P1"], "action": ["Chưa tạo: kiểm tra hồ sơ HSSK có thể là của người này"],
                          "candidate_record_id": ["HS42"]})
    shown = worklists.to_display(frame)
    assert list(shown.columns) == ["Mã người (công cụ)", "Xử lý", "Mã HSSK cần kiểm tra trước khi tạo"]
    assert shown.iloc[0].tolist() == ["P1", "Chưa tạo: kiểm tra hồ sơ HSSK có thể là của người này", "HS42"]
