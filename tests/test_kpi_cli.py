"""`python -m hssk kpi | worklist | report` on a database file holding the tiny world."""

from __future__ import annotations

import json

import openpyxl
import pytest

from hssk import audit, report
from hssk.cli import main
from hssk.db import connect
from tests.kpi_world import build_world


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("kpi_cli") / "w.duckdb"
    con = connect(path)
    build_world(con)
    con.close()
    return str(path)


def snapshots(db):
    with connect(db, read_only=True) as con:
        return con.execute("select count(distinct snapshot_id), min(as_of)::varchar from kpi_snapshots").fetchall()[0]


def test_kpi_json_prints_the_figures_and_records_a_snapshot(db, capsys):
    assert main(["kpi", "--json", "--as-of", "2026-03-31", "--db", db]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["as_of"] == "2026-03-31"
    assert (printed["overall"]["residents_alive"], printed["overall"]["coverage"]) == (7, round(5 / 7, 6))
    assert printed["villages"]["Khoan Tế"]["kpi_admin_count"] == 1
    assert snapshots(db) == (1, "2026-03-31")
    assert main(["kpi", "--no-snapshot", "--as-of", "2026-03-31", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "tính đến ngày 31/03/2026" in out
    assert "Toàn xã" in out and "71,4 %" in out and "71.4" not in out
    assert snapshots(db)[0] == 1


def test_bad_date_is_reported_in_vietnamese(db, capsys):
    assert main(["kpi", "--as-of", "31/03/2026", "--db", db]) == 2
    assert "không hợp lệ" in capsys.readouterr().err


def test_worklist_command(db, tmp_path, capsys):
    out = tmp_path / "trung.xlsx"
    assert main(["worklist", "--kind", "duplicates", "--village", "Giang Cao", "--out", str(out), "--mask",
                 "--db", db]) == 0
    assert "2 dòng" in capsys.readouterr().out
    ws = openpyxl.load_workbook(out).active
    assert [c.value for c in ws[2]][:2] == ["P001******003", "Giang Cao"]


def test_report_read_back_equals_kpi_json(db, tmp_path, capsys):
    out = tmp_path / "bao_cao.xlsx"
    assert main(["report", "--month", "2026-03", "--out", str(out), "--db", db]) == 0
    capsys.readouterr()
    assert main(["kpi", "--json", "--as-of", "2026-03-31", "--no-snapshot", "--db", db]) == 0
    printed = json.loads(capsys.readouterr().out)
    ws = openpyxl.load_workbook(out)[report.VILLAGE_SHEET]
    columns = report.report_columns()
    keys = [k for k in columns["key"] if not k.startswith("change:")]
    positions = {k: list(columns["key"]).index(k) + 1 for k in keys}
    rows = {r[0]: r for r in ws.iter_rows(min_row=report.VILLAGE_HEADER_ROW + 1, values_only=True) if r[0]}
    for name, values in [*printed["villages"].items(), (report.OVERALL_LABEL, printed["overall"])]:
        read = {k: (None if rows[name][i] == report.NO_DATA else rows[name][i]) for k, i in positions.items()}
        assert read == {k: values[k] for k in keys}, name


@pytest.mark.parametrize("typed", ["giang cao", "THÔN GIANG CAO", "Thon Giang Cao", " Giang  Cao "])
def test_worklist_village_is_matched_like_the_importer_does(db, tmp_path, capsys, typed):
    out = tmp_path / "trung.csv"
    assert main(["worklist", "--kind", "duplicates", "--village", typed, "--out", str(out), "--db", db]) == 0
    assert "2 dòng (thôn Giang Cao)" in capsys.readouterr().out
    with connect(db, read_only=True) as con:
        event = audit.read_log(con, action="export", limit=1)
    assert event.target[0] == "worklist:duplicates:Giang Cao"


def test_an_unknown_village_is_an_error_listing_the_known_ones(db, tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert main(["worklist", "--kind", "duplicates", "--village", "Xóm Mới", "--out", str(out), "--db", db]) == 2
    err = capsys.readouterr().err
    assert "Không có thôn «Xóm Mới»" in err and "Giang Cao" in err and "Khoan Tế" in err
    assert not out.exists()
