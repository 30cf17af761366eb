"""The commands of round two: `audit verify` (exit 1 on any break), `villages` and `villages map` (the register's
villages, mapped for the data already imported), `lookup` (search before create), the register's villages in
`worklist --village`, and read commands that open the database read-only."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import contextmanager

import pytest

from hssk import audit, auth, db, kpi
from hssk.cli import main
from hssk.ingest.store import import_files
from hssk.refresh import bring_up_to_date
from tests.files import write_csv

REGISTER_HEADER = ["Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Thôn"]
REGISTER = [["001080012345", "Nguyễn Văn An", "05/03/1980", "Nam", "Kinh", "Thôn Xuân Dục"],
            ["001180012346", "Lê Thị Bình", "06/04/1980", "Nữ", "Kinh", "Thôn Xuân Dục"],
            ["001085012347", "Phạm Văn Cường", "07/05/1985", "Nam", "Kinh", "Thôn Đồng Vàng"]]
HSSK_HEADER = ["Mã HSSK", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Dân tộc", "Thôn"]
HSSK = [["HS1", "Nguyễn Văn An", "05/03/1980", "Nam", "001080012345", "Kinh", "XUAN DUC"],
        ["HS2", "Lê Thị Bình", "06/04/1980", "Nữ", "001180012346", "Kinh", "Xuân Dụk"],  # a typo
        ["HS3", "Phạm Văn Cường", "07/05/1985", "Nam", "001085012347", "Kinh", "Đồng Vàng"]]


@contextmanager
def holding(path, *, seconds: float, read_only: bool = False):
    """Another process that opens `path` (writable or read-only), holds it `seconds`, then closes it."""
    hold = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro'); "
            "print('held', flush=True); time.sleep(float(sys.argv[3])); c.close(); print('released', flush=True); "
            "time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", hold, str(path), "ro" if read_only else "rw", str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def station(tmp_path):
    """A linked station database whose villages (Xuân Dục, Đồng Vàng) are not in the shipped villages.csv, with
    one HSSK record spelling its village wrong."""
    path = tmp_path / "tram.duckdb"
    with db.connect(path) as con:
        auth.ensure_schema(con)
        import_files(con, [write_csv(tmp_path / "dc.csv", [REGISTER_HEADER] + REGISTER)], "population")
        import_files(con, [write_csv(tmp_path / "hs.csv", [HSSK_HEADER] + HSSK)], "hssk")
        bring_up_to_date(con)
    return str(path)


# --- audit verify --------------------------------------------------------------------------------------------

@pytest.fixture
def logged(tmp_path, monkeypatch):
    """A database file with six audit events (key and anchor file next to it)."""
    monkeypatch.delenv("HSSK_KEY_DIR", raising=False)
    path = tmp_path / "nhatky.duckdb"
    with db.connect(path) as con:
        auth.ensure_schema(con)
        for i in range(6):
            audit.record(con, "an", "truong_tram", "export", target=f"t{i}", detail={"rows": i})
    return str(path)


def test_audit_verify_of_an_intact_log_exits_0_and_gives_a_checkpoint(logged, capsys):
    code, out, _ = run(capsys, "audit", "verify", "--db", logged)
    assert code == 0
    assert "6 sự kiện" in out and out.strip().endswith("Không phát hiện sửa, xóa hay cắt bớt.")
    with db.connect(logged, read_only=True) as con:
        checkpoint = audit.verify(con).checkpoint
    assert checkpoint and checkpoint in out
    assert run(capsys, "audit", "verify", "--checkpoint", checkpoint, "--db", logged)[0] == 0
    code, out, _ = run(capsys, "audit", "verify", "--checkpoint", "6-000000000000", "--db", logged)
    assert code == 1 and "Mã kiểm tra 6-000000000000" in out


@pytest.mark.parametrize("tamper, said", [
    ("update audit_log set target = 'khác' where audit_id = 3", "Sự kiện #3"),
    ("delete from audit_log where audit_id >= 5", "#6"),  # the cut tail: the lost events are named
    ("delete from audit_log", "PHÁT HIỆN"),
])
def test_audit_verify_of_a_tampered_log_exits_1_and_says_where(logged, capsys, tamper, said):
    with db.connect(logged) as con:
        con.execute(tamper)
    code, out, err = run(capsys, "audit", "verify", "--db", logged)
    assert code == 1 and "PHÁT HIỆN" in out and said in out and not err


# --- villages ------------------------------------------------------------------------------------------------

def test_villages_lists_the_unknown_spellings_and_map_applies_them(station, capsys):
    code, out, _ = run(capsys, "villages", "--db", station)
    assert code == 0
    (line,) = [line for line in out.splitlines() if line.startswith("Xuân Dụk")]
    assert line.split()[2] == "1" and "HSSK" in line and line.endswith("Xuân Dục")
    code, out, _ = run(capsys, "villages", "--json", "--db", station)
    assert json.loads(out) == [{"cach_viet": "Xuân Dụk", "so_ho_so": 1, "nguon": ["HSSK"], "goi_y": "Xuân Dục"}]
    with db.connect(station, read_only=True) as con:
        before = kpi.compute(con, "2026-11-25")["villages"]["Xuân Dục"]["kpi_admin"]

    code, out, err = run(capsys, "villages", "map", "Xuân Dụk", "xuan duc", "--db", station)
    assert code == 0, err
    assert "cho thôn Xuân Dục:" in out and "4 hồ sơ" in out and "thôn mới" not in out
    assert "Đã cập nhật số liệu" in out
    code, out, _ = run(capsys, "villages", "--db", station)
    assert "đều khớp với một thôn" in out
    with db.connect(station, read_only=True) as con:
        after = kpi.compute(con, "2026-11-25")["villages"]["Xuân Dục"]["kpi_admin"]
        assert (before, after) == (0.5, 1.0)
        mapped = con.execute("select spelling, village, mapped_by from village_mappings").fetchall()
    assert [m[:2] for m in mapped] == [("Xuân Dụk", "Xuân Dục")] and mapped[0][2]


def test_villages_map_to_a_new_name_adds_the_village(station, capsys):
    code, out, _ = run(capsys, "villages", "map", "Xuân Dụk", "Xóm Mới", "--db", station)
    assert code == 0 and "cho thôn Xóm Mới (thôn mới)" in out and "1 hồ sơ" in out
    code, _, err = run(capsys, "villages", "map", "  ", "Xuân Dục", "--db", station)
    assert code == 2 and "cách viết" in err


def test_worklist_village_accepts_every_register_village(station, tmp_path, capsys):
    """Xuân Dục and Đồng Vàng are villages because the register names them, not because villages.csv does."""
    for typed, village in (("dong vang", "Đồng Vàng"), ("THÔN XUÂN DỤC", "Xuân Dục")):
        out_file = tmp_path / f"{village}.xlsx"
        code, out, err = run(capsys, "worklist", "--kind", "all", "--village", typed, "--out", str(out_file),
                             "--db", station)
        assert code == 0, err
        assert f"(thôn {village})" in out and out_file.exists()
    code, _, err = run(capsys, "worklist", "--kind", "all", "--village", "Đồng Vắng Xa", "--out",
                       str(tmp_path / "x.xlsx"), "--db", station)
    assert code == 2 and "Đồng Vàng" in err and "Xuân Dục" in err


# --- lookup --------------------------------------------------------------------------------------------------

def test_lookup_prints_the_best_persons_for_people(station, capsys):
    code, out, err = run(capsys, "lookup", "--name", "NGUYEN VAN AN", "--birth", "05/03/1980", "--db", station)
    assert code == 0, err
    lines = out.splitlines()
    assert "Xác suất" in lines[1] and "Họ tên" in lines[1] and "Ngày sinh" in lines[1] and "Số định danh" in lines[1]
    first = lines[2]
    assert first.startswith("1 ") and "Nguyễn Văn An" in first and "05/03/1980" in first and "001080012345" in first
    assert "1980-03-05" not in out and "Vì sao:" in lines[3]
    code, out, _ = run(capsys, "lookup", "--id", "001080012345", "--json", "--db", station)
    found = json.loads(out)
    assert code == 0 and 1 <= len(found) <= 5
    assert found[0]["ho_ten"] == "Nguyễn Văn An" and found[0]["ngay_sinh"] == "05/03/1980"
    assert found[0]["so_dinh_danh"] == "001080012345"
    probabilities = [p["xac_suat"] for p in found]
    assert probabilities == sorted(probabilities, reverse=True) and all(0 <= p <= 1 for p in probabilities)
    assert len({p["ma_nguoi"] for p in found}) == len(found)


def test_lookup_without_anything_typed_or_before_linkage_is_said(station, tmp_path, capsys):
    code, _, err = run(capsys, "lookup", "--db", station)
    assert code == 2 and "ít nhất một thông tin" in err
    empty = tmp_path / "empty.duckdb"
    db.connect(empty).close()
    code, _, err = run(capsys, "lookup", "--name", "An", "--db", str(empty))
    assert code == 2 and "Chưa ghép nối" in err and "Lỗi không mong đợi" not in err


# --- read commands open read-only ---------------------------------------------------------------------------

def test_read_commands_run_beside_another_reader(station, capsys):
    """Another process holding the file read-only lets readers in: every read command succeeds at once, while a
    command that writes (kpi with its snapshot) has to wait for it."""
    with holding(station, seconds=60, read_only=True):
        for argv in (["kpi", "--no-snapshot", "--json"], ["review"], ["villages"], ["audit", "verify"],
                     ["lookup", "--name", "Lê Thị Bình"], ["evaluate", "--truth", "/nonexistent"]):
            code, out, err = run(capsys, *argv, "--db", station, "--wait", "0")
            assert "lock" not in err and "đang được một chương trình khác sử dụng" not in err, (argv, err)
            if argv[0] == "audit":  # its own exit code is tested above; here: it read the log
                assert "Nhật ký kiểm toán:" in out, err
            elif argv[0] != "evaluate":  # no truth here: still, the file was opened
                assert code == 0, (argv, out, err)
        code, _, err = run(capsys, "kpi", "--db", station, "--wait", "0")
    assert code == 2 and "đang được một chương trình khác sử dụng" in err


def test_review_of_a_database_never_linked_says_so(tmp_path, capsys):
    path = tmp_path / "new.duckdb"
    db.connect(path).close()
    code, out, _ = run(capsys, "review", "--db", str(path))
    assert code == 0 and "chưa ghép nối" in out
    with db.connect(path, read_only=True) as con:
        assert "person_records" not in {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}


def test_a_new_station_imported_from_the_command_line_has_an_intact_audit_log(tmp_path, monkeypatch, capsys):
    """Imports record their event inside their own transaction: the anchor file next to a new database must not
    be taken for a deleted one at the next event (audit verify exited 1 on every new station)."""
    monkeypatch.delenv("HSSK_KEY_DIR", raising=False)
    path = str(tmp_path / "moi.duckdb")
    register = write_csv(tmp_path / "dc.csv", [REGISTER_HEADER] + REGISTER)
    records = write_csv(tmp_path / "hs.csv", [HSSK_HEADER] + HSSK)
    assert run(capsys, "import", str(register), "--kind", "population", "--db", path)[0] == 0
    assert run(capsys, "import", str(records), "--kind", "hssk", "--db", path)[0] == 0
    code, out, _ = run(capsys, "audit", "verify", "--db", path)
    assert code == 0, out
    assert "PHÁT HIỆN" not in out and out.strip().endswith("Không phát hiện sửa, xóa hay cắt bớt.")
