"""The layout of the monthly report: the gathered figures (`hssk.report_data.ReportData`) placed on three print-ready
sheets. No database here — `hssk.report.gather` has read everything."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from hssk import kpi, labels
from hssk.errors import HsskError
from hssk.report_data import ReportData
from hssk.safe_export import CELL_BORDER, format_table, neutralise, setup_print

COLUMNS_FILE = "kpi_report_columns.csv"
MAIN_SHEET, VILLAGE_SHEET, QUALITY_SHEET = "Báo cáo", "Theo thôn", "Chất lượng dữ liệu"
VILLAGE_HEADER_ROW = 3
OVERALL_LABEL = "Toàn xã"
RATIO_FORMAT, COUNT_FORMAT, PP_FORMAT = "0.0%", "#,##0", '+0.0" đ%";-0.0" đ%";0.0" đ%"'
NO_DATA = "—"
DEFAULT_RECIPIENT = "Trung tâm Kiểm soát bệnh tật thành phố Hà Nội"  # [report] recipient in data/config.toml
TITLE_FONT, BOLD = Font(bold=True, size=14), Font(bold=True)

MAIN_ROWS = [  # (label, count key, ratio key, target key)
    ("Dân số còn sống theo danh sách dân cư", "residents_alive", None, None),
    ("Người dân có hồ sơ sức khỏe điện tử", "with_record", "coverage", None),
    ("Thông tin hành chính đúng và đủ (khớp DS dân cư)", "kpi_admin_count", "kpi_admin", "kpi_admin"),
    ("Có đủ thông tin sức khỏe cơ bản (5 nhóm)", "kpi_health_count", "kpi_health", "kpi_health"),
    ("Người dân chưa có hồ sơ", "missing_record", None, None),
    ("Người có từ 2 hồ sơ trở lên (trùng lặp)", "duplicate_persons", None, None),
    ("Số hồ sơ thừa cần gộp", "extra_records", None, None),
    ("Người đã mất còn hồ sơ đang hoạt động", "deceased_with_record", None, None),
    ("Hồ sơ không có trong danh sách dân cư", "off_register_records", None, None),
]
CHANGE_KEYS = ["with_record", "coverage", "kpi_admin", "kpi_health", "missing_record", "duplicate_persons",
               "deceased_with_record", "off_register_records"]
DIMENSIONS = [
    ("Đúng", "dim_dung", "Khớp danh sách dân cư (họ tên, ngày sinh, giới tính, số định danh, dân tộc, thôn)"),
    ("Đủ", "dim_du", "Đủ các trường hành chính bắt buộc và 5 nhóm thông tin sức khỏe"),
    ("Sạch", "dim_sach", "Đúng định dạng, không lỗi phông chữ, không trùng, có trong danh sách dân cư"),
    ("Sống", "dim_song", "Người còn sống, không chuyển đi, hồ sơ được cập nhật trong {stale_days} ngày gần nhất"),
]
HEALTH_CATEGORIES = [
    ("Bệnh mạn tính", "chronic_disease_ratio"),
    ("Tiêm chủng", "vaccination_ratio"),
    ("Tiền sử bệnh", "medical_history_ratio"),
    ("Sức khỏe sinh sản (nữ 15–49 tuổi)", "reproductive_health_ratio"),
    ("Bệnh truyền nhiễm", "infectious_disease_ratio"),
]

def layout(data: ReportData) -> Workbook:
    """Step two: the print-ready workbook of the gathered figures (no database here)."""
    book = Workbook()
    main = book.active
    main.title = MAIN_SHEET
    _main_sheet(main, data)
    _village_sheet(book.create_sheet(VILLAGE_SHEET), data)
    _quality_sheet(book.create_sheet(QUALITY_SHEET), data)
    return book


def _put(ws: Worksheet, row: int, col: int, value, fmt: str | None = None, *, bold=False, border=True):
    cell = ws.cell(row=row, column=col, value=neutralise(value) if isinstance(value, str) else value)
    if fmt and isinstance(value, (int, float)):
        cell.number_format = fmt
    if bold:
        cell.font = BOLD
    if border:
        cell.border = CELL_BORDER
    if isinstance(value, str):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _merged_text(ws: Worksheet, row: int, first: int, last: int, text: str, *, font=None, align="center"):
    ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = ws.cell(row=row, column=first, value=neutralise(text))
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    if font:
        cell.font = font
    return cell


def _main_sheet(ws, data: ReportData) -> None:
    period, today, station, overall = data.period, data.today, data.station, data.result["overall"]
    previous, previous_end, notes = data.previous, data.previous_end, data.notes
    campaign = {"deadline": data.deadline, "targets": data.targets}
    last_col = 7
    for letter, width in zip("ABCDEFG", (6, 44, 14, 12, 12, 14, 30)):
        ws.column_dimensions[letter].width = width

    _merged_text(ws, 1, 1, 3, station.get("name", "Trạm Y tế").upper(), font=BOLD)
    _merged_text(ws, 1, 4, last_col, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=BOLD)
    _merged_text(ws, 2, 4, last_col, "Độc lập - Tự do - Hạnh phúc", font=BOLD)
    _merged_text(ws, 4, 1, last_col, "BÁO CÁO TIẾN ĐỘ CẬP NHẬT, LÀM SẠCH HỒ SƠ SỨC KHỎE ĐIỆN TỬ", font=TITLE_FONT)
    _merged_text(ws, 5, 1, last_col, f"Tháng {period.label} — số liệu tính đến ngày {period.as_of:%d/%m/%Y}")
    _merged_text(ws, 6, 1, last_col, f"Kính gửi: {data.recipient}")
    _merged_text(ws, 7, 1, last_col, f"Ngày lập báo cáo: {today:%d/%m/%Y}. Hạn hoàn thành chiến dịch: "
                                     f"{campaign['deadline']:%d/%m/%Y}.", align="left")

    row = 9
    _merged_text(ws, row, 1, last_col, "I. KẾT QUẢ CÁC CHỈ TIÊU CHÍNH (TOÀN XÃ)", font=BOLD, align="left")
    row += 1
    header = ["STT", "Chỉ tiêu", "Số người / hồ sơ", "Tỷ lệ", "Mục tiêu", "Đánh giá",
              f"Dự báo đến hạn {campaign['deadline']:%d/%m/%Y}"]
    for col, text in enumerate(header, 1):
        _put(ws, row, col, text, bold=True)
    header_row = row
    forecast = data.forecast
    for i, (label, count_key, ratio_key, target_key) in enumerate(MAIN_ROWS, 1):
        row += 1
        _put(ws, row, 1, i)
        _put(ws, row, 2, label)
        _put(ws, row, 3, overall[count_key], COUNT_FORMAT)
        ratio = overall.get(ratio_key) if ratio_key else None
        _put(ws, row, 4, ratio if ratio is not None else NO_DATA, RATIO_FORMAT)
        target = campaign["targets"].get(target_key) if target_key else None
        _put(ws, row, 5, target if target is not None else NO_DATA, RATIO_FORMAT)
        status = NO_DATA if target is None or ratio is None else ("Đạt" if ratio >= target else "Chưa đạt")
        _put(ws, row, 6, status, bold=status == "Đạt")
        _put(ws, row, 7, forecast.get(target_key, NO_DATA) if target_key else NO_DATA)
    format_table(ws, header_row, 1, last_col, row, freeze=False, autofilter=False)
    _fixed_widths(ws)

    row += 2
    _merged_text(ws, row, 1, last_col, f"II. THAY ĐỔI SO VỚI THÁNG TRƯỚC (số liệu đến ngày {previous_end:%d/%m/%Y})",
                 font=BOLD, align="left")
    row += 1
    if not any(village == kpi.OVERALL for village, _ in previous):
        _merged_text(ws, row, 1, last_col, "Chưa có số liệu tháng trước (chưa lưu lần tính chỉ tiêu nào).",
                     align="left")
    else:
        header_row = row
        for col, text in enumerate(["STT", "Chỉ tiêu", "Tháng trước", "Tháng này", "Thay đổi"], 1):
            _put(ws, row, col, text, bold=True)
        names = data.key_labels
        for i, key in enumerate(CHANGE_KEYS, 1):
            row += 1
            fmt = RATIO_FORMAT if kpi.is_ratio(key) else COUNT_FORMAT
            before, now = previous.get((kpi.OVERALL, key)), overall.get(key)
            _put(ws, row, 1, i)
            _put(ws, row, 2, names.get(key, key))
            _put(ws, row, 3, before if before is not None else NO_DATA, fmt)
            _put(ws, row, 4, now if now is not None else NO_DATA, fmt)
            _put(ws, row, 5, now - before if None not in (before, now) else NO_DATA,
                 PP_FORMAT if kpi.is_ratio(key) else "+#,##0;-#,##0;0")
        format_table(ws, header_row, 1, 5, row, freeze=False, autofilter=False)
        _fixed_widths(ws)

    row += 2
    _merged_text(ws, row, 1, last_col, "III. CHẤT LƯỢNG DỮ LIỆU: ĐÚNG – ĐỦ – SẠCH – SỐNG (tỷ lệ hồ sơ đạt)",
                 font=BOLD, align="left")
    row += 1
    header_row = row
    for col, text in enumerate(["STT", "Tiêu chí", "Tỷ lệ hồ sơ đạt", "Cách tính"], 1):
        _put(ws, row, col, text, bold=True)
    ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=last_col)
    for i, (label, key, reading) in enumerate(DIMENSIONS, 1):
        row += 1
        _put(ws, row, 1, i)
        _put(ws, row, 2, label)
        _put(ws, row, 3, overall.get(key) if overall.get(key) is not None else NO_DATA, RATIO_FORMAT)
        _put(ws, row, 4, reading.format(stale_days=data.stale_days))
        ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=last_col)
    for label, column in HEALTH_CATEGORIES:
        row += 1
        value = data.health[column]
        _put(ws, row, 1, "")
        _put(ws, row, 2, f"Đã điền nhóm: {label}")
        _put(ws, row, 3, value if value is not None else NO_DATA, RATIO_FORMAT)
        _put(ws, row, 4, "Trong số người còn sống có hồ sơ (mục áp dụng cho họ)")
        ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=last_col)
    format_table(ws, header_row, 1, 4, row, freeze=False, autofilter=False)
    _fixed_widths(ws)
    row += 1
    _merged_text(ws, row, 1, last_col, f"Chi tiết từng trường thông tin: trang \"{QUALITY_SHEET}\"; "
                                       f"chi tiết theo thôn: trang \"{VILLAGE_SHEET}\".", align="left")

    for title, key in (("IV. KHÓ KHĂN, TỒN TẠI", "problems"), ("V. ĐỀ XUẤT, KIẾN NGHỊ", "proposals")):
        row += 2
        _merged_text(ws, row, 1, last_col, title, font=BOLD, align="left")
        for line in notes[key] or ["(chưa có nội dung)"]:
            row += 1
            _merged_text(ws, row, 1, last_col, line, align="left")
            ws.row_dimensions[row].height = 15 * max(1, len(line) // 110 + 1)

    row += 2
    place = str(station.get("commune", "")).removeprefix("Xã ").removeprefix("xã ") or "........"
    _merged_text(ws, row, 5, last_col, f"{place}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}",
                 font=Font(italic=True))
    row += 1
    _merged_text(ws, row, 1, 3, "NGƯỜI LẬP BIỂU", font=BOLD)
    _merged_text(ws, row, 5, last_col, "TRƯỞNG TRẠM", font=BOLD)
    row += 1
    _merged_text(ws, row, 1, 3, "(Ký, ghi rõ họ tên)", font=Font(italic=True))
    _merged_text(ws, row, 5, last_col, "(Ký, ghi rõ họ tên, đóng dấu)", font=Font(italic=True))
    setup_print(ws, landscape=False)
    ws.print_area = f"A1:G{row + 5}"


def _fixed_widths(ws: Worksheet) -> None:
    """format_table widens columns to fit; the main sheet keeps its print-ready widths."""
    for letter, width in zip("ABCDEFG", (6, 44, 14, 12, 12, 14, 30)):
        ws.column_dimensions[letter].width = width


def _column_value(key: str, values: dict, previous: dict, village: str):
    """The value of one configured column for one village (None when there is nothing to show)."""
    if key.startswith("change:"):
        base = key.removeprefix("change:")
        before, now = previous.get((village, base)), values.get(base)
        return None if before is None or now is None else now - before
    if key not in values:
        raise HsskError(f"Cột '{key}' trong {COLUMNS_FILE} không phải là một chỉ tiêu đã biết.", f"key {key!r}")
    return values[key]


def _village_sheet(ws, data: ReportData) -> None:
    period, result, previous, columns = data.period, data.result, data.previous, data.columns
    n_cols = len(columns) + 1
    _merged_text(ws, 1, 1, n_cols, f"CHỈ TIÊU THEO THÔN — THÁNG {period.label} (số liệu đến {period.as_of:%d/%m/%Y})",
                 font=BOLD)
    header = VILLAGE_HEADER_ROW
    _put(ws, header, 1, "Thôn", bold=True)
    for col, text in enumerate(columns["header_vi"], 2):
        _put(ws, header, col, text, bold=True)
    rows = [(village, village, values) for village, values in result["villages"].items()]
    rows.append((OVERALL_LABEL, kpi.OVERALL, result["overall"]))
    for r, (label, village, values) in enumerate(rows, header + 1):
        is_total = village == kpi.OVERALL
        _put(ws, r, 1, label, bold=is_total)
        for col, (key, fmt) in enumerate(zip(columns["key"], columns["format"]), 2):
            value = _column_value(key, values, previous, village)
            number_format = {"ratio": RATIO_FORMAT, "pp": PP_FORMAT}.get(fmt, COUNT_FORMAT)
            _put(ws, r, col, value if value is not None else NO_DATA, number_format, bold=is_total)
    last_row = header + len(rows)
    format_table(ws, header, 1, n_cols, last_row, autofilter=False)
    ws.column_dimensions["A"].width = 18
    for col in range(2, n_cols + 1):
        ws.column_dimensions[ws.cell(row=header, column=col).column_letter].width = 14
    ws.row_dimensions[header].height = 60
    _merged_text(ws, last_row + 2, 1, n_cols, "Ghi chú: mẫu cột chưa được CDC xác nhận; sửa tệp "
                 f"data/reference/{COLUMNS_FILE} khi có biểu mẫu chính thức.", align="left")
    setup_print(ws, landscape=True, title_rows=f"1:{header}")


def _quality_sheet(ws, data: ReportData) -> None:
    period, result, fields = data.period, data.result, data.fields
    villages = list(result["villages"])
    header = ["Trường thông tin (mục I mẫu 831)", "Bắt buộc", "Có trong DS dân cư", OVERALL_LABEL, *villages,
              "Ghi chú"]
    n_cols = len(header)
    _merged_text(ws, 1, 1, n_cols, f"TỶ LỆ HỒ SƠ ĐÃ ĐIỀN TỪNG TRƯỜNG HÀNH CHÍNH — THÁNG {period.label}", font=BOLD)
    header_row = 3
    for col, text in enumerate(header, 1):
        _put(ws, header_row, col, text, bold=True)
    row = header_row
    for field in fields.itertuples():
        row += 1
        key = kpi.FIELD_PREFIX + field.field
        measured = key in result["overall"]
        _put(ws, row, 1, field.label_vi)
        _put(ws, row, 2, "Có" if field.required == "yes" else "Không")
        _put(ws, row, 3, "Có" if field.in_register == "yes" else "Không")
        for col, values in enumerate([result["overall"], *result["villages"].values()], 4):
            value = values.get(key) if measured else None
            _put(ws, row, col, value if value is not None else NO_DATA, RATIO_FORMAT)
        _put(ws, row, n_cols, "" if measured else "Không có trong tệp xuất: chưa đo được")
    format_table(ws, header_row, 1, n_cols, row, autofilter=False)
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions[ws.cell(row=header_row, column=n_cols).column_letter].width = 36
    row += 1
    _merged_text(ws, row, 1, n_cols, "Danh sách trường là bản nháp theo mẫu 831 (mục I. Thông tin hành chính); "
                 "danh sách 24 trường của Hà Nội (QĐ 110/QĐ-UBND) chưa được xác nhận. Sửa tệp "
                 f"data/reference/{kpi.ADMIN_FIELDS_FILE} khi có danh sách chính thức.", align="left")

    row += 2
    _merged_text(ws, row, 1, n_cols, "LỖI DỮ LIỆU PHÁT HIỆN KHI CHUẨN HÓA (toàn xã)", font=BOLD)
    row += 1
    for col, text in enumerate(["Trường", "Loại lỗi", "Số hồ sơ", "Tỷ lệ hồ sơ"], 1):
        _put(ws, row, col, text, bold=True)
    found = data.findings
    names = {**labels.FIELDS, **dict(zip(fields["field"], fields["label_vi"]))}
    for f in found.itertuples():
        row += 1
        _put(ws, row, 1, names.get(f.field, f.field))
        _put(ws, row, 2, labels.finding_label(f.code))
        _put(ws, row, 3, int(f.count_flagged), COUNT_FORMAT)
        _put(ws, row, 4, float(f.flagged_ratio), RATIO_FORMAT)
    if found.empty:
        row += 1
        _put(ws, row, 1, "Không có lỗi nào được ghi nhận.")
    setup_print(ws, landscape=True, title_rows=f"1:{header_row}")
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2)
