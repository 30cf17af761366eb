"""The register's villages: a commune whose thôn villages.csv does not know still gets a KPI row per village, and a
head's mapping of an unknown spelling applies to the data already imported."""

from __future__ import annotations

import json

import pytest

from hssk import auth, kpi, reference
from hssk.db import connect
from hssk.demo import generate
from hssk.demo.city import write_city_reference
from hssk.ingest import villages
from hssk.ingest.store import import_files
from hssk.refresh import bring_up_to_date
from tests.files import write_csv


@pytest.fixture(scope="module")
def other_commune(tmp_path_factory):
    """Files of a commune with 6 villages none of which is in the shipped villages.csv; imported with the
    shipped reference (as a station whose list was never updated would)."""
    root = tmp_path_factory.mktemp("other_villages")
    other_ref = write_city_reference(root / "reference", 6, seed=99)
    with reference.using(other_ref):
        names = list(reference.villages()["village"])
        made = generate(root / "files", residents=900, seed=17)
    truth = json.loads((made["truth_dir"] / "kpi_truth.json").read_text(encoding="utf-8"))
    assert not set(names) & set(reference.villages()["village"])
    con = connect(":memory:")
    for kind in ("population", "hssk", "deaths"):
        import_files(con, made["files"][kind], kind)
    bring_up_to_date(con)
    return con, names, truth


def test_every_register_village_gets_its_kpis(other_commune):
    con, names, _truth = other_commune
    result = kpi.compute(con, "2026-11-25")
    assert set(names) <= set(result["villages"])
    unknown = result["villages"].get("Không rõ thôn", {"residents_alive": 0})["residents_alive"]
    assert unknown == 0
    for name in names:
        assert result["villages"][name]["residents_alive"] > 0
        assert result["villages"][name]["kpi_admin"] > 0.5  # the village no longer counts as wrong
    assert set(villages.known(con)) >= set(names)


def test_mapping_an_unknown_spelling_changes_the_kpis_without_reimport(tmp_path):
    con = connect(":memory:")
    auth.ensure_schema(con)  # the audit log
    header = ["Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Thôn"]
    register = [["001080012345", "Nguyễn Văn An", "05/03/1980", "Nam", "Kinh", "Thôn Xuân Dục"],
                ["001180012346", "Lê Thị Bình", "06/04/1980", "Nữ", "Kinh", "Thôn Xuân Dục"]]
    import_files(con, [write_csv(tmp_path / "dc.csv", [header] + register)], "population")
    hssk_header = ["Mã HSSK", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Dân tộc", "Thôn"]
    records = [["HS1", "Nguyễn Văn An", "05/03/1980", "Nam", "001080012345", "Kinh", "XUAN DUC"],
               ["HS2", "Lê Thị Bình", "06/04/1980", "Nữ", "001180012346", "Kinh", "Xuân Dụk"]]  # a typo
    import_files(con, [write_csv(tmp_path / "hs.csv", [hssk_header] + records)], "hssk")
    bring_up_to_date(con)
    raw_before = con.execute("select cells from raw_rows order by rec_uid").fetchall()
    # The register names "Xuân Dục": "XUAN DUC" is that village already; "Xuân Dụk" is not.
    frame = villages.unknown_spellings(con)
    assert list(frame["spelling"]) == ["Xuân Dụk"] and frame["suggestion"][0] == "Xuân Dục"
    before = kpi.compute(con, "2026-11-25")["villages"]["Xuân Dục"]["kpi_admin"]
    assert villages.map_spelling(con, "Xuân Dụk", "Xuân Dục") == 4
    bring_up_to_date(con)
    after = kpi.compute(con, "2026-11-25")["villages"]["Xuân Dục"]["kpi_admin"]
    assert (before, after) == (0.5, 1.0)
    assert villages.unknown_spellings(con).empty
    assert con.execute("select cells from raw_rows order by rec_uid").fetchall() == raw_before
    actions = con.execute("select target from audit_log where action = 'settings_changed'").fetchall()
    assert actions == [("thôn",)]


def test_an_alias_added_to_villages_csv_applies_to_the_data_already_imported(tmp_path, reference_copy):
    import pandas as pd

    from hssk.db import transaction

    con = connect(":memory:")
    header = ["Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Thôn"]
    rows = [["001080012345", "Nguyễn Văn An", "05/03/1980", "Nam", "Xóm Gốm"]]
    import_files(con, [write_csv(tmp_path / "dc.csv", [header] + rows)], "population")
    assert con.execute("select village from current_clean").fetchall() == [("Gốm",)]  # the register's own name
    table = pd.read_csv(reference_copy / "villages.csv", dtype=str, keep_default_na=False)
    table.loc[table["village"] == "Bát Tràng", "aliases"] += "|Xóm Gốm"
    table.to_csv(reference_copy / "villages.csv", index=False)
    reference.reload()
    with transaction(con):
        villages.resolve(con)
    assert con.execute("select village, village_from from current_clean").fetchall() == [("Bát Tràng", "reference")]
