"""Worklists on the tiny world of tests/kpi_world.py, their exports and the masked variant."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import openpyxl
import pytest

from hssk import worklists
from hssk.errors import HsskError
from tests.kpi_world import AS_OF, GC, KT, UNKNOWN, single

P = "P00"  # person ids of the register: 'P' + personal ID


def rows(con, kind, *columns, **kwargs):
    frame = worklists.build(con, kind, as_of=AS_OF, **kwargs)
    frame = frame.astype(object).where(frame.notna(), None)  # missing text is NaN in pandas 3
    return [tuple(r[c] for c in columns) for r in frame.to_dict("records")]


def test_missing_record_lists_alive_residents_prefilled_from_the_register(shared_world):
    got = rows(shared_world, "missing_record", "person_id", "village", "full_name", "birth_date", "sex",
               "personal_id", "ethnicity")
    assert got[0] == ("P001166000004", GC, "Lê Thị Dung", "03/03/1966", "Nữ", "001166000004", "Kinh")
    assert [r[:2] for r in got] == [("P001166000004", GC), ("G9", UNKNOWN)]


def test_missing_record_takes_the_card_number_from_a_linked_insurance_record(world):
    from tests.kpi_world import World

    World(world).add("insurance", 9, "P001166000004", record_id="GD4010100000001", insurance_card="GD4010100000001",
                     social_insurance_no="0100000001", valid_to=date(2026, 12, 31))
    assert rows(world, "missing_record", "insurance_card", "social_insurance_no", village=GC) == \
        [("GD4010100000001", "0100000001")]


def test_village_filter(shared_world):
    assert rows(shared_world, "missing_record", "person_id", village=KT) == []
    assert rows(shared_world, "off_register", "record_id", village=KT) == [("H11",)]


def test_duplicates_keep_the_most_complete_record(shared_world):
    # H3B fills three health categories, H3A one (and a phone): H3B has 11 filled items, H3A 10
    got = rows(shared_world, "duplicates", "person_id", "record_id", "action", "keep_record_id", "completeness_score")
    assert got == [("P001070000003", "H3B", "keep", "H3B", 11), ("P001070000003", "H3A", "merge", "H3B", 10)]


def test_duplicates_tie_goes_to_the_most_recent_update(con):
    single(con, {}, [{"updated_at": date(2025, 5, 1)}, {"updated_at": date(2026, 2, 1)}])
    assert rows(con, "duplicates", "record_id", "action") == [("R2", "keep"), ("R1", "merge")]


def test_deceased_with_an_active_record(shared_world):
    # P5 (register status dead); G2's record is off-register and listed there
    assert rows(shared_world, "deceased", "person_id", "record_id", "death_source") == \
        [("P001040000005", "H5", "population")]


def test_deceased_from_a_death_registration(world):
    world.execute("""update person_records set person_id = 'P001085000007' where record_key = 'deaths:deaths:4:1'""")
    got = rows(world, "deceased", "person_id", "record_id", "death_date", "death_source", village=KT)
    assert [(p, r, d.date(), s) for p, r, d, s in got] == [("P001085000007", "H7", date(2026, 2, 1), "deaths")]


def test_corrections_list_real_differences_of_the_kept_record(shared_world):
    got = rows(shared_world, "corrections", "record_id", "field", "current_value", "corrected_value",
               "corrected_code", "source", "source_record_id")
    assert got == [
        ("H2", "ethnicity", None, "Kinh", "01", "population", "001080000002"),
        ("H7", "birth_date", "1985", "07/07/1985", "1985-07-07", "population", "001085000007"),
    ]


@pytest.mark.parametrize(("changes", "field", "current", "corrected", "code"), [
    ({"full_name_orig": "Nguyen An", "name_key": "nguyen an"}, "full_name", "Nguyen An", "Nguyễn Thị An", None),
    ({"sex": "M", "sex_orig": "1"}, "sex", "1", "Nữ", "2"),
    ({"personal_id": None, "personal_id_orig": "012345678"}, "personal_id", "012345678", "001190000001", None),
    ({"village": KT, "village_orig": "Thôn Khoan Tế"}, "village", "Thôn Khoan Tế", GC, None),
])
def test_correction_per_field(con, changes, field, current, corrected, code):
    single(con, {}, [changes])
    assert rows(con, "corrections", "field", "current_value", "corrected_value", "corrected_code") == \
        [(field, current, corrected, code)]


def test_cosmetic_differences_need_no_correction(con):
    single(con, {}, [{"full_name_orig": "NGUYỄN THỊ AN", "sex_orig": "2", "birth_date_orig": "1990-05-10"}])
    assert rows(con, "corrections", "field") == []


def test_off_register_records_with_a_reason(shared_world):
    assert rows(shared_world, "off_register", "record_id", "person_id", "reason") == [
        ("H13", "G2", "death_registration"),
        ("H11", "G1", "personal_id_not_in_register"),
        ("H12", None, "unlinked"),
    ]


def test_health_missing_with_care_suggestions(shared_world):
    got = rows(shared_world, "health_missing", "person_id", "record_id", "category", "care_events", "suggestion")
    assert got == [
        ("P001085000007", "H7", "infectious_disease", 1, "02/08/2025 A09 Tiêu chảy (HIS)"),
        ("P001085000007", "H7", "vaccination", 1, "01/06/2025 UV Uốn ván (TCMR)"),
        ("P001300000006", "H6", "reproductive_health", 1, "15/01/2026 Z34.9 Khám thai định kỳ (MCH)"),
    ]


def test_every_list_carries_person_id(shared_world):
    for kind in worklists.WORKLISTS:
        assert "person_id" in worklists.build(shared_world, kind, as_of=AS_OF).columns, kind


def test_mask_ids_hides_identifiers_everywhere(shared_world):
    for kind in worklists.WORKLISTS:
        frame = worklists.build(shared_world, kind, as_of=AS_OF, mask_ids=True)
        text = frame.astype(str).to_csv()
        assert not re.search(r"\d{9,}", text), kind
    masked = rows(shared_world, "missing_record", "person_id", "personal_id", mask_ids=True)
    assert masked[0] == ("P001******004", "001******004")


def test_display_uses_vietnamese_headers_and_labels(shared_world):
    frame = worklists.to_display(worklists.build(shared_world, "duplicates"))
    assert list(frame.columns[:5]) == ["Mã người (công cụ)", "Thôn", "Thứ tự", "Xử lý", "Mã HSSK giữ lại"]
    assert frame["Xử lý"].tolist() == ["Giữ lại", "Gộp vào HSSK giữ lại"]


def test_export_xlsx_keeps_ids_as_text(shared_world, tmp_path):
    out = tmp_path / "chua_co.xlsx"
    assert worklists.export(shared_world, "missing_record", out, as_of=AS_OF) == 2
    ws = openpyxl.load_workbook(out).active
    assert ws.title == "Chưa có HSSK"
    header = [c.value for c in ws[1]]
    id_cell = ws.cell(row=2, column=header.index("Số định danh cá nhân") + 1)
    assert id_cell.value == "001166000004" and id_cell.data_type == "s"
    assert ws.freeze_panes == "A2"


def test_export_csv(shared_world, tmp_path):
    out = tmp_path / "sua.csv"
    worklists.export(shared_world, "corrections", out)
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [(r["Mã HSSK"], r["Trường"]) for r in table] == [("H2", "Dân tộc"), ("H7", "Ngày sinh")]


def test_all_lists_in_one_workbook(shared_world, tmp_path):
    out = tmp_path / "tat_ca.xlsx"
    worklists.export(shared_world, "all", out, as_of=AS_OF)
    assert openpyxl.load_workbook(out).sheetnames == [w.title for w in worklists.WORKLISTS.values()]
    with pytest.raises(HsskError, match=".xlsx"):
        worklists.export(shared_world, "all", tmp_path / "tat_ca.csv")


def test_corrections_file_is_machine_readable(shared_world, tmp_path):
    out = tmp_path / "corrections.json"
    worklists.export(shared_world, "corrections_file", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data[0]) == worklists.CORRECTION_FILE_COLUMNS
    assert data[1] == {"record_id": "H7", "field": "birth_date", "current_value": "1985",
                       "corrected_value": "07/07/1985", "corrected_code": "1985-07-07", "source": "population",
                       "source_record_id": "001085000007", "person_id": "P001085000007"}
    csv_out = tmp_path / "corrections.csv"
    worklists.export(shared_world, "corrections_file", csv_out)
    assert csv_out.read_text(encoding="utf-8-sig").splitlines()[0] == ",".join(worklists.CORRECTION_FILE_COLUMNS)


def test_formula_text_is_neutralised_in_exports(con, tmp_path):
    single(con, {"full_name": '=HYPERLINK("http://x","y")', "address": "@SUM(A1)"}, [])
    out = tmp_path / "chua_co.xlsx"
    worklists.export(con, "missing_record", out)
    ws = openpyxl.load_workbook(out).active
    values = [c.value for c in ws[2]]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in values and "'@SUM(A1)" in values
    assert all(c.data_type != "f" for c in ws[2])
    csv_out = tmp_path / "chua_co.csv"
    worklists.export(con, "missing_record", csv_out)
    assert "'=HYPERLINK" in csv_out.read_text(encoding="utf-8-sig")


def test_unknown_kind_is_a_clear_error(shared_world):
    with pytest.raises(HsskError, match="không có"):
        worklists.build(shared_world, "nope")
