"""`python -m hssk`: Vietnamese argparse, every command and option, the review queue and decisions by the ids
people see, one standing decision per pair, and the audit trail the command line leaves."""

from __future__ import annotations

import argparse
import ast
import getpass
import gettext
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from hssk import audit, db
from hssk.cli import build_parser, main
from hssk.errors import HsskError
from hssk.ingest.store import import_files, undo_last_import
from hssk.link.decisions import record_decision, resolve_record, standing_decision
from tests.files import write_xlsx
from tests.sample import add_batch, scored_run

ROOT = Path(__file__).resolve().parent.parent
CLI_DIR = ROOT / "hssk" / "cli"

PID_AN, PID_BINH = "001085000001", "001090000002"
P_AN, P_BINH = f"population:{PID_AN}", f"population:{PID_BINH}"
REGISTER = [
    {"full_name": "Nguyễn Văn An", "birth": "1985-03-12", "sex": "M", "personal_id": PID_AN, "village": "Giang Cao"},
    {"full_name": "Trần Thị Bình", "birth": "1990-07-01", "sex": "F", "personal_id": PID_BINH, "village": "Kim Lan"},
]
HSSK = [
    {"record_id": "HS330192463", "full_name": "Nguyễn Văn An", "birth": "1985-03-12", "sex": "M",
     "personal_id": PID_AN},
    {"record_id": "HS330192464", "full_name": "Trần Thị Bình", "birth": "1990-07-01", "sex": "F"},
    {"record_id": "HS330192465", "full_name": "Lê Văn Cường", "birth": "2001-05-05", "sex": "M"},
    {"record_id": "HS330192466", "full_name": "Lê Văn Cường", "birth": "2001-05-05", "sex": "M"},
]
PAIRS = [
    ("hssk:HS330192463", P_AN, 0.9999),
    ("hssk:HS330192464", P_BINH, 0.97),  # between the thresholds: waits for a reviewer
    ("hssk:HS330192465", "hssk:HS330192466", 0.8),  # waits too
]


@pytest.fixture
def db_file(tmp_path):
    path = tmp_path / "station.duckdb"
    with db.connect(path) as con:
        add_batch(con, "population", REGISTER)
        add_batch(con, "hssk", HSSK)
        scored_run(con, PAIRS)
    return str(path)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def audit_log(path: str, action: str) -> pd.DataFrame:
    with db.connect(path, read_only=True) as con:
        return audit.read_log(con, action=action)


# --- the parser -----------------------------------------------------------------------------------------------

def test_argparse_speaks_vietnamese_and_leaves_other_parsers_alone(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["bogus"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "cách dùng: python -m hssk" in err and "lỗi:" in err and "không hợp lệ" in err
    assert "usage" not in err and "invalid choice" not in err

    with pytest.raises(SystemExit):
        main(["worklist", "--out", "x.xlsx"])
    err = capsys.readouterr().err
    assert "thiếu tham số bắt buộc: --kind" in err and "required" not in err

    with pytest.raises(SystemExit) as exited:
        main(["decide", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "tùy chọn:" in out and "in hướng dẫn này rồi thoát" in out and "--replace" in out
    assert "options:" not in out and "show this help" not in out
    # argparse's own lookup is restored: pytest and any other parser keep their messages
    assert argparse._ is gettext.gettext
    assert "usage:" in argparse.ArgumentParser(prog="x").format_usage()


# Every command and option the command line had before it became a package (hssk/cli.py, hssk/kpi_cli.py,
# hssk/link/cli.py), each parsed to its command function.
TODAY = [
    ["import", "a.xlsx", "b.csv", "--kind", "hssk", "--map", "Số ĐD=personal_id", "--note", "n", "--db", "x"],
    ["demo", "--residents", "300", "--seed", "7", "--out", "o", "--no-link", "--db", "x"],
    ["export", "records", "--kind", "care", "--out", "r.csv", "--db", "x"],
    ["export", "clusters", "--out", "c.csv", "--db", "x"],
    ["link", "--backend", "spark", "--spark-master", "local[2]", "--retrain", "--full", "--db", "x"],
    ["evaluate", "--truth", "t", "--db", "x"],
    ["decide", "accept", "A", "B", "--user", "lan", "--reason", "r", "--db", "x"],
    ["decide", "undo", "3", "--user", "lan", "--reason", "r"],
    ["kpi", "--json", "--as-of", "2026-03-31", "--no-snapshot", "--db", "x"],
    ["worklist", "--kind", "all", "--village", "Giang Cao", "--out", "w.xlsx", "--as-of", "2026-03-31", "--mask",
     "--db", "x"],
    ["report", "--month", "2026-03", "--out", "b.xlsx", "--notes", "n.md", "--db", "x"],
]


@pytest.mark.parametrize("argv", TODAY, ids=lambda a: " ".join(a[:2]))
def test_every_command_and_option_of_before_is_kept(argv):
    args = build_parser().parse_args(argv)
    assert callable(args.func)
    assert args.func.__module__.startswith("hssk.cli.")


def test_the_package_finds_its_commands_statically():
    """No run-time discovery (importlib, hasattr probes) and no import running back up into hssk.cli's parser."""
    for path in CLI_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                 for alias in node.names}
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        calls = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and isinstance(node.func, ast.Name)}
        assert "importlib" not in names | modules and "__import__" not in calls and "hasattr" not in calls, path
        if path.name not in ("__init__.py", "parser.py"):
            assert not modules & {"hssk.cli", "hssk.cli.parser"}, path  # groups import only common
    for gone in ("hssk/cli.py", "hssk/kpi_cli.py", "hssk/link/cli.py"):
        assert not (ROOT / gone).exists()


def test_python_m_hssk_runs_without_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "hssk", "review", "--db", str(tmp_path / "none.duckdb")],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "Lỗi: Không tìm thấy cơ sở dữ liệu" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "none.duckdb").exists()  # a read command creates nothing


# --- review and decide ------------------------------------------------------------------------------------------

def test_review_lists_the_queue_with_the_ids_people_see(db_file, capsys):
    code, out, _ = run(capsys, "review", "--db", db_file)
    assert code == 0
    assert out.startswith("2 cặp chờ duyệt.")
    assert "97,0 %" in out and "80,0 %" in out
    assert "HS330192464" in out and PID_BINH in out and "Trần Thị Bình" in out and "01/07/1990" in out
    assert "hssk:" not in out and "population:" not in out

    code, out, _ = run(capsys, "review", "--json", "--reason", "uncertain", "--limit", "1", "--db", db_file)
    rows = json.loads(out)
    assert len(rows) == 1
    assert (rows[0]["l"]["ma"], rows[0]["r"]["ma"], rows[0]["xac_suat"]) == ("HS330192464", PID_BINH, 0.97)


def test_decide_takes_the_shown_ids_and_is_audited_as_the_os_user(db_file, capsys):
    code, out, err = run(capsys, "decide", "accept", "HS330192464", PID_BINH, "--user", "lan", "--reason",
                         "Cùng CCCD trên giấy tờ", "--db", db_file)
    assert code == 0, err
    assert "cùng một người" in out
    with db.connect(db_file, read_only=True) as con:
        assert con.execute("select action, record_key_l, record_key_r, user_name from decisions").fetchall() == [
            ("accept", "hssk:HS330192464", P_BINH, "lan")]
        person = con.execute("select person_id from person_records where record_key = 'hssk:HS330192464'"
                             ).fetchall()[0][0]
    assert person == "P" + PID_BINH
    log = audit_log(db_file, "decision")
    assert len(log) == 1
    assert (log.user_name[0], log.role[0]) == (getpass.getuser(), audit.CLI_ROLE)
    assert log.target[0] == f"hssk:HS330192464 | {P_BINH}"
    assert json.loads(log.detail[0])["action"] == "accept"

    code, _, err = run(capsys, "decide", "reject", "hssk:HS330192465", "hssk:HS330192466", "--user", "lan",
                       "--reason", "Sinh đôi", "--db", db_file)  # the internal keys still work
    assert code == 0, err
    code, out, _ = run(capsys, "review", "--db", db_file)
    assert out.startswith("Không có cặp hồ sơ nào chờ duyệt.")


def test_a_contradicting_decision_is_refused_unless_replace(db_file, capsys):
    assert run(capsys, "decide", "accept", "HS330192464", PID_BINH, "--user", "lan", "--reason", "Cùng người",
               "--db", db_file)[0] == 0
    code, _, err = run(capsys, "decide", "reject", PID_BINH, "HS330192464", "--user", "minh", "--reason",
                       "Khác người", "--db", db_file)
    assert code == 2
    assert "đã có quyết định số 1 «cùng một người» của lan" in err and "--replace" in err
    code, _, err = run(capsys, "decide", "accept", "HS330192464", PID_BINH, "--user", "minh", "--reason", "Lại",
                       "--db", db_file)
    assert code == 2 and "đã có quyết định số 1" in err  # the same decision twice: still one standing
    with db.connect(db_file, read_only=True) as con:
        assert con.execute("select count(*) from decisions").fetchall()[0][0] == 1

    code, out, err = run(capsys, "decide", "reject", PID_BINH, "HS330192464", "--user", "minh", "--reason",
                         "Khác người", "--replace", "--db", db_file)
    assert code == 0, err
    assert "thay quyết định số 1" in out
    with db.connect(db_file, read_only=True) as con:
        rows = con.execute("select decision_id, action, undoes, user_name from decisions order by 1").fetchall()
        standing = con.execute("select decision_id, action from decisions_standing").fetchall()
        person = con.execute("select person_id from person_records where record_key = 'hssk:HS330192464'"
                             ).fetchall()[0][0]
    assert rows == [(1, "accept", None, "lan"), (2, "undo", 1, "minh"), (3, "reject", None, "minh")]
    assert standing == [(3, "reject")]
    assert person != "P" + PID_BINH
    detail = json.loads(audit_log(db_file, "decision").detail[0])
    assert (detail["action"], detail["replaces"], detail["undo_id"]) == ("reject", 1, 2)


def test_undo_split_and_bad_ids_from_the_command_line(db_file, capsys):
    assert run(capsys, "decide", "split", "HS330192463", "--user", "lan", "--reason", "Hồ sơ của người khác",
               "--db", db_file)[0] == 0
    code, _, err = run(capsys, "decide", "split", "HS330192463", "--user", "lan", "--reason", "lại", "--db", db_file)
    assert code == 2 and "Hồ sơ này đã có quyết định số 1 «tách khỏi người»" in err
    code, out, _ = run(capsys, "decide", "undo", "1", "--user", "minh", "--reason", "Nhầm", "--db", db_file)
    assert code == 0 and "Đã hủy quyết định số 1" in out
    assert len(audit_log(db_file, "decision")) == 2

    code, _, err = run(capsys, "decide", "accept", "HS999", PID_AN, "--user", "lan", "--reason", "x", "--db", db_file)
    assert code == 2 and "Không tìm thấy hồ sơ «HS999»" in err
    code, _, err = run(capsys, "decide", "undo", "HS330192463", "--user", "lan", "--reason", "x", "--db", db_file)
    assert code == 2 and "ghi số quyết định" in err
    code, _, err = run(capsys, "decide", "accept", "HS330192463", "--user", "lan", "--reason", "x", "--db", db_file)
    assert code == 2 and "cần hai hồ sơ" in err


def test_resolve_record_knows_the_ids_people_type(db_file):
    with db.connect(db_file) as con:
        assert resolve_record(con, "HS330192463") == "hssk:HS330192463"
        assert resolve_record(con, f" {PID_AN} ") == P_AN  # the register's record, not the HSSK one carrying it
        assert resolve_record(con, P_BINH) == P_BINH
        add_batch(con, "hssk", [{"record_id": "HS1", "full_name": "A", "personal_id": "001099000009"},
                                {"record_id": "HS2", "full_name": "B", "personal_id": "001099000009"}])
        with pytest.raises(HsskError) as ambiguous:
            resolve_record(con, "001099000009")
    assert "nhiều hồ sơ" in ambiguous.value.message and "hssk:HS1" in ambiguous.value.message


# --- one standing decision per pair, in the library ---------------------------------------------------------------

def test_a_pair_decided_meanwhile_is_refused_with_who_when_and_what(db_file):
    with db.connect(db_file) as con:
        key_l, key_r = "hssk:HS330192464", P_BINH
        assert standing_decision(con, key_l, key_r) is None
        first = record_decision(con, "accept", key_l, key_r, user="lan", reason="Cùng người", seen=None)
        # a second reviewer who saw the pair undecided presses "khác người"
        with pytest.raises(HsskError) as meanwhile:
            record_decision(con, "reject", key_r, key_l, user="minh", reason="Khác người", seen=None, replace=True)
        assert "vừa được quyết định trong lúc bạn xem" in meanwhile.value.message
        assert f"số {first} «cùng một người» của lan lúc" in meanwhile.value.message
        # replacing what one saw is an undo + the new decision; a stale `seen` is refused again
        shown = standing_decision(con, key_r, key_l)
        assert (shown["decision_id"], shown["action"], shown["user_name"]) == (first, "accept", "lan")
        second = record_decision(con, "reject", key_l, key_r, user="minh", reason="Khác người",
                                 seen=shown["decision_id"], replace=True)
        with pytest.raises(HsskError):
            record_decision(con, "accept", key_l, key_r, user="lan", reason="Không", seen=first, replace=True)
        assert con.execute("select decision_id from decisions_standing").fetchall() == [(second,)]
        assert con.execute("select count(*) from decisions").fetchall()[0][0] == 3


def press_at_once(cursors, actions) -> list:
    """Each cursor records one decision on the same pair in its own thread, all released at the same moment;
    returns the decision ids and the refusal messages."""
    import threading

    barrier, outcomes = threading.Barrier(len(cursors)), []

    def press(cursor, action):
        barrier.wait()
        try:
            outcomes.append(record_decision(cursor, action, "hssk:HS330192464", P_BINH, user=action,
                                            reason="cùng lúc", seen=None))
        except HsskError as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=press, args=pair) for pair in zip(cursors, actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_sessions_deciding_one_pair_at_once_store_one_decision(db_file):
    """Two reviewers (two cursors of the app's one connection, two threads) press at the same moment."""
    with db.connect(db_file) as con:
        for attempt in range(3):
            con.execute("delete from decisions")
            outcomes = press_at_once([con.cursor(), con.cursor()], ["accept", "reject"])
            assert con.execute("select count(*) from decisions_standing").fetchall()[0][0] == 1, attempt
            assert sum(isinstance(o, str) and "vừa được quyết định" in o for o in outcomes) == 1, outcomes


# --- audit of imports, undo and exports -----------------------------------------------------------------------------

HSSK_HEADER = ["Mã HSSK", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân", "Thôn"]
HSSK_ROWS = [["HS1", "Nguyễn Văn An", "12/03/1985", "Nam", "001085000001", "Giang Cao"],
             ["HS2", "Trần Thị Bình", "01/07/1990", "Nữ", "001090000002", "Kim Lan"]]


def test_an_import_from_the_command_line_and_its_undo_are_in_the_audit_log(tmp_path, capsys):
    path = write_xlsx(tmp_path / "hssk.xlsx", [HSSK_HEADER] + HSSK_ROWS)
    database = str(tmp_path / "x.duckdb")
    code, _, err = run(capsys, "import", str(path), "--kind", "hssk", "--db", database)
    assert code == 0, err
    log = audit_log(database, "import")
    assert len(log) == 1
    assert (log.user_name[0], log.role[0], log.target[0]) == (getpass.getuser(), audit.CLI_ROLE, "hssk")
    assert json.loads(log.detail[0]) == {"batch_id": 1, "rows": 2, "files": ["hssk.xlsx"], "skipped": []}
    with db.connect(database) as con:
        with audit.acting_as("hoa", "nhap_lieu"):  # the app sets the logged-in user
            assert undo_last_import(con) == 1
        undo = audit.read_log(con, action="undo_import")
        assert (undo.user_name[0], undo.role[0], undo.target[0]) == ("hoa", "nhap_lieu", "1")
        assert audit.verify_chain(con) == []


def test_a_failed_import_leaves_no_audit_event(con, tmp_path):
    from tests.files import write_csv

    bad = write_csv(tmp_path / "wrong.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(HsskError):
        import_files(con, [bad], "hssk")
    assert audit.read_log(con).empty


def test_export_format_follows_the_extension_or_is_refused(tmp_path, capsys):
    path = write_xlsx(tmp_path / "hssk.xlsx", [HSSK_HEADER] + HSSK_ROWS)
    database = str(tmp_path / "x.duckdb")
    assert run(capsys, "import", str(path), "--kind", "hssk", "--db", database)[0] == 0
    out = tmp_path / "records.xlsx"
    code, _, err = run(capsys, "export", "records", "--kind", "hssk", "--out", str(out), "--db", database)
    assert code == 0, err
    sheet = openpyxl.load_workbook(out).active  # a real workbook, not CSV text in a .xlsx
    header = [c.value for c in sheet[1]]
    assert "record_id" in header and sheet.max_row == 3
    out = tmp_path / "records.json"
    assert run(capsys, "export", "records", "--kind", "hssk", "--out", str(out), "--db", database)[0] == 0
    assert [r["record_id"] for r in json.loads(out.read_text(encoding="utf-8"))] == ["HS1", "HS2"]
    exported = audit_log(database, "export")
    assert exported.target.tolist() == ["records:hssk", "records:hssk"]
    assert json.loads(exported.detail[0])["file"] == str(out)

    for argv in (["export", "records", "--kind", "hssk", "--out", str(tmp_path / "r.txt")],
                 ["export", "clusters", "--out", str(tmp_path / "c")],
                 ["report", "--month", "2026-03", "--out", str(tmp_path / "b.csv")],
                 ["worklist", "--kind", "duplicates", "--out", str(tmp_path / "w.json")],
                 ["worklist", "--kind", "all", "--out", str(tmp_path / "w.csv")]):
        code, _, err = run(capsys, *argv, "--db", database)
        assert code == 2 and "chỉ ghi được tệp" in err, argv
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("x.duckdb")) == [
        "hssk.xlsx", "records.json", "records.xlsx"]
    assert len(audit_log(database, "export")) == 2


# --- the database -----------------------------------------------------------------------------------------------

def test_a_new_database_is_owner_only_and_an_existing_one_keeps_its_mode(tmp_path):
    new = tmp_path / "new.duckdb"
    db.connect(new).close()
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    os.chmod(new, 0o640)  # the station's own choice stays
    db.connect(new).close()
    assert stat.S_IMODE(new.stat().st_mode) == 0o640


def test_files_written_by_python_m_hssk_are_owner_only(tmp_path):
    path = write_xlsx(tmp_path / "hssk.xlsx", [HSSK_HEADER] + HSSK_ROWS)
    database, out = tmp_path / "x.duckdb", tmp_path / "out" / "records.csv"
    for argv in (["import", str(path), "--kind", "hssk"], ["export", "records", "--kind", "hssk", "--out", str(out)]):
        done = subprocess.run([sys.executable, "-m", "hssk", *argv, "--db", str(database)], cwd=ROOT,
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_one_door_applies_the_schema_files_and_linkage_adds_its_own():
    from hssk.link.prepare import ensure_schema

    def tables(con):
        return {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}

    with db.connect(":memory:") as con:
        assert {"clean", "kpi_snapshots", "users", "audit_log"} <= tables(con)
        assert "person_records" not in tables(con)  # "not linked yet" until the linkage step makes its tables
        ensure_schema(con)
        assert {"link_predictions", "person_records", "decisions"} <= tables(con)


def test_transaction_commits_or_rolls_back_and_registered_unregisters():
    import pyarrow as pa

    with db.connect(":memory:") as con:
        con.execute("create table t (a integer)")
        with db.transaction(con), db.registered(con, "_rows", pa.table({"a": [1, 2]})):
            con.execute("insert into t select a from _rows")
        with pytest.raises(ZeroDivisionError), db.transaction(con):
            con.execute("insert into t values (3)")
            raise ZeroDivisionError
        assert con.execute("select a from t order by a").fetchall() == [(1,), (2,)]
        with pytest.raises(Exception, match="_rows"):
            con.execute("select * from _rows")


def test_a_database_held_by_another_program_is_said_in_vietnamese(tmp_path, capsys):
    path = tmp_path / "held.duckdb"
    db.connect(path).close()
    hold = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", hold, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        code, _, err = run(capsys, "kpi", "--db", str(path), "--wait", "1")
    finally:
        holder.kill()
        holder.wait()
    assert code == 2
    assert "đang được một chương trình khác sử dụng" in err and "Lỗi không mong đợi" not in err
