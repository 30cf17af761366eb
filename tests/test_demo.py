"""The seeded demo generator: deterministic files that look like station exports, and a truth that matches them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from hssk.config import REFERENCE_DIR
from hssk.demo import generate, true_clusters, true_pairs
from hssk.demo.names import strip_diacritics, tone_variant, typo
from hssk.demo.writers import to_cp1258_text
from hssk.normalize.legacy import decode_tcvn3, decode_vni

RESIDENTS = 1500
KINDS = ("population", "hssk", "deaths", "insurance", "care")
HEALTH_HEADERS = {  # category -> header in part 1 / part 2 of the HSSK export
    "chronic_disease": ("Bệnh mạn tính", "Bệnh không lây nhiễm"),
    "vaccination": ("Tiêm chủng", "Lịch sử tiêm chủng"),
    "medical_history": ("Tiền sử bệnh", "Tiền sử bệnh tật"),
    "reproductive_health": ("Sức khỏe sinh sản", "Sức khỏe sinh sản"),
    "infectious_disease": ("Bệnh truyền nhiễm", "Bệnh truyền nhiễm"),
}
RECORD_ID_HEADER = {"population": ("Số định danh cá nhân",), "hssk": ("Mã HSSK", "Mã hồ sơ"),
                    "insurance": ("Mã thẻ BHYT",)}


# --- reading the files back, independently of the generator -------------------------------------------------

def text(value) -> str:
    """A cell as a user sees it: 1085012345 -> '1085012345', a date cell -> 'YYYY-MM-DD', None -> ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


def read_table(path: Path) -> tuple[list[str], list[list], dict]:
    """(headers, data rows as raw cell values, facts about the file)."""
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
        header_at = next(i for i, r in enumerate(rows) if sum(v is not None for v in r) >= 3)
        headers = [text(v) for v in rows[header_at]]
        data = [r + [None] * (len(headers) - len(r)) for r in rows[header_at + 1:]]
        return headers, data, {"title_rows": [text(r[0]) for r in rows[:header_at]]}
    raw = path.read_bytes()
    facts = {"bom": raw.startswith(b"\xef\xbb\xbf")}
    try:
        content = raw.decode("utf-8-sig")
        facts["encoding"] = "utf-8"
    except UnicodeDecodeError:
        content = unicodedata.normalize("NFC", raw.decode("cp1258"))  # cp1258 text is base letters + marks
        facts["encoding"] = "cp1258"
    first = content.split("\n", 1)[0]
    facts["sep"] = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(content, newline=""), delimiter=facts["sep"]))
    return rows[0], rows[1:], facts


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    made = generate(out, residents=RESIDENTS, seed=7)
    return made


@pytest.fixture(scope="module")
def truth(demo):
    d = demo["truth_dir"]
    read = lambda name: pd.read_csv(d / name, dtype=str, keep_default_na=False)
    return {
        "records": read("records.csv"), "persons": read("persons.csv"), "errors": read("field_errors.csv"),
        "quality": read("village_quality.csv"), "kpi": json.loads((d / "kpi_truth.json").read_text("utf-8")),
    }


@pytest.fixture(scope="module")
def tables(demo):
    return {p.name: read_table(p) for paths in demo["files"].values() for p in paths}


# --- determinism --------------------------------------------------------------------------------------------

def _all_bytes(made) -> dict[str, bytes]:
    paths = [p for ps in made["files"].values() for p in ps] + sorted(made["truth_dir"].iterdir())
    return {p.name: p.read_bytes() for p in paths}


def test_same_seed_gives_identical_bytes(demo, tmp_path):
    again = generate(tmp_path / "again", residents=RESIDENTS, seed=7)
    first, second = _all_bytes(demo), _all_bytes(again)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_another_seed_gives_other_data(demo, tmp_path):
    other = generate(tmp_path / "other", residents=RESIDENTS, seed=8)
    assert _all_bytes(other)["hssk_xuat_phan2.csv"] != _all_bytes(demo)["hssk_xuat_phan2.csv"]


# --- the files look like station exports -------------------------------------------------------------------

def test_all_five_kinds_are_written(demo, truth):
    assert set(demo["files"]) == set(KINDS)
    assert all(p.exists() and p.stat().st_size > 0 for ps in demo["files"].values() for p in ps)
    assert [p.suffix for p in demo["files"]["hssk"]] == [".xlsx", ".csv"]
    assert set(truth["records"]["source"]) == set(KINDS)


def test_register_has_two_title_rows_above_the_header(tables):
    headers, rows, facts = tables["dan_cu_thuong_tru.xlsx"]
    assert facts["title_rows"] == ["DANH SÁCH CÔNG DÂN THƯỜNG TRÚ", "Xã Bát Tràng – Hà Nội"]
    assert headers[0] == "Họ, chữ đệm và tên"
    assert len(rows) == RESIDENTS
    ids = [r[headers.index("Số định danh cá nhân")] for r in rows]
    assert all(isinstance(v, str) and len(v) == 12 for v in ids)  # the register keeps IDs as text


def test_hssk_part1_has_ids_as_numbers_that_lost_their_zeros(tables):
    headers, rows, _ = tables["hssk_xuat_phan1.xlsx"]
    cccd = [r[headers.index("Số CCCD")] for r in rows]
    numbers = [v for v in cccd if isinstance(v, int)]
    assert len(numbers) > 0.5 * len(rows)
    assert all(len(str(v)) < 12 for v in numbers if str(v).startswith("1"))  # '001…' became 1…
    births = [r[headers.index("Ngày sinh")] for r in rows]
    assert any(isinstance(v, dt.datetime) for v in births)  # Excel date cells
    assert any(isinstance(v, int) and v > 5000 for v in births)  # plain Excel serial numbers


def test_csv_encodings_and_separators(tables):
    _, _, part2 = tables["hssk_xuat_phan2.csv"]
    assert part2 == {"bom": True, "encoding": "utf-8", "sep": ";"}
    headers, rows, deaths = tables["khai_tu.csv"]
    assert deaths["encoding"] == "cp1258" and not deaths["bom"]
    names = [r[headers.index("Họ và tên")] for r in rows]
    assert any(any(ch in n for ch in "ễệốờữ") for n in names)  # real Vietnamese text survived cp1258
    assert tables["kham_chua_benh_tiem_chung.csv"][2] == {"bom": False, "encoding": "utf-8", "sep": ","}


def test_header_aliases_differ_between_files_and_one_column_is_unknown(tables):
    h1, h2 = tables["hssk_xuat_phan1.xlsx"][0], tables["hssk_xuat_phan2.csv"][0]
    assert len(h1) == 27 and len(h2) == 28
    assert not set(h1) & {"HOTEN", "NGAYSINH", "GIOITINH", "MADINHDANH"} and {"HOTEN", "MADINHDANH"} <= set(h2)
    everything = [h for headers, _, _ in tables.values() for h in headers]
    assert everything.count("Ghi chú") == 1


# --- truth matches the files -------------------------------------------------------------------------------

def test_truth_rows_match_file_rows_and_ids(tables, truth):
    records = truth["records"]
    for name, (headers, rows, _) in tables.items():
        mine = records[records["file"] == name]
        assert len(mine) == len(rows), name
        assert list(mine["row_number"].astype(int)) == list(range(1, len(rows) + 1))
        kind = mine["source"].iloc[0]
        if kind in RECORD_ID_HEADER:
            col = next(headers.index(h) for h in RECORD_ID_HEADER[kind] if h in headers)
            assert [text(r[col]) for r in rows] == list(mine["record_id"]), name
        else:  # deaths and care: the 1-based row number
            assert list(mine["record_id"]) == [str(i) for i in range(1, len(rows) + 1)]
    assert records.groupby("source")["record_id"].apply(lambda s: s.is_unique).all()


def test_register_records_are_the_register_persons(truth):
    persons, records = truth["persons"], truth["records"]
    register = records[records["source"] == "population"].merge(persons, on="person_uid")
    assert (register["record_id"] == register["personal_id"]).all()
    assert set(register["person_uid"]) == set(persons.loc[persons["on_register"] == "1", "person_uid"])
    counts = records[records["source"] == "hssk"].groupby("person_uid").size()
    n = persons.set_index("person_uid")["n_hssk_records"].astype(int)
    assert (n[n > 0] == counts.reindex(n[n > 0].index)).all() and n.sum() == counts.sum()


def test_written_values_in_the_truth_are_the_cells_in_the_files(tables, truth):
    errors = truth["errors"]
    hssk = errors[errors["source"] == "hssk"]
    header_of = {"full_name": ("Họ và tên", "HOTEN"), "birth_date": ("Ngày sinh", "NGAYSINH"),
                 "personal_id": ("Số CCCD", "MADINHDANH"), "village": ("Thôn", "Thôn/xóm"),
                 "address": ("Địa chỉ thường trú", "Nơi thường trú"), "sex": ("Giới tính", "GIOITINH")}
    checked = 0
    for part, name in enumerate(("hssk_xuat_phan1.xlsx", "hssk_xuat_phan2.csv")):
        headers, rows, _ = tables[name]
        by_id = {text(r[0]): r for r in rows}
        for e in hssk[(hssk["file"] == name) & hssk["field"].isin(header_of)].itertuples():
            cell = by_id[e.record_id][headers.index(header_of[e.field][part])]
            if isinstance(cell, int) and e.field == "personal_id":  # the number kept no leading zeros
                assert str(cell) == e.written_value.lstrip("0")
            else:
                assert text(cell) == e.written_value, (e.record_id, e.field)
            checked += 1
    assert checked > 500


def test_cells_without_a_logged_error_hold_the_true_value(tables, truth):
    """The log is complete: a name or ID cell that differs from the register always has an error row."""
    persons = truth["persons"].set_index("person_uid")
    owner = truth["records"].set_index("record_id")["person_uid"]
    logged = set(zip(truth["errors"]["record_id"], truth["errors"]["field"]))
    headers, rows, _ = tables["hssk_xuat_phan2.csv"]
    for r in rows:
        rid = r[0]
        person = persons.loc[owner[rid]]
        if (rid, "full_name") not in logged:
            assert r[headers.index("HOTEN")] == person["full_name"]
        if (rid, "personal_id") not in logged:
            assert r[headers.index("MADINHDANH")] == person["personal_id"]


COSMETIC_REPAIRS = {  # error -> a repair that must give back the true value
    "nfd": lambda s: unicodedata.normalize("NFC", s),
    "all_caps": lambda s: s,  # compared case-insensitively
    "extra_spaces": lambda s: " ".join(s.split()),
    "tone_variant": tone_variant,
    "tcvn3": decode_tcvn3,
    "vni": decode_vni,
}


def test_single_cosmetic_name_errors_are_repairable(truth):
    errors = truth["errors"]
    names = errors[(errors["source"] == "hssk") & (errors["field"] == "full_name")]
    single = names.groupby("record_id").filter(lambda g: len(g) == 1)
    seen = Counter()
    for e in single.itertuples():
        if e.error in COSMETIC_REPAIRS:
            assert e.kind == "cosmetic"
            repaired = COSMETIC_REPAIRS[e.error](e.written_value)
            assert repaired.casefold() == e.true_value.casefold(), (e.error, e.written_value)
            seen[e.error] += 1
    assert set(seen) == set(COSMETIC_REPAIRS)


def test_real_name_errors_change_the_name(truth):
    errors = truth["errors"]
    real = errors[(errors["field"] == "full_name") & (errors["kind"] == "real")]
    assert {"missing_middle", "no_diacritics", "typo"} <= set(real["error"])
    for e in real[real["error"] == "missing_middle"].itertuples():
        assert len(e.written_value.split()) < len(e.true_value.split())
    for e in real[real["error"] == "no_diacritics"].itertuples():
        written = " ".join(e.written_value.split()).casefold()  # extra spaces may come on top
        assert written == strip_diacritics(e.true_value).casefold() != e.true_value.casefold()


def test_all_error_kinds_appear(truth):
    kinds = set(zip(truth["errors"]["field"], truth["errors"]["error"]))
    expected = {("birth_date", e) for e in ("year_only", "month_year", "swapped_day_month", "date_d_m_yy",
                                             "date_iso", "excel_serial", "excel_date_cell")}
    expected |= {("personal_id", e) for e in ("missing", "one_digit_off", "transposed_digits",
                                              "cmnd_in_id_column", "id_spaced", "id_apostrophe")}
    expected |= {("sex", "sex_format"), ("ethnicity", "ethnicity_format"), ("village", "village_blank"),
                 ("village", "wrong_village"), ("address", "old_address")}
    assert expected <= kinds


# --- population model and hard cases -----------------------------------------------------------------------

def test_personal_ids_follow_the_cccd_layout(truth):
    persons = truth["persons"]
    provinces = set(pd.read_csv(REFERENCE_DIR / "cccd_province_codes.csv", dtype=str)["code"])
    pid = persons["personal_id"]
    assert pid.str.fullmatch(r"\d{12}").all() and pid.is_unique
    assert pid.str[:3].isin(provinces).all()
    assert (pid.str[:3] == "001").mean() > 0.8
    year = persons["birth_date"].str[:4].astype(int)
    century_digit = (year // 100 - 19) * 2 + (persons["sex"] == "F").astype(int)
    assert (pid.str[3].astype(int) == century_digit).all()
    assert (pid.str[4:6].astype(int) == year % 100).all()
    children = persons[persons["age"].astype(int) < 6]
    assert len(children) and children["personal_id"].str.len().eq(12).all()  # registered at birth


def test_other_identifiers_are_well_formed(truth):
    persons = truth["persons"]
    groups = set(pd.read_csv(REFERENCE_DIR / "bhyt_group_codes.csv", dtype=str)["code"])
    cmnd = persons["old_id"][persons["old_id"] != ""]
    assert len(cmnd) and cmnd.str.fullmatch(r"\d{9}").all()
    assert (persons.loc[persons["old_id"] != "", "age"].astype(int) >= 20).all()
    bhxh = persons["social_insurance_no"]
    assert bhxh.str.fullmatch(r"\d{10}").all() and bhxh.is_unique
    card = persons["insurance_card"]
    assert card.str.fullmatch(r"[A-Z]{2}[1-5]01\d{10}").all()
    assert (card.str[5:] == bhxh).all() and card.str[:2].isin(groups).all()
    phones = persons["phone"][persons["phone"] != ""]
    assert phones.str.fullmatch(r"0[35789]\d{8}").all()


def test_population_is_plausible(truth):
    persons = truth["persons"]
    register = persons[persons["on_register"] == "1"]
    age = register["age"].astype(int)
    assert age.min() == 0 and 80 <= age.max() <= 95
    family = register["full_name"].str.split().str[0]
    assert family.value_counts(normalize=True)["Nguyễn"] == pytest.approx(0.36, abs=0.06)
    assert register["household_code"].nunique() < len(register) / 2
    assert (register["ethnicity"] == "01").mean() > 0.9 and (register["ethnicity"] != "01").any()
    share = register["register_status"].value_counts(normalize=True)
    assert 0.005 < share["dead"] < 0.02 and 0.005 < share["moved"] < 0.02
    assert register["village"].nunique() == 12


def test_hard_cases_are_planted(truth):
    persons = truth["persons"]
    hard = persons[persons["hard_case"] != ""]
    groups = hard.groupby("hard_group")
    seen = Counter()
    for _, g in groups:
        assert len(g) == 2
        a, b = g.iloc[0], g.iloc[1]
        case = a["hard_case"]
        seen[case] += 1
        assert b["hard_case"] == case and a["personal_id"] != b["personal_id"]
        if case == "twin":
            assert a["household_code"] == b["household_code"] and a["birth_date"] == b["birth_date"]
            assert a["full_name"].split()[-1] != b["full_name"].split()[-1]
        elif case == "same_name_year_village":
            assert a["full_name"] == b["full_name"] and a["village"] == b["village"]
            assert a["birth_date"][:4] == b["birth_date"][:4] and a["birth_date"] != b["birth_date"]
            assert a["household_code"] != b["household_code"]
        else:
            assert case == "same_name_dob_other_village"
            assert (a["full_name"], a["birth_date"]) == (b["full_name"], b["birth_date"])
            assert a["village"] != b["village"]
    assert min(seen[c] for c in ("twin", "same_name_year_village", "same_name_dob_other_village")) >= 3
    assert (hard["n_hssk_records"].astype(int) >= 1).all()


def test_hssk_holders_duplicates_deceased_and_off_register(truth):
    persons = truth["persons"]
    n = persons["n_hssk_records"].astype(int)
    alive = (persons["on_register"] == "1") & (persons["register_status"] == "alive") & (
        persons["in_deaths_file"] == "0")
    assert 0.02 < (n[alive] == 0).mean() < 0.12
    assert 0.01 < (n[alive] >= 2).mean() < 0.06 and (n == 3).any()
    assert (n[persons["status"] == "dead"] >= 1).any()
    off_records = n[persons["on_register"] == "0"].sum()
    assert 0.01 < off_records / n.sum() < 0.04
    unrecorded = persons[(persons["in_deaths_file"] == "1") & (persons["register_status"] == "alive")]
    assert len(unrecorded) >= 1 and (unrecorded["status"] == "dead").all()


def test_duplicate_records_of_one_person_differ(tables, truth):
    records = truth["records"]
    hssk = records[records["source"] == "hssk"]
    rows = {}
    for name in ("hssk_xuat_phan1.xlsx", "hssk_xuat_phan2.csv"):
        headers, data, _ = tables[name]
        updated = headers.index("Ngày cập nhật" if "Ngày cập nhật" in headers else "Ngày cập nhật cuối")
        rows.update({text(r[0]): tuple(text(v) for i, v in enumerate(r) if i not in (0, updated)) for r in data})
    dups = hssk.groupby("person_uid")["record_id"].apply(list)
    dups = dups[dups.str.len() >= 2]
    assert len(dups) > 10
    assert all(len({rows[r] for r in ids}) == len(ids) for ids in dups)


def test_deaths_insurance_and_care_files(tables, truth):
    persons = truth["persons"].set_index("person_uid")
    records = truth["records"]
    deaths = records[records["source"] == "deaths"].merge(persons, left_on="person_uid", right_index=True)
    assert (deaths["status"] == "dead").all()
    d_headers, d_rows, _ = tables["khai_tu.csv"]
    assert any(r[d_headers.index("Số định danh cá nhân")] == "" for r in d_rows)

    insured = records[records["source"] == "insurance"]["person_uid"]
    register_alive = persons[(persons["on_register"] == "1") & (persons["status"] == "alive")].index
    assert 0.7 < insured.isin(register_alive).sum() / len(register_alive) < 0.9

    headers, rows, _ = tables["kham_chua_benh_tiem_chung.csv"]
    pid, card = headers.index("Số định danh cá nhân"), headers.index("Số thẻ BHYT")
    assert any(r[pid] == "" and r[card] == "" for r in rows)  # known only by name + DOB + sex
    assert any(r[pid] and not r[card] for r in rows) and any(r[card] and not r[pid] for r in rows)
    kinds = Counter(r[headers.index("Loại dịch vụ")] for r in rows)
    assert set(kinds) == {"khám bệnh", "tiêm chủng", "xét nghiệm", "quản lý bệnh mạn tính", "sức khỏe sinh sản"}
    assert {"HIS", "TCMR"} <= {r[headers.index("Hệ thống nguồn")] for r in rows}


def test_villages_differ_in_quality(truth):
    quality = truth["quality"].set_index("profile")
    kpi = truth["kpi"]["villages"]
    clean, messy = quality.loc["clean", "village"], quality.loc["messy", "village"]
    low = quality.loc["low_coverage", "village"]
    assert kpi[clean]["coverage"] > kpi[low]["coverage"] + 0.08
    assert kpi[clean]["kpi_admin"] > kpi[messy]["kpi_admin"] + 0.2
    errors, records, persons = truth["errors"], truth["records"], truth["persons"]
    hssk = records[records["source"] == "hssk"].merge(persons[["person_uid", "village"]], on="person_uid")
    real = errors[(errors["source"] == "hssk") & (errors["kind"] == "real")]
    rate = real.merge(hssk, on="record_id").groupby("village").size() / hssk.groupby("village").size()
    assert rate[clean] < rate[messy] / 3
    legacy = quality.loc["legacy_fonts", "village"]
    tcvn3 = errors[errors["error"].isin(["tcvn3", "vni"])].merge(hssk, on="record_id")
    assert tcvn3["village"].value_counts().idxmax() == legacy


# --- KPI truth -------------------------------------------------------------------------------------------------

def test_kpi_truth_agrees_with_persons_records_and_errors(truth):
    persons, records, errors = truth["persons"], truth["records"], truth["errors"]
    kpi = truth["kpi"]
    n = persons["n_hssk_records"].astype(int)
    alive = (persons["on_register"] == "1") & (persons["register_status"] == "alive") & (
        persons["in_deaths_file"] == "0")
    admin_fields = ["full_name", "birth_date", "sex", "personal_id", "ethnicity", "village"]
    bad_ids = set(errors.loc[(errors["source"] == "hssk") & (errors["kind"] == "real")
                             & errors["field"].isin(admin_fields), "record_id"])
    hssk = records[records["source"] == "hssk"]
    bad_person = set(hssk.loc[hssk["record_id"].isin(bad_ids), "person_uid"])
    off = set(persons.loc[persons["on_register"] == "0", "person_uid"])
    dead = persons["status"] == "dead"

    def expected(sel):
        res = int((alive & sel).sum())
        admin = int((alive & sel & (n == 1) & ~persons["person_uid"].isin(bad_person)).sum())
        uids = set(persons.loc[sel, "person_uid"])
        return {
            "residents_alive": res, "with_record": int((alive & sel & (n >= 1)).sum()),
            "missing_record": int((alive & sel & (n == 0)).sum()),
            "duplicate_persons": int((alive & sel & (n >= 2)).sum()),
            "extra_records": int((n - 1).clip(lower=0)[alive & sel].sum()),
            "deceased_with_record": int((dead & sel & (n >= 1)).sum()),
            "off_register_records": int(hssk["person_uid"].isin(off & uids).sum()),
            "hssk_records": int(hssk["person_uid"].isin(uids).sum()),
            "kpi_admin_count": admin,
        }

    everyone = pd.Series(True, index=persons.index)
    assert {k: kpi["overall"][k] for k in expected(everyone)} == expected(everyone)
    for village, figures in kpi["villages"].items():
        exp = expected(persons["village"] == village)
        assert {k: figures[k] for k in exp} == exp, village
    o = kpi["overall"]
    assert o["coverage"] == pytest.approx(o["with_record"] / o["residents_alive"])
    assert o["kpi_admin"] == pytest.approx(o["kpi_admin_count"] / o["residents_alive"])
    for key in ("residents_alive", "hssk_records", "kpi_admin_count", "kpi_health_count"):
        assert sum(v[key] for v in kpi["villages"].values()) == o[key]


def test_kpi_health_agrees_with_the_health_cells_in_the_files(tables, truth):
    records, persons, kpi = truth["records"], truth["persons"], truth["kpi"]
    filled = {}
    for part, name in enumerate(("hssk_xuat_phan1.xlsx", "hssk_xuat_phan2.csv")):
        headers, rows, _ = tables[name]
        cols = {cat: headers.index(h[part]) for cat, h in HEALTH_HEADERS.items()}
        for r in rows:
            filled[text(r[0])] = {cat: text(r[i]).strip() != "" for cat, i in cols.items()}
    hssk = records[records["source"] == "hssk"]
    per_person = pd.DataFrame([filled[r] for r in hssk["record_id"]], index=hssk["person_uid"]).groupby(level=0).any()
    p = persons.set_index("person_uid")
    alive = (p["on_register"] == "1") & (p["register_status"] == "alive") & (p["in_deaths_file"] == "0")
    age = p["age"].astype(int)
    women = (p["sex"] == "F") & age.between(15, 49)
    got = per_person.reindex(p.index, fill_value=False)
    holds = p["n_hssk_records"].astype(int) >= 1
    complete = holds & got["chronic_disease"] & got["vaccination"] & got["medical_history"] & got[
        "infectious_disease"] & (got["reproductive_health"] | ~women)
    assert int((alive & complete).sum()) == kpi["overall"]["kpi_health_count"]
    assert int((alive & holds & women & got["reproductive_health"]).sum()) == kpi["overall"][
        "health_reproductive_health_count"]
    assert 0.4 < kpi["overall"]["kpi_health"] < kpi["overall"]["kpi_health_with_care"] <= 1


def test_true_clusters_and_pairs(demo, truth):
    clusters = true_clusters(demo["truth_dir"])
    assert list(clusters.columns) == ["source", "record_id", "person_uid"] and len(clusters) == len(truth["records"])
    pairs = true_pairs(demo["truth_dir"], sources=("hssk",))
    dup_persons = truth["persons"].loc[truth["persons"]["n_hssk_records"].astype(int) >= 2, "person_uid"]
    assert set(pairs["person_uid"]) == set(dup_persons)
    assert (pairs["record_id_l"] != pairs["record_id_r"]).all()


# --- the benchmark format --------------------------------------------------------------------------------

def test_csv_format_writes_plain_utf8_csv(tmp_path):
    made = generate(tmp_path, residents=300, seed=3, fmt="csv")
    records = pd.read_csv(made["truth_dir"] / "records.csv", dtype=str, keep_default_na=False)
    for paths in made["files"].values():
        for path in paths:
            headers, rows, facts = read_table(path)
            assert path.suffix == ".csv" and facts == {"bom": False, "encoding": "utf-8", "sep": ","}
            assert len(rows) == (records["file"] == path.name).sum()
    headers, rows, _ = read_table(tmp_path / "dan_cu_thuong_tru.csv")
    assert headers[0] == "Họ, chữ đệm và tên" and len(rows) == 300


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, residents=10)
    with pytest.raises(ValueError):
        generate(tmp_path, residents=100, fmt="parquet")


# --- small helpers -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("word, variant", [
    ("Hòa", "Hoà"), ("Hoà", "Hòa"), ("Thủy", "Thuỷ"), ("Thúy", "Thuý"), ("Khỏe", "Khoẻ"), ("HÒA", "HOÀ"),
    ("Nguyễn Thị Thụy", "Nguyễn Thị Thuỵ"),
    ("Hoàng", "Hoàng"), ("Huỳnh", "Huỳnh"), ("Quý", "Quý"), ("Khoa", "Khoa"), ("Toàn", "Toàn"), ("", ""),
])
def test_tone_variant_moves_marks_only_in_open_oa_oe_uy(word, variant):
    assert tone_variant(word) == variant


def test_strip_diacritics_maps_d_bar():
    assert strip_diacritics("Nguyễn Thị Huệ Đức") == "Nguyen Thi Hue Duc"


def test_typo_always_changes_the_word_into_a_writable_one():
    rng = np.random.default_rng(0)
    for word in ["Hương", "Lan", "Hòa", "An", "Nguyễn", "Hiệp", "Quỳnh", "Đặng"] * 30:
        t = typo(word, rng)
        assert t not in (word, tone_variant(word)) and unicodedata.is_normalized("NFC", t)
        to_cp1258_text(t.upper()).encode("cp1258")  # Windows-1258 can hold it (no stray marks)


@pytest.mark.parametrize("name", ["Nguyễn Văn An", "Trần Thị Hòa", "Phạm Hữu Đức", "Bùi Thị Thủy", "Lê Quý Hưng"])
def test_cp1258_text_round_trips(name):
    data = to_cp1258_text(name).encode("cp1258")
    assert unicodedata.normalize("NFC", data.decode("cp1258")) == name
    assert re.search(rb"[\x80-\xff]", data)
