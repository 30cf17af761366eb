"""One writing process per database file: a command waits for a file another process holds (saying once whom it
waits for), then proceeds, or after [database] wait_seconds stops with a Vietnamese message naming the holder;
read commands open read-only; the linkage schema is applied only when it changed."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from hssk import db
from hssk.config import CONFIG_PATH, database_wait_seconds, load_config
from hssk.errors import HsskError
from hssk.link import prepare
from hssk.link.review import review_pairs
from tests.sample import add_batch, scored_run

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def holding(path, *, seconds: float):
    """Another process that opens `path` for writing, holds it `seconds`, then closes it (and stays alive)."""
    hold = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(float(sys.argv[2])); c.close(); print('released', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", hold, str(path), str(seconds)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def hssk(*argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hssk", *argv], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=120)


@pytest.fixture
def station(tmp_path):
    path = tmp_path / "tram.duckdb"
    with db.connect(path) as con:
        add_batch(con, "population", [{"full_name": "Nguyễn Văn An", "birth": "1985-03-12", "sex": "M",
                                       "personal_id": "001085000001", "village": "Giang Cao"}])
        add_batch(con, "hssk", [{"record_id": "HS1", "full_name": "Nguyễn Văn An", "birth": "1985-03-12",
                                 "sex": "M"}])
        scored_run(con, [("hssk:HS1", "population:001085000001", 0.9)])
    return path


# --- the waiting door ----------------------------------------------------------------------------------------

def test_connect_waits_for_a_holder_that_lets_go_and_says_so_once(station):
    said = []
    with holding(station, seconds=2) as holder:
        started = time.monotonic()
        con = db.connect(station, wait=20, on_wait=said.append)
        waited = time.monotonic() - started
    assert con.execute("select count(*) from clean").fetchall()[0][0] == 2
    con.close()
    assert 1.0 < waited < 15
    assert len(said) == 1 and f"(PID {holder.pid})" in said[0] and "dùng xong cơ sở dữ liệu" in said[0]
    assert said[0].startswith(f"Cơ sở dữ liệu {station} đang bận: đang chờ chương trình ")


def test_connect_gives_up_after_the_wait_naming_the_holder(station):
    with holding(station, seconds=60) as holder:
        started = time.monotonic()
        with pytest.raises(db.DatabaseBusy) as caught:
            db.connect(station, read_only=True, wait=0.6)
        waited = time.monotonic() - started
    assert 0.5 < waited < 10
    assert caught.value.pid == holder.pid and caught.value.holder
    assert isinstance(caught.value, HsskError) and f"(PID {holder.pid})" in caught.value.message
    assert "sau 0,6 giây chờ" in caught.value.message and "wait_seconds" in caught.value.message


def test_without_wait_the_lock_error_is_raised_at_once(station):
    import duckdb

    with holding(station, seconds=60):
        started = time.monotonic()
        with pytest.raises(duckdb.IOException) as caught:
            db.connect(station)
        assert time.monotonic() - started < 5
    assert db.is_lock_error(caught.value) and db.lock_holder(caught.value)[1] is not None


def test_a_command_waits_for_a_short_holder_then_succeeds(station):
    """The holder lets go ~2 s after the command said it waits (a fixed hold could end before the command, whose
    start takes seconds on a busy machine, even tries)."""
    hold = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.readline(); time.sleep(2); c.close(); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", hold, str(station)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        command = subprocess.Popen([sys.executable, "-m", "hssk", "kpi", "--json", "--db", str(station), "--wait",
                                    "60"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        said = command.stderr.readline()
        holder.stdin.write("go\n")
        holder.stdin.flush()
        out, err = command.communicate(timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert command.returncode == 0, said + err
    assert '"overall"' in out
    assert "đang chờ chương trình" in said and f"(PID {holder.pid}) dùng xong cơ sở dữ liệu" in said
    assert "đang chờ" not in err  # said once


@pytest.mark.parametrize("argv", [["kpi", "--no-snapshot"], ["decide", "reject", "HS1", "001085000001",
                                                              "--user", "lan", "--reason", "khác người"]])
def test_a_command_held_longer_than_the_wait_stops_with_a_clear_message(station, argv):
    with holding(station, seconds=60) as holder:
        done = hssk(*argv, "--db", str(station), "--wait", "1")
    assert done.returncode == 2
    assert "đang chờ chương trình" in done.stderr and f"(PID {holder.pid})" in done.stderr
    assert "vẫn giữ nó sau 1 giây chờ" in done.stderr
    assert "Lỗi không mong đợi" not in done.stderr and "Traceback" not in done.stderr


def test_the_wait_is_a_setting_with_a_default():
    shipped = load_config(CONFIG_PATH)["database"]
    assert database_wait_seconds() == float(shipped["wait_seconds"]) == 30.0
    assert "wait_seconds" in CONFIG_PATH.read_text(encoding="utf-8").split("[database]")[1].split("[")[0]
    assert database_wait_seconds({}) == 30.0 and database_wait_seconds({"database": {"wait_seconds": 2.5}}) == 2.5
    for bad in ("30", -1, True):
        with pytest.raises(HsskError, match="wait_seconds"):
            database_wait_seconds({"database": {"wait_seconds": bad}})


# --- read-only opening and the linkage schema ----------------------------------------------------------------

def test_a_read_command_on_an_older_database_gets_the_schema_first(station):
    with db.connect(station) as con:
        con.execute("update schema_applied set sha256 = 'older'")
    done = hssk("kpi", "--no-snapshot", "--json", "--db", str(station))
    assert done.returncode == 0, done.stderr
    with db.connect(station, read_only=True) as con:
        assert db.schema_current(con)


def test_link_schema_is_applied_only_when_it_changed(station):
    with db.connect(station) as con:
        prepare.ensure_schema(con)
        sql_before = con.execute("select sql from duckdb_views() where view_name = 'review_queue'").fetchall()
        changes = con.execute("select count(*) from duckdb_views()").fetchall()
        con.execute("create or replace view review_queue as select 1 as stale")
        prepare.ensure_schema(con)  # up to date: the (hand-changed) view is left alone, nothing written
        assert con.execute("select * from review_queue").fetchall() == [(1,)]
        con.execute("update link_schema_applied set sha256 = 'older'")
        prepare.ensure_schema(con)  # another version: views are made again
        assert con.execute("select sql from duckdb_views() where view_name = 'review_queue'").fetchall() == sql_before
        assert con.execute("select count(*) from duckdb_views()").fetchall() == changes


def test_sessions_calling_link_ensure_schema_at_once_do_not_conflict(station):
    with db.connect(station) as con:
        prepare.ensure_schema(con)
        errors = []

        def session():
            cur = con.cursor()
            try:
                for _ in range(20):
                    cur.execute("begin transaction")
                    prepare.ensure_schema(cur)
                    cur.execute("commit")
            except Exception as exc:
                errors.append(exc)
            finally:
                cur.close()

        threads = [threading.Thread(target=session) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_review_pairs_works_on_a_read_only_connection(station):
    with db.connect(station, read_only=True) as con:
        pairs = review_pairs(con)
    assert pairs[["record_key_l", "record_key_r"]].values.tolist() == [["hssk:HS1", "population:001085000001"]]


def test_a_lock_met_inside_a_command_is_said_not_unexpected(monkeypatch, capsys):
    """A library call that opens a database by itself (not through the waiting door) and meets the lock."""
    import duckdb

    from hssk.cli import figures, main

    def held(args):
        raise duckdb.IOException('IO Error: Could not set lock on file "x.duckdb": Conflicting lock is held in '
                                 '/usr/bin/python3.11 (PID 4242). See also https://duckdb.org/docs')

    monkeypatch.setattr(figures, "cmd_kpi", held)
    assert main(["kpi"]) == 2
    err = capsys.readouterr().err
    assert "chương trình python3.11 (PID 4242) sử dụng" in err and "Lỗi không mong đợi" not in err

    def broken(args):
        raise duckdb.IOException("IO Error: disk I/O error")

    monkeypatch.setattr(figures, "cmd_kpi", broken)
    assert main(["kpi"]) == 1 and "Lỗi không mong đợi" in capsys.readouterr().err
