"""The monthly CDC report: read back with openpyxl, its numbers equal kpi.compute (= kpi --json)."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from hssk import kpi, progress, report
from hssk.errors import HsskError

TODAY = date(2026, 4, 3)
CONFIG = {"station": {"name": "Trạm Y tế xã Bát Tràng", "commune": "Xã Bát Tràng"},
          "campaign": {"deadline": "2026-04-30", "target_admin": 0.95, "target_health": 0.90}}


def make(con, tmp_path, month="2026-03", **kwargs):
    path = report.write_report(con, month, tmp_path / "bao_cao.xlsx", config=CONFIG, today=TODAY, **kwargs)
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def book(shared_world, tmp_path_factory):
    """The March report of the tiny world, built once for the tests that only read it."""
    return make(shared_world, tmp_path_factory.mktemp("report"))


def cell_values(ws):
    return [cell.value for row in ws.iter_rows() for cell in row if cell.value is not None]


def find_row(ws, label):
    for row in ws.iter_rows():
        if any(cell.value == label for cell in row):
            return [cell.value for cell in row]
    raise AssertionError(f"no row {label!r}")


def as_number(value):
    return None if value == report.NO_DATA else value


def test_village_sheet_equals_kpi_json(shared_world, book):
    expected = kpi.compute(shared_world, date(2026, 3, 31))
    ws = book[report.VILLAGE_SHEET]
    columns = report.report_columns()
    header = [c.value for c in ws[report.VILLAGE_HEADER_ROW]]
    assert header == ["Thôn", *columns["header_vi"]]
    keys = dict(zip(columns["header_vi"], columns["key"]))
    got = {}
    for row in ws.iter_rows(min_row=report.VILLAGE_HEADER_ROW + 1, values_only=True):
        if row[0] is None or str(row[0]).startswith("Ghi chú"):
            continue
        got[row[0]] = {keys[h]: as_number(v) for h, v in zip(header[1:], row[1:]) if not keys[h].startswith("change:")}
    want = {name: {k: values[k] for k in keys.values() if not k.startswith("change:")}
            for name, values in [*expected["villages"].items(), (report.OVERALL_LABEL, expected["overall"])]}
    assert got == want


def test_main_sheet_kpis_against_targets(shared_world, book):
    ws = book[report.MAIN_SHEET]
    overall = kpi.compute(shared_world, date(2026, 3, 31))["overall"]
    admin = find_row(ws, "Thông tin hành chính đúng và đủ (khớp DS dân cư)")
    assert admin[2:6] == [overall["kpi_admin_count"], overall["kpi_admin"], 0.95, "Chưa đạt"]
    health = find_row(ws, "Có đủ thông tin sức khỏe cơ bản (5 nhóm)")
    assert health[2:6] == [overall["kpi_health_count"], overall["kpi_health"], 0.90, "Chưa đạt"]
    assert find_row(ws, "Người dân có hồ sơ sức khỏe điện tử")[2:4] == [overall["with_record"], overall["coverage"]]
    assert find_row(ws, "Đúng")[2] == overall["dim_dung"]
    texts = cell_values(ws)
    assert "TRẠM Y TẾ XÃ BÁT TRÀNG" in texts and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
    assert "Tháng 03/2026 — số liệu tính đến ngày 31/03/2026" in texts
    assert {"NGƯỜI LẬP BIỂU", "TRƯỞNG TRẠM", "Bát Tràng, ngày 03 tháng 04 năm 2026"} <= set(texts)
    assert "Chưa có số liệu tháng trước (chưa lưu lần tính chỉ tiêu nào)." in texts


def test_print_setup(book):
    for ws in book.worksheets:
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    villages = book[report.VILLAGE_SHEET]
    assert villages.freeze_panes == f"A{report.VILLAGE_HEADER_ROW + 1}"
    assert villages.print_title_rows == f"$1:${report.VILLAGE_HEADER_ROW}"
    assert villages.page_setup.orientation == "landscape"
    assert book[report.MAIN_SHEET].print_area


def test_change_since_last_month_comes_from_snapshots(world, tmp_path):
    kpi.ensure_schema(world)
    earlier = kpi.compute(world, date(2026, 2, 28))
    earlier["overall"]["kpi_admin"] = 0.10
    earlier["villages"]["Giang Cao"]["kpi_admin"] = 0.05
    progress.record_snapshot(world, earlier, taken_at=datetime(2026, 3, 1))
    book = make(world, tmp_path)
    row = find_row(book[report.MAIN_SHEET], "Tỷ lệ thông tin hành chính đúng và đủ (mục tiêu 95 %)")
    assert row[2:5] == [0.10, round(2 / 7, 6), pytest.approx(2 / 7 - 0.10, abs=1e-6)]
    ws = book[report.VILLAGE_SHEET]
    header = [c.value for c in ws[report.VILLAGE_HEADER_ROW]]
    col = header.index("Thay đổi tỷ lệ hành chính so với tháng trước")
    assert find_row(ws, "Giang Cao")[col] == pytest.approx(0.25 - 0.05)


def test_notes_from_file_and_from_arguments(shared_world, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# Ghi chú\nkhông in dòng này\n## Khó khăn, tồn tại\n- Thiếu máy tính\n\n"
                     "## Đề xuất, kiến nghị\n- =Cấp thêm máy\n", encoding="utf-8")
    texts = cell_values(make(shared_world, tmp_path, notes_path=notes)[report.MAIN_SHEET])
    assert "• Thiếu máy tính" in texts and "• =Cấp thêm máy" in texts and "không in dòng này" not in texts
    texts = cell_values(make(shared_world, tmp_path, notes_path=notes, problems="Mất điện\n",
                             proposals=["=Sửa điện"])[report.MAIN_SHEET])
    assert "Mất điện" in texts and "'=Sửa điện" in texts and "• Thiếu máy tính" not in texts


def test_quality_sheet_lists_every_reference_field(shared_world, book):
    ws = book[report.QUALITY_SHEET]
    labels = set(cell_values(ws))
    assert set(kpi.admin_fields()["label_vi"]) <= labels
    overall = kpi.compute(shared_world, date(2026, 3, 31))["overall"]
    assert find_row(ws, "Họ và tên")[3] == overall["field_full_name"]
    assert find_row(ws, "Email")[3] == report.NO_DATA


@pytest.mark.parametrize(("month", "as_of"), [("2026-03", date(2026, 3, 31)), ("2026-04", TODAY),
                                              ("2024-02", date(2024, 2, 29))])
def test_report_period(month, as_of):
    assert report.report_period(month, TODAY).as_of == as_of


@pytest.mark.parametrize("month", ["2026-13", "03/2026", "2026-5", "2026-05"])
def test_bad_or_future_month_is_a_clear_error(month):
    with pytest.raises(HsskError, match="Tháng"):
        report.report_period(month, TODAY)


def test_only_xlsx(shared_world, tmp_path):
    with pytest.raises(HsskError, match=".xlsx"):
        report.write_report(shared_world, "2026-03", tmp_path / "x.pdf", config=CONFIG, today=TODAY)


def test_figures_are_gathered_once_then_laid_out_without_the_database(shared_world, book, monkeypatch):
    """Two steps: `gather` reads every figure; `layout` (the file, the in-app preview) only places them."""
    from hssk import report_preview

    data = report.gather(shared_world, "2026-03", config=CONFIG, today=TODAY)

    def no_database(*args, **kwargs):
        raise AssertionError("the layout read the database")

    for name in ("compute", "health", "findings", "admin_fields", "run"):
        monkeypatch.setattr(kpi, name, no_database)
    monkeypatch.setattr(progress, "projection", no_database)
    monkeypatch.setattr(progress, "values_before", no_database)
    laid_out = openpyxl.load_workbook(io.BytesIO(report.workbook_bytes(data)))  # read back as the file is
    for ws in book.worksheets:
        assert cell_values(laid_out[ws.title]) == cell_values(ws), ws.title
    preview = report_preview.report_html(data, masked=False)
    assert set(preview) == set(book.sheetnames)
    assert "Tháng 03/2026" in preview[report.MAIN_SHEET]
