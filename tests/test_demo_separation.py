"""Real and demo data never mix: the demo has its own database, and nothing is written before it can finish."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hssk.config import DEMO_DB, ROOT
from hssk.db import connect
from hssk.demo import is_demo, load_demo
from hssk.errors import HsskError
from hssk.ingest.store import import_files
from tests.files import write_csv


def _station_db_with_real_data(tmp_path):
    db = tmp_path / "tram.duckdb"
    con = connect(db)
    path = write_csv(tmp_path / "dan_cu.csv", [["Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính"],
                                               ["001080012345", "Nguyễn Văn An", "05/03/1980", "Nam"]])
    import_files(con, [path], "population")
    con.close()
    return db


def test_the_demo_is_refused_by_a_database_with_real_data_and_writes_nothing(tmp_path):
    db = _station_db_with_real_data(tmp_path)
    out = tmp_path / "demo_files"
    with pytest.raises(HsskError, match="dữ liệu thật"):
        load_demo(db, out, residents=100, seed=1, link=False, say=lambda m: None)
    assert not out.exists()
    con = connect(db, read_only=True)
    assert con.execute("select count(*) from current_clean").fetchall()[0][0] == 1 and not is_demo(con)


def test_a_locked_database_fails_before_any_demo_file_is_written(tmp_path):
    db = tmp_path / "dang_mo.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
                               "print('ok', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        out = tmp_path / "demo_files"
        with pytest.raises(HsskError, match="chưa có tệp nào được ghi"):
            load_demo(db, out, residents=100, seed=1, link=False, say=lambda m: None)
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()


def test_the_demo_database_is_marked_and_its_files_are_complete(tmp_path):
    db, out = tmp_path / "demo.duckdb", tmp_path / "files"
    made = load_demo(db, out, residents=120, seed=5, link=False, say=lambda m: None)
    assert (made["truth_dir"] / "kpi_truth.json").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".dang_tao_")]
    con = connect(db, read_only=True)
    assert is_demo(con) and con.execute("select count(*) from current_clean").fetchall()[0][0] > 100


def _make_dry_run(*args, env=None) -> str:
    return subprocess.run(["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True,
                          env=env).stdout


def test_make_run_opens_the_demo_and_a_station_database_starts_empty(tmp_path, monkeypatch):
    import os

    assert _make_dry_run("-p").count(f"DEMO_DB := {DEMO_DB.relative_to(ROOT)}") == 1  # the path hssk.config names
    missing_demo = tmp_path / "demo" / "demo.duckdb"  # as on a fresh clone
    demo = _make_dry_run(f"DEMO_DB={missing_demo}")
    assert f"hssk demo --db {missing_demo}" in demo
    assert f"HSSK_DB={missing_demo} " in demo
    station = tmp_path / "tram.duckdb"
    real = _make_dry_run(f"DB={station}")
    assert "hssk demo" not in real and f"HSSK_DB={station} " in real
    from_env = _make_dry_run(env={**os.environ, "HSSK_DB": str(station)})
    assert "hssk demo" not in from_env and f"HSSK_DB={station} " in from_env
    # What the app does with that path: a new, empty database.
    con = connect(station)
    assert con.execute("select count(*) from import_batches").fetchall()[0][0] == 0 and not is_demo(con)
