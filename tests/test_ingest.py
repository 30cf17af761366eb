"""Importing exports: header aliases, encodings, identifier restoration, batches, and bad files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hssk.db import connect
from hssk.errors import HsskError
from hssk.ingest.headers import ALIASES, header_key, match_headers
from hssk.ingest.store import import_files, raw_row, undo_last_import
from tests.files import to_cp1258, write_csv, write_xlsx

ROOT = Path(__file__).resolve().parent.parent

HSSK_HEADER = ["Mã HSSK", "HỌ VÀ TÊN", "Ngày sinh", "Giới tính", "Số CCCD", "Dân tộc", "Địa chỉ", "Ghi chú"]
HSSK_ROWS = [
    ["HS001", "Nguyễn Văn An", "05/03/1980", "Nam", 1080012345, "Kinh", "Thôn Giang Cao, xã Bát Tràng", "x"],
    ["HS002", "NguyÔn ThÞ Hßa", "1975", "Nữ", "001175000123", "01", "Thôn Khoan Tế, xã Đa Tốn, huyện Gia Lâm", ""],
    ["HS003", "Traàn Vaên Bình", "03/1990", "1", None, "Kinh", None, None],
]


def clean_rows(con, kind="hssk"):
    return con.execute("select * from current_clean where kind = ? order by row_number", [kind]).df()


def test_header_key_ignores_case_diacritics_and_punctuation():
    assert header_key("HỌ VÀ TÊN") == header_key("Ho va ten") == header_key("họ_và_tên") == "hovaten"
    assert header_key("Ngày, tháng, năm sinh") == "ngaythangnamsinh"
    assert header_key("Số CCCD/ĐDCN") == "socccdddcn"


@pytest.mark.parametrize("kind", list(ALIASES))
def test_aliases_are_unambiguous_within_a_kind(kind):
    seen: dict[str, str] = {}
    for field, aliases in ALIASES[kind].items():
        for alias in aliases:
            assert seen.setdefault(header_key(alias), field) == field, alias


def test_formats_md_aliases_are_recognised():
    headers = ["Mã hồ sơ", "Họ, chữ đệm và tên", "NGAYSINH", "GIOITINH", "MADINHDANH", "Số CMND", "MATHE",
               "MADANTOC", "Nơi thường trú", "Thôn/Tổ dân phố", "SĐT", "Mã hộ GĐ", "Tiền sử bệnh tật"]
    mapping = match_headers("hssk", headers)
    assert sorted(mapping.values()) == sorted(["record_id", "full_name", "birth_date", "sex", "personal_id", "old_id",
                                               "insurance_no", "ethnicity", "address", "village", "phone",
                                               "household_code", "medical_history"])


def test_xlsx_with_title_rows_numeric_ids_legacy_text_and_partial_dates(con, tmp_path):
    path = write_xlsx(tmp_path / "hssk.xlsx", [HSSK_HEADER] + HSSK_ROWS,
                      title_rows=["DANH SÁCH HỒ SƠ SỨC KHỎE", "Xã Bát Tràng"])
    result = import_files(con, [path], "hssk")
    assert result.n_rows == 3
    rows = clean_rows(con)
    assert list(rows.record_id) == ["HS001", "HS002", "HS003"]
    # Excel turned the CCCD into a number: the leading zeros come back.
    assert rows.personal_id[0] == "001080012345"
    assert rows.personal_id_orig[0] == "1080012345"
    # TCVN3 and VNI cells become Unicode; the original stays next to it.
    assert rows.full_name[1] == "Nguyễn Thị Hòa"
    assert rows.full_name_orig[1] == "NguyÔn ThÞ Hßa"
    assert rows.full_name[2] == "Trần Văn Bình"
    # Partial dates stay partial.
    assert (rows.birth_precision[1], rows.birth_year[1], rows.birth_text[1]) == ("year", 1975, "1975")
    assert (rows.birth_precision[2], rows.birth_text[2]) == ("month", "1990-03")
    assert rows.birth_date[1] is None or str(rows.birth_date[1]) in ("NaT", "None")
    assert list(rows.sex) == ["M", "F", "M"]
    assert list(rows.village[:2]) == ["Giang Cao", "Khoan Tế"]
    files = con.execute("select header_row, unknown_columns from import_files").fetchone()
    assert files[0] == 3
    assert json.loads(files[1]) == ["Ghi chú"]
    raw = raw_row(con, con.execute("select rec_uid from raw_rows where row_number = 1").fetchone()[0])
    assert raw["Ghi chú"] == "x" and raw["HỌ VÀ TÊN"] == "Nguyễn Văn An"
    assert len(raw) == len(json.loads(con.execute("select headers from import_files").fetchone()[0]))
    findings = set(con.execute("select field, code from findings").fetchall())
    assert {("personal_id", "restored_zeros"), ("full_name", "legacy_encoding"),
            ("birth_date", "partial_date"), ("personal_id", "missing")} <= findings


def test_semicolon_csv_with_bom(con, tmp_path):
    path = write_csv(tmp_path / "hssk.csv", [HSSK_HEADER] + HSSK_ROWS, encoding="utf-8-sig", delimiter=";")
    assert import_files(con, [path], "hssk").n_rows == 3
    rows = clean_rows(con)
    assert rows.full_name[0] == "Nguyễn Văn An"
    assert rows.personal_id[0] == "001080012345"


def test_cp1258_csv_becomes_unicode(con, tmp_path):
    header = ["Họ và tên", "Ngày sinh", "Giới tính", "Ngày mất", "Thôn"]
    rows = [["Lê Thị Huệ", "12/01/1940", "Nữ", "02/02/2026", "Giang Cao"],
            ["Đỗ Văn Đức", "1931", "Nam", "15/06/2026", "Khoan Tế"]]
    path = tmp_path / "deaths.csv"
    path.write_bytes(to_cp1258("\r\n".join(",".join(r) for r in [header] + rows)))
    assert import_files(con, [path], "deaths").n_rows == 2
    out = clean_rows(con, "deaths")
    assert list(out.full_name) == ["Lê Thị Huệ", "Đỗ Văn Đức"]
    assert list(out.status) == ["dead", "dead"]


def test_same_file_twice_is_a_noop(con, tmp_path):
    path = write_xlsx(tmp_path / "hssk.xlsx", [HSSK_HEADER] + HSSK_ROWS)
    import_files(con, [path], "hssk")
    again = import_files(con, [path], "hssk")
    assert again.batch_id is None and again.skipped == ["hssk.xlsx"]
    assert "đã nhập" in again.message
    assert con.execute("select count(*) from raw_rows").fetchone()[0] == 3


def test_unchanged_file_of_a_two_file_export_stays_in_the_new_snapshot(con, tmp_path):
    # Month 1: the export comes in two files; month 2: part 1 is byte-identical, part 2 changed.
    part1 = write_xlsx(tmp_path / "p1.xlsx", [HSSK_HEADER] + HSSK_ROWS[:2])
    part2 = write_csv(tmp_path / "p2.csv", [HSSK_HEADER] + HSSK_ROWS[2:])
    import_files(con, [part1, part2], "hssk")
    changed = [HSSK_ROWS[2][:1] + ["Trần Văn Bình"] + HSSK_ROWS[2][2:]]
    part2b = write_csv(tmp_path / "p2_thang2.csv", [HSSK_HEADER] + changed)
    second = import_files(con, [part1, part2b], "hssk")
    assert second.batch_id is not None and len(second.files) == 2
    assert "không có gì thay đổi" not in second.message
    current = clean_rows(con)
    assert sorted(current.record_id) == ["HS001", "HS002", "HS003"]
    assert set(current.batch_id) == {second.batch_id}
    assert current.set_index("record_id").loc["HS003", "full_name"] == "Trần Văn Bình"
    # Only a batch equal to the current one changes nothing.
    again = import_files(con, [part2b, part1], "hssk")
    assert again.batch_id is None and "không có gì thay đổi" in again.message
    assert len(clean_rows(con)) == 3


def test_event_files_already_imported_count_once(con, tmp_path):
    header = ["Họ và tên", "Ngày sinh", "Giới tính", "Ngày mất", "Thôn"]
    a = write_csv(tmp_path / "a.csv", [header, ["Lê Thị Huệ", "12/01/1940", "Nữ", "02/02/2026", "Giang Cao"]])
    b = write_csv(tmp_path / "b.csv", [header, ["Đỗ Văn Đức", "1931", "Nam", "15/06/2026", "Khoan Tế"]])
    import_files(con, [a], "deaths")
    second = import_files(con, [a, b], "deaths")
    assert [f["file_name"] for f in second.files] == ["b.csv"] and second.skipped == ["a.csv"]
    assert len(clean_rows(con, "deaths")) == 2


def test_snapshot_batches_replace_the_current_snapshot_and_keep_history(con, tmp_path):
    part1 = write_xlsx(tmp_path / "p1.xlsx", [HSSK_HEADER] + HSSK_ROWS[:2])
    part2 = write_csv(tmp_path / "p2.csv", [HSSK_HEADER] + HSSK_ROWS[2:])
    first = import_files(con, [part1, part2], "hssk")
    assert first.n_rows == 3 and len(first.files) == 2
    newer = write_csv(tmp_path / "new.csv", [HSSK_HEADER] + HSSK_ROWS[:1])
    import_files(con, [newer], "hssk")
    assert len(clean_rows(con)) == 1
    assert con.execute("select count(*) from clean").fetchone()[0] == 4
    assert undo_last_import(con) is not None
    assert len(clean_rows(con)) == 3
    assert con.execute("select count(*) from raw_rows").fetchone()[0] == 4  # raw is never deleted


def test_event_batches_accumulate_and_count_a_row_once(con, tmp_path):
    header = ["Số CCCD", "Ngày khám", "Loại", "Mã", "Mô tả", "Nguồn"]
    r1 = ["001080012345", "01/02/2026", "tiêm chủng", "VX01", "Viêm gan B", "TCMR"]
    r2 = ["001175000123", "03/02/2026", "khám bệnh", "I10", "Tăng huyết áp", "HIS"]
    r3 = ["001175000123", "04/03/2026", "xét nghiệm", "", "Đường huyết", "LIS"]
    import_files(con, [write_csv(tmp_path / "care1.csv", [header, r1, r2])], "care")
    import_files(con, [write_csv(tmp_path / "care2.csv", [header, r2, r3])], "care")
    rows = clean_rows(con, "care")
    assert len(rows) == 3
    assert sorted(rows.event_kind) == ["exam", "lab", "vaccination"]


def test_missing_required_column_is_named(con, tmp_path):
    path = write_csv(tmp_path / "hssk.csv", [["Mã HSSK", "Họ và tên", "Giới tính"], ["1", "A", "Nam"]])
    with pytest.raises(HsskError) as err:
        import_files(con, [path], "hssk")
    assert "Ngày sinh" in err.value.message


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(bytes(range(256)) * 40)
    return {
        "empty": empty,
        "garbage": garbage,
        "wrong columns": write_csv(tmp_path / "wrong.csv", [["a", "b", "c"], ["1", "2", "3"]]),
        "duplicated headers": write_csv(tmp_path / "dup.csv", [HSSK_HEADER[:4] + ["Họ và tên"], ["1", "A", "1990", "Nam", "B"]]),
        "header only": write_xlsx(tmp_path / "header.xlsx", [HSSK_HEADER]),
        "ragged row": write_csv(tmp_path / "ragged.csv", [HSSK_HEADER[:4], ["1", "A", "1990", "Nam"], ["2", "B"]]),
    }


@pytest.mark.parametrize("case", ["empty", "garbage", "wrong columns", "duplicated headers", "header only",
                                  "ragged row"])
def test_bad_file_leaves_database_byte_for_byte_unchanged(tmp_path, case):
    db = tmp_path / "hssk.duckdb"
    good = write_xlsx(tmp_path / "good.xlsx", [HSSK_HEADER] + HSSK_ROWS)
    with connect(db) as con:
        import_files(con, [good], "hssk")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    bad = _bad_files(tmp_path)[case]
    with connect(db) as con, pytest.raises(HsskError) as err:
        import_files(con, [bad], "hssk")
    assert err.value.message  # a Vietnamese sentence, not a traceback
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_a_failing_file_rolls_back_the_whole_batch(con, tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", [HSSK_HEADER] + HSSK_ROWS)
    bad = write_csv(tmp_path / "wrong.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(HsskError):
        import_files(con, [good, bad], "hssk")
    assert con.execute("select count(*) from raw_rows").fetchone()[0] == 0
    assert con.execute("select count(*) from import_batches").fetchone()[0] == 0


def test_cli_bad_input_exits_nonzero_without_traceback(tmp_path):
    bad = write_csv(tmp_path / "wrong.csv", [["a", "b"], ["1", "2"]])
    proc = subprocess.run([sys.executable, "-m", "hssk", "import", str(bad), "--kind", "hssk",
                           "--db", str(tmp_path / "x.duckdb")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "Lỗi:" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_import_and_export_records(tmp_path):
    path = write_xlsx(tmp_path / "hssk.xlsx", [HSSK_HEADER] + HSSK_ROWS)
    db = str(tmp_path / "x.duckdb")
    run = lambda *a: subprocess.run([sys.executable, "-m", "hssk", *a, "--db", db],
                                    capture_output=True, text=True, cwd=ROOT)
    imported = run("import", str(path), "--kind", "hssk")
    assert imported.returncode == 0, imported.stderr
    assert "Ghi chú" in imported.stdout
    out = tmp_path / "records.csv"
    exported = run("export", "records", "--kind", "hssk", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    import pandas as pd
    frame = pd.read_csv(out, dtype=str)
    assert len(frame) == 3
    assert {"record_id", "full_name_orig", "full_name", "personal_id"} <= set(frame.columns)
    assert frame.personal_id[0] == "001080012345"


def test_prefetch_keeps_order_passes_errors_and_stops_when_the_reader_stops():
    from hssk.ingest.store import prefetch

    assert list(prefetch(iter(range(50)))) == list(range(50))

    def failing():
        yield 1
        yield 2
        raise ValueError("hỏng ở dòng 3")

    seen = []
    with pytest.raises(ValueError, match="dòng 3"):
        for item in prefetch(failing()):
            seen.append(item)  # noqa: PERF402  (the loop must stop at the failure, as an import's does)
    assert seen == [1, 2]

    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    for item in prefetch(endless()):
        if item == 3:
            break
    assert len(produced) <= 3 + 3  # the producer stops a couple of items ahead, not forever


def test_unknown_columns_keep_their_headers_exactly_in_extra(con, tmp_path):
    header = HSSK_HEADER[:-1] + ["Ghi chú: cũ 'x'"]  # a header with ": c" and a quote
    path = write_csv(tmp_path / "hssk.csv", [header] + HSSK_ROWS)
    import_files(con, [path], "hssk")
    extras = [json.loads(e) for e in clean_rows(con).extra]
    assert extras[0] == {"Ghi chú: cũ 'x'": "x"}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_file_read_in_many_chunks_gives_every_row_once(tmp_path, monkeypatch, fmt):
    """Chunk boundaries (a multiple of the chunk size, trailing blank rows of a sheet) lose and repeat nothing."""
    from hssk.ingest import readers

    rows = [[f"Người Thứ {i}", f"0{i % 9 + 1}/01/1990", "Nam", f"00120900{i:04d}"] for i in range(40)]
    header = ["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"]
    if fmt == "xlsx":
        path = write_xlsx(tmp_path / "many.xlsx", [header] + rows + [[None] * 4] * 3, title_rows=["DANH SÁCH"])
    else:
        path = write_csv(tmp_path / "many.csv", [header] + rows)
    read = {}
    for chunk_rows in (1000, 5, 3):  # one chunk; chunks of a few rows after the rows read to find the header
        monkeypatch.setattr(readers, "CHUNK_ROWS", chunk_rows)
        (sheet,) = readers.read_sheets(path, "population", None)
        chunks = [chunk.to_pylist() for chunk in sheet.chunks]
        assert chunk_rows == 1000 or len(chunks) > 1 or fmt == "csv"
        read[chunk_rows] = [row for chunk in chunks for row in chunk]
    assert [row["__row"] for row in read[1000]] == list(range(1, 41))
    assert [row["c0"] for row in read[1000]] == [row[0] for row in rows]
    assert read[5] == read[1000] and read[3] == read[1000]


def test_an_import_leaves_other_connections_settings_alone(con, tmp_path):
    """The import writes without insertion order on its own connection only: the app's other connections to the
    same database keep theirs while it runs, and its own comes back after."""
    other = con.cursor()
    seen = []

    def progress(fraction, message):
        seen.append((other.execute("select current_setting('preserve_insertion_order')").fetchall()[0][0],
                     con.execute("select current_setting('preserve_insertion_order')").fetchall()[0][0]))

    import_files(con, [write_xlsx(tmp_path / "good.xlsx", [HSSK_HEADER] + HSSK_ROWS)], "hssk", progress=progress)
    assert seen and all(mine is True for mine, _ in seen)  # the other connection, during the import
    assert (False,) == tuple({importing for _, importing in seen[:-1]})  # the importing one, while it imports
    assert con.execute("select current_setting('preserve_insertion_order')").fetchall()[0][0] is True


def test_data_entry_may_undo_only_its_own_last_import(con, tmp_path):
    from hssk import audit

    with audit.acting_as("lan", "nhap_lieu"):
        import_files(con, [write_xlsx(tmp_path / "a.xlsx", [HSSK_HEADER] + HSSK_ROWS[:1])], "hssk")
    with audit.acting_as("minh", "nhap_lieu"):
        import_files(con, [write_xlsx(tmp_path / "b.xlsx", [HSSK_HEADER] + HSSK_ROWS[1:])], "hssk")
    with pytest.raises(HsskError, match="do minh thực hiện"):
        undo_last_import(con, only_by="lan")
    assert len(clean_rows(con)) == 2
    assert undo_last_import(con, only_by="minh") is not None
    assert len(clean_rows(con)) == 1
