"""The campaign's figures: `kpi` (commune and villages, with a progress snapshot), `worklist` (per village, to
act on) and `report` (the monthly report to CDC)."""

from __future__ import annotations

import json

from hssk import worklists
from hssk.cli.common import add_db_option, match_village, open_db
from hssk.export import format_of
from hssk.fmt import vn_int, vn_pct


def cmd_kpi(args) -> int:
    from hssk import kpi, progress

    # Without a snapshot nothing is written: read-only, beside the app or another reader.
    with open_db(args, read_only=args.no_snapshot, must_exist=True) as con:
        result = kpi.compute(con, args.as_of)
        if not args.no_snapshot:
            kpi.ensure_schema(con)
            progress.record_snapshot(con, result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_summary(result))
    return 0


def format_summary(result: dict) -> str:
    """A short Vietnamese table: the commune, then each village."""
    def pct(value):
        return "—" if value is None else vn_pct(value)

    as_of = "/".join(reversed(str(result["as_of"]).split("-")))  # 2026-03-31 → 31/03/2026
    lines = [f"Chỉ tiêu tính đến ngày {as_of}",
             (f"{'Thôn':<18} {'Dân số':>7} {'Có HSSK':>8} {'Độ phủ':>7} {'Hành chính':>11} {'Sức khỏe':>9} "
              f"{'Trùng':>6} {'Đã mất':>7} {'Ngoài DS':>9}")]
    rows = [("Toàn xã", result["overall"]), *result["villages"].items()]
    for village, v in rows:
        lines.append(f"{village[:18]:<18} {v['residents_alive']:>7} {v['with_record']:>8} {pct(v['coverage']):>7} "
                     f"{pct(v['kpi_admin']):>11} {pct(v['kpi_health']):>9} {v['duplicate_persons']:>6} "
                     f"{v['deceased_with_record']:>7} {v['off_register_records']:>9}")
    from hssk.config import campaign

    targets = campaign().targets
    lines.append(f"Mục tiêu: hành chính ≥ {vn_pct(targets['kpi_admin'], 0)}, sức khỏe ≥ "
                 f"{vn_pct(targets['kpi_health'], 0)}. In đầy đủ: thêm --json.")
    return "\n".join(lines)


def worklist_formats(kind: str) -> tuple[str, ...]:
    """The files worklist `kind` can be written to (as worklists.export_bytes writes them)."""
    if kind == worklists.ALL:
        return ("xlsx",)
    if kind == worklists.CORRECTIONS_FILE:
        return ("csv", "json", "xlsx")
    return ("xlsx", "csv")


def cmd_worklist(args) -> int:
    format_of(args.out, worklist_formats(args.kind))
    with open_db(args, must_exist=True) as con:  # writable: the export is written to the audit log
        village = match_village(con, args.village)
        n = worklists.export(con, args.kind, args.out, village=village, as_of=args.as_of, mask_ids=args.mask)
    where = f" (thôn {village})" if village else ""
    print(f"Đã ghi {vn_int(n)} dòng{where} vào {args.out}")
    return 0


def cmd_report(args) -> int:
    from hssk import report

    format_of(args.out, ("xlsx",))
    with open_db(args, must_exist=True) as con:
        path = report.write_report(con, args.month, args.out, notes_path=args.notes)
    print(f"Đã ghi báo cáo tháng {args.month} vào {path}")
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser(
        "kpi", help="tính các chỉ tiêu (toàn xã và theo thôn) và lưu một lần đo tiến độ",
        description="Tính các chỉ tiêu của chiến dịch từ dữ liệu hiện tại: độ phủ HSSK, trùng lặp, người đã mất, "
                    "hồ sơ ngoài danh sách dân cư, tỷ lệ thông tin hành chính (mục tiêu 95%) và sức khỏe "
                    "(mục tiêu 90%). Mỗi lần chạy được lưu lại để theo dõi tiến độ.")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON (tỷ lệ từ 0 đến 1)")
    p.add_argument("--as-of", metavar="NNNN-TT-NN", help="ngày tham chiếu (mặc định hôm nay)")
    p.add_argument("--no-snapshot", action="store_true", help="không lưu lần đo này vào lịch sử tiến độ")
    add_db_option(p)
    p.set_defaults(func=cmd_kpi)

    p = sub.add_parser(
        "worklist", help="xuất danh sách việc cần làm theo thôn (.xlsx hoặc .csv)",
        description="Danh sách: missing_record (chưa có HSSK), duplicates (HSSK trùng), deceased (đã mất còn "
                    "HSSK), corrections (sửa thông tin hành chính), off_register (HSSK ngoài DS dân cư), "
                    "health_missing (thiếu thông tin sức khỏe), all (tất cả, .xlsx), corrections_file (tệp sửa "
                    "dữ liệu cho nền tảng HSSK, .csv, .json hoặc .xlsx).")
    p.add_argument("--kind", required=True, choices=worklists.KINDS, help="loại danh sách")
    p.add_argument("--village", metavar="THÔN",
                   help="chỉ một thôn (mặc định tất cả); viết hoa thường, có dấu hay không dấu, có «Thôn» hay không "
                        "đều được")
    p.add_argument("--out", required=True, metavar="TỆP", help="tệp .xlsx hoặc .csv (theo phần mở rộng)")
    p.add_argument("--as-of", metavar="NNNN-TT-NN", help="ngày tham chiếu để tính tuổi (mặc định hôm nay)")
    p.add_argument("--mask", action="store_true",
                   help="che số định danh, số BHYT, số điện thoại (ví dụ 001******345)")
    add_db_option(p)
    p.set_defaults(func=cmd_worklist)

    p = sub.add_parser(
        "report", help="lập báo cáo tháng gửi CDC (.xlsx, sẵn sàng để in)",
        description="Báo cáo tháng: chỉ tiêu so với mục tiêu, bảng theo thôn, thay đổi so với tháng trước, "
                    "chất lượng dữ liệu, khó khăn và đề xuất (lấy từ data/report_notes.md), phần ký.")
    p.add_argument("--month", required=True, metavar="NNNN-TT", help="tháng báo cáo, ví dụ 2026-03")
    p.add_argument("--out", required=True, metavar="TỆP.xlsx", help="tệp .xlsx để ghi")
    p.add_argument("--notes", metavar="TỆP.md", help="tệp ghi chú khó khăn, đề xuất (mặc định data/report_notes.md)")
    add_db_option(p)
    p.set_defaults(func=cmd_report)

