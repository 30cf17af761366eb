"""Hostile and broken files, and faults around an import: refused quickly with a message that says what happened,
never a crash, a hang or garbled data; the database unchanged and the same import working afterwards.

Every hostile file is generated here (the large ones are a few KB compressed, or written to tmp_path)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from hssk import config
from hssk.db import connect
from hssk.errors import HsskError
from hssk.ingest.readers import read_sheets
from hssk.ingest.store import import_files
from tests.files import to_cp1258, write_csv, write_encrypted_xlsx, write_far_ods, write_raw_xlsx, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["Mã HSSK", "Họ và tên", "Ngày sinh", "Giới tính"]
ROWS = [["HS001", "Nguyễn Văn An", "05/03/1980", "Nam"], ["HS002", "Lê Thị Huệ", "1975", "Nữ"]]


def cli_import(path: Path, db: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """The CLI in its own process: a reader that aborts or loops forever fails the test instead of killing it."""
    return subprocess.run([sys.executable, "-m", "hssk", "import", str(path), "--kind", "hssk", "--db", str(db)],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          env={**os.environ, "RUST_BACKTRACE": "0"})


def refused(path: Path, kind: str = "hssk") -> HsskError:
    with pytest.raises(HsskError) as err:
        for sheet in read_sheets(path, kind):
            for _ in sheet.chunks:
                pass
    return err.value


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db_with_data(tmp_path):
    """A database holding one good import, and its bytes' digest."""
    db = tmp_path / "hssk.duckdb"
    with connect(db) as con:
        import_files(con, [write_xlsx(tmp_path / "good.xlsx", [HEADER] + ROWS)], "hssk")
    return db


@pytest.fixture
def small_limits(tmp_path, monkeypatch):
    """data/config.toml with an [import] section of small limits (the limits are settings, not constants)."""
    text = (config.CONFIG_PATH.read_text(encoding="utf-8").split("[import]")[0]
            + "[import]\nmax_columns = 6\nmax_rows = 1000\nmax_cell_bytes = 1000\nmax_grid_cells = 3000\n")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(config, "CONFIG_PATH", path)
    return config.import_limits()


# ---------------------------------------------------------------------------------- 1. readers with limits
def test_default_limits_come_from_the_import_section():
    limits = config.import_limits()
    assert limits.max_columns == 200 and limits.max_rows == 5_000_000 and limits.max_cell_bytes == 1 << 20


def test_the_tiny_far_cell_workbook_is_refused_quickly_without_a_crash(tmp_path):
    """1.7 KB, one cell at XFD1048576: the Excel reader would allocate 16,384 × 1,048,576 cells (512 GB)."""
    path = write_raw_xlsx(tmp_path / "far.xlsx", [HEADER] + ROWS, dimension="A1:XFD1048576",
                          extra_cells=[(1048576, 16384, "x")])
    assert path.stat().st_size < 2500
    started = time.monotonic()
    proc = cli_import(path, tmp_path / "x.duckdb")
    assert proc.returncode == 2, proc.stderr[-500:]
    assert time.monotonic() - started < 20
    assert "far.xlsx" in proc.stderr and "16.384" in proc.stderr and "200 cột" in proc.stderr
    assert "memory allocation" not in proc.stderr and "Traceback" not in proc.stderr


def test_a_cell_in_column_one_million_is_refused(tmp_path):
    path = write_raw_xlsx(tmp_path / "wide.xlsx", [HEADER] + ROWS, extra_cells=[(2, 1_000_000, "x")])
    started = time.monotonic()
    proc = cli_import(path, tmp_path / "x.duckdb")
    assert proc.returncode == 2, proc.stderr[-500:]
    assert time.monotonic() - started < 20
    assert "cột 1.000.000" in proc.stderr and "max_columns" in proc.stderr


def test_a_64_mb_cell_in_a_64_kb_file_is_refused_quickly(tmp_path):
    path = write_raw_xlsx(tmp_path / "bomb.xlsx", [HEADER, ROWS[0], ["HS002", "x" * (64 << 20), "1975", "Nữ"]])
    assert path.stat().st_size < 100_000
    started = time.monotonic()
    err = refused(path)
    assert time.monotonic() - started < 5
    assert "bomb.xlsx" in err.message and "tỷ lệ nén" in err.message and "200 lần" in err.message


def test_a_big_cell_that_compresses_badly_is_refused_naming_its_row(tmp_path):
    noise = hashlib.sha256(b"0").hexdigest() * 40_000  # 2.5 MB of hex: it compresses only about twice
    path = write_raw_xlsx(tmp_path / "cell.xlsx", [HEADER, ROWS[0], ROWS[1], ["HS003", noise, "1990", "Nam"]])
    err = refused(path)
    assert "dòng 4" in err.message and "«Họ và tên»" in err.message and "1.048.576 byte" in err.message


def test_a_grid_too_large_for_memory_is_refused(tmp_path):
    """200 columns are allowed and so are a million rows, but not both at once: the grid is what is allocated."""
    wide_header = HEADER + [f"Cột {i}" for i in range(5, 201)]
    path = write_raw_xlsx(tmp_path / "grid.xlsx", [wide_header, ROWS[0]], extra_cells=[(1_000_000, 1, "HS9")])
    err = refused(path)
    assert "1.000.000 dòng × 200 cột" in err.message and "max_grid_cells" in err.message


def test_an_opendocument_sheet_reaching_far_is_refused_as_a_limit(tmp_path):
    err = refused(write_far_ods(tmp_path / "far.ods", HEADER))
    assert "far.ods" in err.message and "max_grid_cells" in err.message and "hỏng" not in err.message


def test_cells_without_references_are_counted(tmp_path, small_limits):
    path = write_raw_xlsx(tmp_path / "noref.xlsx", [HEADER + ["a", "b", "c", "d"], ROWS[0]], refs=False)
    err = refused(path)
    assert "cột 8" in err.message and "6 cột" in err.message


def test_limits_are_read_from_the_settings(tmp_path, small_limits):
    ok = write_xlsx(tmp_path / "ok.xlsx", [HEADER + ["Ghi chú"], ROWS[0] + ["x"]])
    assert [t.num_rows for s in read_sheets(ok, "hssk") for t in s.chunks] == [1]
    wide = write_xlsx(tmp_path / "wide.xlsx", [HEADER + ["a", "b", "c"], ROWS[0] + ["1", "2", "3"]])
    assert "6 cột" in refused(wide).message
    many = write_csv(tmp_path / "many.csv", [HEADER] + [ROWS[0]] * 1200)
    assert "1.000 dòng" in refused(many).message
    cell = write_csv(tmp_path / "cell.csv", [HEADER, ROWS[0], ["HS2", "y" * 2000, "1990", "Nam"]])
    err = refused(cell)
    assert "cell.csv" in err.message and "dòng 3" in err.message and "1.000 byte" in err.message


def test_a_csv_line_beyond_the_limit_is_refused_with_its_number(tmp_path):
    path = tmp_path / "line.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\n")
        fh.write("HS3," + "z" * (10 << 20) + ",1990,Nam\n")  # a 10 MB cell near the top
    err = refused(path)
    assert "line.csv, dòng 3" in err.message and "8.388.608 byte" in err.message


def test_a_csv_with_a_million_columns_is_refused_quickly(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(HEADER) + "," * 1_000_000 + "\n" + ",".join(ROWS[0]) + "\n", encoding="utf-8")
    started = time.monotonic()
    err = refused(path)
    assert time.monotonic() - started < 5
    assert "wide.csv, dòng 1" in err.message and "1.000.004 cột" in err.message and "200 cột" in err.message


# --------------------------------------------------------------------------------- 2. nothing corrupted
def _mixed_csv(path: Path, utf8_first: bool) -> Path:
    lines = [",".join(HEADER)] + [f"HS{i:03d},Ngô Văn Nam,01/01/1990,Nam" for i in range(1, 7)]
    head, tail = lines[:4], lines[4:]
    first, second = (str.encode, to_cp1258) if utf8_first else (to_cp1258, str.encode)
    path.write_bytes(b"\r\n".join([first(line) for line in head] + [second(line) for line in tail]) + b"\r\n")
    return path


@pytest.mark.parametrize("utf8_first", [True, False])
def test_a_csv_mixing_two_encodings_is_refused_naming_the_line(tmp_path, utf8_first):
    err = refused(_mixed_csv(tmp_path / "mixed.csv", utf8_first))
    assert "mixed.csv, dòng 5" in err.message and "trộn hai bảng mã" in err.message
    assert "thiếu cột" not in err.message


def test_a_consistent_cp1258_file_still_reads(con, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes(b"\r\n".join(to_cp1258(",".join(r)) for r in [HEADER] + ROWS))
    import_files(con, [path], "hssk")
    assert [r[0] for r in con.execute("select full_name from clean order by row_number").fetchall()] == \
        ["Nguyễn Văn An", "Lê Thị Huệ"]


def test_nul_and_control_characters_are_removed_with_a_finding(con, tmp_path):
    rows = [["HS001", "Nguyễn\x00 Văn\x07 An", "05/03/1980", "Nam"], ["HS002", "Lê Thị Huệ", "1975", "Nữ\x1f"]]
    import_files(con, [write_csv(tmp_path / "ctl.csv", [HEADER] + rows)], "hssk")
    names = con.execute("select full_name, full_name_orig, sex from clean order by row_number").fetchall()
    assert names == [("Nguyễn Văn An", "Nguyễn Văn An", "M"), ("Lê Thị Huệ", "Lê Thị Huệ", "F")]
    findings = con.execute("select r.row_number, f.detail from findings f join clean r using (rec_uid) "
                           "where f.code = 'control_characters' order by 1").fetchall()
    assert findings == [(1, "Họ và tên"), (2, "Giới tính")]


def test_control_characters_in_a_workbook_are_removed_too(con, tmp_path):
    path = write_raw_xlsx(tmp_path / "ctl.xlsx", [HEADER, ["HS001", "Trần_x0001_ Văn Bình", "1990", "Nam"]])
    import_files(con, [path], "hssk")
    assert con.execute("select full_name from clean").fetchone()[0] == "Trần Văn Bình"
    assert con.execute("select count(*) from findings where code = 'control_characters'").fetchone()[0] == 1


def test_a_title_cell_with_a_quoted_line_break_is_not_a_record(con, tmp_path):
    rows = [["DANH SÁCH HỒ SƠ\nXÃ BÁT TRÀNG", "", "", ""], ["Ngày in: 01/12/2026", "", "", ""], HEADER] + ROWS
    path = write_csv(tmp_path / "title.csv", rows)
    result = import_files(con, [path], "hssk")
    assert result.n_rows == 2
    assert [r[0] for r in con.execute("select record_id from clean order by row_number").fetchall()] == \
        ["HS001", "HS002"]
    assert con.execute("select header_row from import_files").fetchone()[0] == 4  # the file's 4th line


def test_birth_dates_in_the_future_or_before_1900_are_findings_not_values(con, tmp_path):
    rows = [["HS001", "A", "05/03/2099", "Nam"], ["HS002", "B", "1850", "Nữ"], ["HS003", "C", "12/2099", "Nam"],
            ["HS004", "D", "01/01/1980", "Nam"]]
    import_files(con, [write_csv(tmp_path / "dates.csv", [HEADER] + rows)], "hssk")
    clean = con.execute("select record_id, birth_year, birth_date, birth_text from clean order by 1").fetchall()
    assert [c[1:] for c in clean[:3]] == [(None, None, None)] * 3
    assert clean[3][1] == 1980
    found = con.execute("select c.record_id, f.code, f.value, f.detail from findings f join clean c using (rec_uid) "
                        "where f.field = 'birth_date' order by 1").fetchall()
    assert [f[:3] for f in found] == [("HS001", "invalid", "05/03/2099"), ("HS002", "invalid", "1850"),
                                      ("HS003", "invalid", "12/2099")]
    assert "sau hôm nay" in found[0][3] and "trước năm 1900" in found[1][3]


def test_a_utf16_unicode_text_export_is_read(con, tmp_path):
    """Excel's "Unicode Text": UTF-16 little-endian with a BOM, tab-separated."""
    path = tmp_path / "unicode.txt"
    path.write_bytes("\r\n".join("\t".join(r) for r in [HEADER] + ROWS).encode("utf-16"))
    assert import_files(con, [path], "hssk").n_rows == 2
    assert [r[0] for r in con.execute("select full_name from clean order by row_number").fetchall()] == \
        ["Nguyễn Văn An", "Lê Thị Huệ"]


def test_a_refused_large_file_says_which_row_is_wrong(con, tmp_path):
    rows = [[f"HS{i}", "Nguyễn Văn An", "05/03/1980", "Nam"] for i in range(200_000)]
    rows[149_999] = ["HS149999", "Nguyễn Văn An", "05/03/1980"]  # one cell short
    path = write_csv(tmp_path / "big.csv", [HEADER] + rows)
    with pytest.raises(HsskError) as err:
        import_files(con, [path], "hssk")
    assert "big.csv, dòng 150.001" in err.value.message and "3 ô" in err.value.message
    assert con.execute("select count(*) from clean").fetchone()[0] == 0


# --------------------------------------------------------------------------------- 3. faults say what happened
def test_the_upload_reader_refuses_the_far_cell_workbook_in_process(tmp_path):
    """The app's page calls the same reader in the server's process: refused there, nothing allocated."""
    path = write_raw_xlsx(tmp_path / "far.xlsx", [HEADER] + ROWS, extra_cells=[(1048576, 16384, "x")])
    assert "max_columns" in refused(path).message


def test_a_directory_given_as_the_file(tmp_path, db_with_data):
    before = digest(db_with_data)
    folder = tmp_path / "xuat_thang_11.xlsx"
    folder.mkdir()
    proc = cli_import(folder, db_with_data)
    assert proc.returncode == 2 and "là một thư mục" in proc.stderr, proc.stderr
    assert digest(db_with_data) == before


def test_a_symlink_to_dev_zero_is_not_read_forever(tmp_path, db_with_data):
    before = digest(db_with_data)
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    proc = cli_import(link, db_with_data, timeout=30)
    assert proc.returncode == 2 and "không phải tệp dữ liệu thông thường" in proc.stderr, proc.stderr
    assert digest(db_with_data) == before


def test_a_password_protected_workbook_says_so(tmp_path, db_with_data):
    before = digest(db_with_data)
    path = write_encrypted_xlsx(tmp_path / "matkhau.xlsx", [HEADER] + ROWS)
    proc = cli_import(path, db_with_data)
    assert proc.returncode == 2 and "matkhau.xlsx có mật khẩu" in proc.stderr, proc.stderr
    assert "hỏng" not in proc.stderr
    assert digest(db_with_data) == before


def test_a_full_disk_is_named_and_leaves_the_database_unchanged(tmp_path, db_with_data, monkeypatch):
    from hssk.ingest import store

    """A real write failure with ENOSPC in the middle of the import's transaction (DuckDB writing to /dev/full);
    DuckDB then refuses the rest of the transaction ("Current transaction is aborted"), which must not hide it."""
    before = digest(db_with_data)
    new = write_csv(tmp_path / "thang12.csv", [HEADER] + ROWS + [["HS003", "Trần Văn Bình", "1990", "Nam"]])
    real_findings_sql = store.findings_sql
    monkeypatch.setattr(store, "findings_sql", lambda kind: "copy (select 1 as x) to '/dev/full' (format csv)")
    with connect(db_with_data) as con:
        with pytest.raises(HsskError) as err:
            import_files(con, [new], "hssk")
        assert "Ổ đĩa đã đầy" in err.value.message and "giữ nguyên" in err.value.message
        assert con.execute("select count(*) from clean").fetchone()[0] == 2
    assert digest(db_with_data) == before
    monkeypatch.setattr(store, "findings_sql", real_findings_sql)
    with connect(db_with_data) as con:  # the same import, once there is room again
        assert import_files(con, [new], "hssk").n_rows == 3


def test_a_database_held_by_another_program_names_it(tmp_path, db_with_data):
    before = digest(db_with_data)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, duckdb; con = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); sys.stdin.read()", str(db_with_data)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(HsskError) as err:
            connect(db_with_data)
        assert isinstance(err.value, duckdb.IOException)  # what the app's connection catches
        assert "đang được một chương trình khác mở" in err.value.message
        assert f"PID {holder.pid}" in err.value.message
        new = write_csv(tmp_path / "thang12.csv", [HEADER] + ROWS)
        proc = cli_import(new, db_with_data)
        assert proc.returncode == 2 and f"PID {holder.pid}" in proc.stderr, proc.stderr
        assert "Lỗi không mong đợi" not in proc.stderr
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert digest(db_with_data) == before
    proc = cli_import(new, db_with_data)  # once the other program has closed it
    assert proc.returncode == 0, proc.stderr


def test_text_that_looks_like_a_reference_is_not_one(con, tmp_path):
    """A cell's text may hold ` r="…"` (XML text keeps its quotes): only letters-then-digits are references."""
    path = write_raw_xlsx(tmp_path / "text.xlsx", [HEADER, ["HS001", 'Ghi r="KHÔNG PHẢI Ô NÀO CẢ" r="12 34"', "1990",
                                                          "Nam"]])
    assert import_files(con, [path], "hssk").n_rows == 1
