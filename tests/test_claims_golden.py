"""The record to enter (hssk.golden), one hand-made person per survivorship rule (reference date 2026-03-31)."""

from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd
import pytest

from hssk import golden, kpi
from tests.kpi_world import AS_OF, World, birth_cols, ensure_link_tables, person_row, record_like


def build(con, register=None, records=({},), claims=(), insurance=(), care=(), pid="001190000001",
          village="Giang Cao", w: World | None = None) -> tuple[World, str]:
    if w is None:
        ensure_link_tables(con)
        w = World(con)
    person = "P" + pid
    reg = person_row(pid, "Nguyễn Thị An", "nguyễn thị an", "1990-05-10", "F", village)
    reg.update(register or {})
    w.add("population", 1, person, **reg)
    for i, changes in enumerate(records, 1):
        w.add("hssk", 2, person, **record_like(reg, f"H{pid[-2:]}.{i}", **changes))
    for cols in insurance:
        w.add("insurance", 3, person, **cols)
    for cols in claims:
        w.add("claims", 4, person, **cols)
    for cols in care:
        w.add("care", 5, person, **cols)
    return w, person


def chosen(con, person, field):
    frame = golden.records(con, AS_OF)
    row = frame[(frame["person_id"] == person) & (frame["field"] == field)]
    assert len(row) == 1, row
    return row.iloc[0]


def test_identity_fields_come_from_the_register_and_differences_are_marked(con):
    _, p = build(con, records=[{"full_name": "Nguyễn Thi An", "name_key": "nguyễn thi an", "blood_abo": "O"}])
    name = chosen(con, p, "full_name")
    assert (name["value"], name["source"], name["hssk_value"], name["differs"]) == (
        "Nguyễn Thị An", "population", "Nguyễn Thi An", True)
    blood = chosen(con, p, "blood_abo")  # only HSSK knows it
    assert (blood["value"], blood["source"], blood["differs"]) == ("O", "hssk", False)
    sex = chosen(con, p, "sex")
    assert (sex["value"], sex["differs"]) == ("F", False)


def test_a_complete_date_beats_a_partial_one(con):
    _, p = build(con, register=birth_cols("1990"), records=[birth_cols("1990-05-10")])
    birth = chosen(con, p, "birth_date")
    assert (birth["value"], birth["source"], birth["differs"]) == ("1990-05-10", "hssk", False)


def test_between_complete_dates_the_register_wins(con):
    _, p = build(con, records=[birth_cols("1990-05-11")])
    birth = chosen(con, p, "birth_date")
    assert (birth["value"], birth["source"], birth["hssk_value"], birth["differs"]) == (
        "1990-05-10", "population", "1990-05-11", True)


def _card(card, start, end):
    return {"insurance_card": card, "social_insurance_no": card[-10:], "valid_from": date.fromisoformat(start),
            "valid_to": date.fromisoformat(end), "full_name": "Nguyễn Thị An"}


def _claim(ma_lk, day, **cols):
    return dict(record_id=ma_lk, event_date=date.fromisoformat(day), source_system="01880", **cols)


@pytest.mark.parametrize(("cards", "expected", "source"), [
    # the claim (Feb) is newer than the card list's card (Jan)
    ([("DN4010000000001", "2026-01-01", "2026-12-31")], "GD4010000000002", "claims"),
    # the card list's card started after the visit
    ([("DN4010000000001", "2026-03-01", "2026-12-31")], "DN4010000000001", "insurance"),
    # the newest card expired before the reference date: it does not count
    ([("DN4010000000001", "2026-03-01", "2026-03-15")], "GD4010000000002", "claims"),
])
def test_the_insurance_card_is_the_newest_valid_one(con, cards, expected, source):
    _, p = build(con, records=[{"insurance_card": "HC4010000000003", "updated_at": date(2025, 6, 1)}],
                 insurance=[_card(*c) for c in cards],
                 claims=[_claim("LK1", "2026-02-01", insurance_card="GD4010000000002")])
    card = chosen(con, p, "insurance")
    assert (card["value"], card["source"], card["hssk_value"], card["differs"]) == (
        expected, source, "HC4010000000003", True)


def test_the_hssk_card_is_only_a_fallback(con):
    # newer than the claim, but HSSK is no source of truth for the card: the claim's card wins
    _, p = build(con, records=[{"insurance_card": "HC4010000000003", "updated_at": date(2026, 3, 1)}],
                 claims=[_claim("LK1", "2026-02-01", insurance_card="GD4010000000002")])
    assert chosen(con, p, "insurance")["value"] == "GD4010000000002"


def test_without_card_list_or_claim_the_hssk_card_stays(con):
    _, p = build(con, records=[{"insurance_card": "HC4010000000003"}])
    card = chosen(con, p, "insurance")
    assert (card["value"], card["source"], card["differs"]) == ("HC4010000000003", "hssk", False)


def test_the_phone_is_the_newest_non_empty_one(con):
    _, p = build(con, records=[{"phone": "0912345678", "updated_at": date(2026, 3, 1)}],
                 claims=[_claim("LK1", "2026-03-10", phone="0987654321"), _claim("LK2", "2026-03-20", phone=None)])
    phone = chosen(con, p, "mobile_phone")
    assert (phone["value"], phone["source"], phone["record_id"], phone["differs"]) == (
        "0987654321", "claims", "LK1", True)


def test_health_categories_are_united_across_records_and_visits(con):
    _, p = build(con, records=[{"chronic_disease": "Không", "updated_at": date(2025, 1, 1)},
                               {"chronic_disease": "Đái tháo đường", "vaccination": "Không",
                                "updated_at": date(2026, 1, 1)}],
                 claims=[_claim("LK1", "2026-02-01", diagnosis_codes="I10", event_code="I10")])
    chronic = chosen(con, p, "chronic_disease")
    # newest first; "Không" gives way to a named disease
    assert chronic["value"] == "Tăng huyết áp (I10); Đái tháo đường"
    assert chronic["source"] == "claims|hssk"
    assert chronic["differs"]
    assert chosen(con, p, "vaccination")["value"] == "Không"


def test_a_decision_beats_the_rules_and_survives_a_new_import(con):
    w, p = build(con, records=[{"phone": "0912345678"}])
    golden.decide(con, p, "mobile_phone", "0900000001", note="gọi điện xác nhận")
    golden.decide(con, p, "mobile_phone", "0900000002", note="số mới")
    phone = chosen(con, p, "mobile_phone")
    assert (phone["value"], phone["source"]) == ("0900000002", "decision")
    reg = person_row("001190000001", "Nguyễn Thị An", "nguyễn thị an", "1990-05-10", "F", "Giang Cao")
    w.add("hssk", 6, p, **record_like(reg, "H01.1", phone="0911111111"))  # a new HSSK snapshot
    phone = chosen(con, p, "mobile_phone")
    assert (phone["value"], phone["source"], phone["hssk_value"]) == ("0900000002", "decision", "0911111111")
    assert con.execute("select count(*) from golden_decisions").fetchall()[0][0] == 2  # append-only
    with pytest.raises(Exception, match="không có trong danh sách"):
        golden.decide(con, p, "shoe_size", "42")


def test_the_export_follows_the_platform_order_per_village(con, tmp_path):
    w, _ = build(con)
    build(con, pid="001190000002", village="Khoan Tế", records=[{"phone": None}], w=w)
    fields = kpi.admin_fields()
    expected = ["Thôn", "Mã người (công cụ)", "Mã HSSK", *fields["label_vi"], *golden.HEALTH_LABELS.values(),
                "Khác HSSK hiện tại", "Nguồn"]
    book = openpyxl.load_workbook(golden.export(con, tmp_path / "nhap.xlsx", as_of=AS_OF))
    assert book.sheetnames == ["Giang Cao", "Khoan Tế", "Nguồn từng trường"]
    header = [c.value for c in next(book["Giang Cao"].iter_rows(max_row=1))]
    assert header == expected
    csv = pd.read_csv(golden.export(con, tmp_path / "kt.csv", as_of=AS_OF, village="Khoan Tế"), dtype=str)
    assert list(csv.columns) == expected
    assert list(csv["Thôn"]) == ["Khoan Tế"] and csv.loc[0, "Ngày sinh"] == "10/05/1990"
    assert csv.loc[0, "Giới tính"] == "Nữ" and csv.loc[0, "Dân tộc"] == "Kinh"
    paths = golden.export_per_village(con, tmp_path / "thon", "csv", as_of=AS_OF)
    assert [p.name for p in paths] == ["nhap_lieu_Giang_Cao.csv", "nhap_lieu_Khoan_Tế.csv"]


def test_an_unknown_rule_is_refused_in_vietnamese(tmp_path):
    import shutil

    from hssk import config, reference
    from hssk.errors import HsskError

    directory = tmp_path / "reference"
    shutil.copytree(config.REFERENCE_DIR, directory)
    with open(directory / "survivorship.csv", "a", encoding="utf-8") as fh:
        fh.write("email,longest,hssk,\n")
    with pytest.raises(HsskError, match="quy tắc không hợp lệ: longest"):
        golden.rules(directory)
    reference.reload()
