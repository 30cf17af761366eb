"""Claim diagnoses → health categories (data/reference/icd10_categories.csv), fill suggestions with evidence and
kpi_health_if_filled, on hand-made people (reference date 2026-03-31)."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from hssk import config, icd10, kpi, reference
from tests.kpi_world import AS_OF, FULL_HEALTH, World, ensure_link_tables, person_row, record_like

NOTHING = dict.fromkeys(FULL_HEALTH)


@pytest.mark.parametrize(("code", "expected"), [
    ("I10", [("chronic_disease", "Tăng huyết áp"), ("medical_history", "")]),
    ("E11.9", [("chronic_disease", "Đái tháo đường"), ("medical_history", "")]),
    ("A09", [("infectious_disease", "Bệnh nhiễm trùng đường ruột"), ("medical_history", "")]),
    ("B08.4", [("infectious_disease", "Bệnh tay chân miệng"), ("medical_history", "")]),
    ("B08.1", [("infectious_disease", "Bệnh nhiễm trùng và ký sinh trùng"), ("medical_history", "")]),
    ("Z24.6", [("vaccination", "Tiêm chủng phòng bệnh do virus")]),
    ("Z26", [("vaccination", "Tiêm chủng phòng bệnh")]),
    ("Z34.9", [("reproductive_health", "Khám thai (thai bình thường)")]),
    ("O80", [("reproductive_health", "Thai nghén sinh đẻ và hậu sản"), ("medical_history", "")]),
    ("Z00.0", []),
    ("R51", []),
])
def test_codes_fill_the_categories_of_the_reference_file(code, expected):
    assert icd10.categories_of(code) == expected


def world_of(con, people: list[tuple[str, dict, list[dict], list[dict]]]) -> World:
    """people: (pid, register changes, HSSK records (changes), claim visits (clean columns))."""
    ensure_link_tables(con)
    w = World(con)
    for i, (pid, register, records, visits) in enumerate(people):
        reg = person_row(pid, "Nguyễn Văn An", "nguyễn văn an", "1980-01-01", "M", f"Thôn {i}")
        reg.update(register)
        w.add("population", 1, "P" + pid, **reg)
        for j, changes in enumerate(records, 1):
            w.add("hssk", 2, "P" + pid, **record_like(reg, f"H{i}.{j}", **changes))
        for visit in visits:
            w.add("claims", 3, "P" + pid, **visit)
    return w


def visit(ma_lk, day, codes, facility="01880", text=None):
    return {"record_id": ma_lk, "event_date": date.fromisoformat(day), "diagnosis_codes": codes,
            "event_code": codes.split(";")[0], "event_description": text, "source_system": facility}


def test_the_sql_matches_categories_of(con):
    codes = ["I10", "E11.9", "A09", "B08.4", "B08.1", "Z24.6", "Z34.9", "O80", "Z00.0", "R51", "J45", "C50.9",
             "S52.5", "U07.1"]
    world_of(con, [("001080000001", {}, [NOTHING], [visit("LK1", "2026-01-01", ";".join(codes))])])
    kpi.run(con, "worklist_health_fill", as_of=AS_OF, village=None)  # builds the evidence view
    got = {(r[0], r[1]) for r in con.execute("select code, category from kpi_health_evidence").fetchall()}
    assert got == {(c, cat) for c in codes for cat, _ in icd10.categories_of(c)}


def suggestions(con, as_of=AS_OF):
    frame = kpi.health_suggestions(con, as_of)
    return {(r.record_id, r.category): r for r in frame.itertuples(index=False)}, frame


def test_a_missing_category_gets_the_newest_evidence_with_its_source(con):
    world_of(con, [("001080000001", {}, [{**FULL_HEALTH, "chronic_disease": None, "infectious_disease": None,
                                          "reproductive_health": None}],
                    [visit("LK0", "2025-05-01", "I10", "01815"), visit("LK1", "2026-01-10", "K29.7;I10", "01880"),
                     visit("LK2", "2026-02-01", "Z00.0")])])
    rows, _ = suggestions(con)
    assert set(rows) == {("H0.1", "chronic_disease")}  # infectious: no evidence; the others filled
    row = rows["H0.1", "chronic_disease"]
    assert (row.value_to_enter, row.facility, row.event_date.date(), row.visit_key, row.source, row.n_evidence) == (
        "Tăng huyết áp (I10)", "01880", date(2026, 1, 10), "LK1", "claims", 2)


def test_reproductive_health_is_suggested_only_for_women_15_to_49(con):
    antenatal = [visit("LK1", "2026-01-10", "Z34.9")]
    world_of(con, [
        ("001190000001", {"sex": "F", **_birth("1990-05-10")}, [{**FULL_HEALTH, "reproductive_health": None}],
         antenatal),
        ("001170000002", {"sex": "F", **_birth("1970-05-10")}, [{**FULL_HEALTH, "reproductive_health": None}],
         antenatal),
        ("001090000003", {"sex": "M", **_birth("1990-05-10")}, [{**FULL_HEALTH, "reproductive_health": None}],
         antenatal),
    ])
    rows, _ = suggestions(con)
    assert set(rows) == {("H0.1", "reproductive_health")}
    assert rows["H0.1", "reproductive_health"].value_to_enter == "Khám thai (thai bình thường) (Z34.9)"


def _birth(iso):
    from tests.kpi_world import birth_cols

    return birth_cols(iso)


def test_suggestions_are_listed_newest_first_and_a_blank_name_uses_the_claim_text(con):
    world_of(con, [
        ("001080000001", {}, [{**FULL_HEALTH, "medical_history": None}],
         [visit("LK1", "2025-03-01", "S52.5", text="Gãy xương cẳng tay")]),
        ("001080000002", {}, [{**FULL_HEALTH, "vaccination": None}], [visit("LK2", "2026-03-01", "Z24.6")]),
    ])
    _, frame = suggestions(con)
    assert list(frame["visit_key"]) == ["LK2", "LK1"]
    assert list(frame["value_to_enter"]) == ["Tiêm chủng phòng bệnh do virus (Z24.6)", "Gãy xương cẳng tay (S52.5)"]


def test_care_events_are_evidence_too_and_the_missing_worklist_lists_claims(con):
    w = world_of(con, [("001080000001", {}, [{**FULL_HEALTH, "vaccination": None, "chronic_disease": None}],
                        [visit("LK1", "2026-01-10", "I10;E11")])])
    w.add("care", 4, "P001080000001", event_date=date(2025, 6, 1), event_kind="vaccination", event_code="UV",
          event_description="Uốn ván", source_system="TCMR")
    rows, _ = suggestions(con)
    assert rows["H0.1", "vaccination"].value_to_enter == "Uốn ván (UV)"
    assert rows["H0.1", "vaccination"].source == "care"
    missing = kpi.run(con, "worklist_health_missing", as_of=AS_OF, village=None).set_index("category")
    assert missing.loc["chronic_disease", "care_events"] == 1  # one visit, two chronic codes
    assert "I10 Tăng huyết áp (01880)" in missing.loc["chronic_disease", "suggestion"]


def test_kpi_health_if_filled_counts_the_people_every_suggestion_completes(con):
    world_of(con, [
        # completed by the claims: chronic from I10, infectious from A09
        ("001080000001", {}, [{**FULL_HEALTH, "chronic_disease": None, "infectious_disease": None,
                               "reproductive_health": None}],
         [visit("LK1", "2026-01-10", "I10"), visit("LK2", "2025-01-10", "A09")]),
        # still incomplete: vaccination has no evidence
        ("001080000002", {}, [{**FULL_HEALTH, "chronic_disease": None, "vaccination": None,
                               "reproductive_health": None}], [visit("LK3", "2026-01-10", "I10")]),
        # complete already
        ("001080000003", {}, [{**FULL_HEALTH, "reproductive_health": None}], []),
        # no record: a claim cannot make the KPI count them
        ("001080000004", {}, [], [visit("LK4", "2026-01-10", "I10")]),
    ])
    health = kpi.health(con, AS_OF).set_index("village")
    filled = kpi.health_if_filled(con, AS_OF).set_index("village")
    assert health.loc["", "kpi_health_count"] == 1
    assert (filled.loc["", "kpi_health_if_filled_count"], filled.loc["", "kpi_health_if_filled"]) == (2, 0.5)
    assert filled.loc["Thôn 0", "kpi_health_if_filled"] == 1.0
    assert filled.loc["Thôn 1", "kpi_health_if_filled"] == 0.0
    result = kpi.compute(con, AS_OF)
    assert result["overall"]["kpi_health_if_filled"] == 0.5
    assert result["villages"]["Thôn 0"]["kpi_health_if_filled_count"] == 1


def test_the_station_edits_the_categories_file(con, tmp_path):
    directory = tmp_path / "reference"
    shutil.copytree(config.REFERENCE_DIR, directory)
    world_of(con, [("001080000001", {}, [{**FULL_HEALTH, "chronic_disease": None}],
                    [visit("LK1", "2026-01-10", "K29.7")])])
    assert suggestions(con)[1].empty  # K29.7 is no chronic disease in the shipped file
    with reference.using(directory):
        with open(directory / "icd10_categories.csv", "a", encoding="utf-8") as fh:
            fh.write("K29,K29,chronic_disease,Viêm dạ dày mạn,added by the station\n")
        reference.reload()
        rows, _ = suggestions(con)
        assert rows["H0.1", "chronic_disease"].value_to_enter == "Viêm dạ dày mạn (K29.7)"


def test_a_wrong_category_or_an_inverted_range_is_refused_in_vietnamese(tmp_path):
    from hssk.errors import HsskError

    directory = tmp_path / "reference"
    shutil.copytree(config.REFERENCE_DIR, directory)
    path = directory / "icd10_categories.csv"
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "K29,K29,benh_da_day,Viêm dạ dày,\n", encoding="utf-8")
    with pytest.raises(HsskError, match="nhóm không hợp lệ: benh_da_day"):
        icd10.table(directory)
    path.write_text(original + "K30,K29,chronic_disease,Ngược,\n", encoding="utf-8")
    reference.reload()
    with pytest.raises(HsskError, match="K30–K29 bị ngược"):
        icd10.table(directory)
    reference.reload()
