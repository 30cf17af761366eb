"""Figures kept current: incremental linkage after each import equals an explicit full link; data state line."""

from __future__ import annotations

import pytest

from hssk import data_state, kpi, refresh
from hssk.db import connect
from hssk.demo import generate
from hssk.ingest.store import import_files, undo_last_import
from hssk.link import run_linkage


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("refresh"), residents=800, seed=41)


def _import_as_a_station_does(con, made, after_each):
    for kind in ("population", "hssk", "deaths"):
        import_files(con, made["files"][kind], kind)
        after_each(con)


def test_refresh_after_each_import_equals_an_explicit_full_link(made):
    station = connect(":memory:")
    _import_as_a_station_does(station, made, refresh.bring_up_to_date)
    explicit = connect(":memory:")
    _import_as_a_station_does(explicit, made, lambda con: None)
    run_linkage(explicit, full=True)
    as_of = "2026-11-30"
    assert kpi.compute(station, as_of) == kpi.compute(explicit, as_of)
    assert kpi.compute(station, as_of)["overall"]["residents_alive"] > 700


def test_data_state_says_when_the_figures_are_behind(made):
    con = connect(":memory:")
    assert not data_state.state(con).has_data
    import_files(con, made["files"]["population"], "population")
    state = data_state.state(con)
    assert state.has_data and not state.current and state.figures_at is None
    refresh.bring_up_to_date(con)
    assert data_state.state(con).current
    import_files(con, made["files"]["hssk"], "hssk")
    assert not data_state.state(con).current
    refresh.bring_up_to_date(con)
    assert data_state.state(con).current
    undo_last_import(con)
    assert not data_state.state(con).current  # undoing is a change too


def test_one_snapshot_per_day_for_the_newest_state(made):
    con = connect(":memory:")
    import_files(con, made["files"]["population"], "population")
    first = refresh.bring_up_to_date(con)
    import_files(con, made["files"]["hssk"], "hssk")
    second = refresh.bring_up_to_date(con)
    assert first.snapshot_id != second.snapshot_id
    ids = con.execute("select distinct snapshot_id from kpi_snapshots").fetchall()
    assert ids == [(second.snapshot_id,)]  # today's snapshot is the newest state's
    with_hssk = con.execute("select value from kpi_snapshots where village = '' and key = 'with_record'").fetchone()
    assert with_hssk[0] > 0
    # Nothing changed since: a page's KPIs are not recorded again.
    assert refresh.snapshot_if_new_state(con, kpi.compute(con)) is None


def test_nothing_to_link_yet_is_said_not_raised():
    con = connect(":memory:")
    result = refresh.bring_up_to_date(con)
    assert result.linked is None and "Chưa có dữ liệu" in result.message


def _cli(*argv: str) -> str:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "hssk", *argv], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_cli_imports_without_link_give_the_figures_of_an_explicit_link(made, tmp_path):
    """A register, an HSSK export in two parts and a death list imported from the command line, no `link`: the
    same `kpi --json` as imports followed by an explicit full link."""
    import json

    station, explicit = tmp_path / "tram.duckdb", tmp_path / "doi_chung.duckdb"
    for kind in ("population", "hssk", "deaths"):
        files = [str(p) for p in made["files"][kind]]
        out = _cli("import", *files, "--kind", kind, "--db", str(station))
        assert "Đã cập nhật số liệu" in out
        _cli("import", *files, "--kind", kind, "--db", str(explicit), "--no-refresh")
    _cli("link", "--full", "--db", str(explicit))
    figures = [json.loads(_cli("kpi", "--json", "--no-snapshot", "--as-of", "2026-11-30", "--db", str(db)))
               for db in (station, explicit)]
    assert figures[0] == figures[1] and figures[0]["overall"]["residents_alive"] > 700
    assert len(made["files"]["hssk"]) == 2  # the export came in two parts
