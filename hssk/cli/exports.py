"""`export records` and `export clusters`: record-level files, in the format their name says (.csv, .xlsx,
.json)."""

from __future__ import annotations

from hssk import export
from hssk.cli.common import add_db_option, open_db
from hssk.fmt import vn_int
from hssk.ingest import KINDS


def cmd_export_records(args) -> int:
    export.format_of(args.out)
    with open_db(args, must_exist=True) as con:  # writable: the export is written to the audit log
        n = export.export_records(con, args.kind, args.out)
    print(f"Đã ghi {vn_int(n)} dòng vào {args.out}")
    return 0


def cmd_export_clusters(args) -> int:
    export.format_of(args.out)
    with open_db(args, must_exist=True) as con:
        n_rows, unlinked = export.export_clusters(con, args.out)
    print(f"Đã ghi {vn_int(n_rows)} dòng vào {args.out}")
    if unlinked:
        print(f"Lưu ý: {vn_int(unlinked)} hồ sơ chưa được ghép nối (hãy chạy lệnh link).")
    return 0


def add_commands(sub) -> None:
    formats = ", ".join(f".{fmt}" for fmt in export.FORMATS)
    group = sub.add_parser("export", help="xuất dữ liệu ra tệp (.csv, .xlsx hoặc .json)",
                           description="Định dạng tệp theo phần mở rộng của tên tệp: " + formats + ".")
    export_sub = group.add_subparsers(dest="what", metavar="LOẠI", required=True, title="các loại")

    p = export_sub.add_parser("records", help="lớp dữ liệu đã chuẩn hoá của ảnh chụp hiện tại",
                              description="Mỗi dòng đã nhập một dòng: mã hồ sơ, giá trị gốc và giá trị đã chuẩn hoá.")
    p.add_argument("--kind", required=True, choices=KINDS, help="loại dữ liệu")
    p.add_argument("--out", required=True, metavar="TỆP", help=f"tệp để ghi ({formats}, theo phần mở rộng)")
    add_db_option(p)
    p.set_defaults(func=cmd_export_records)

    p = export_sub.add_parser("clusters", help="mỗi hồ sơ thuộc người nào (source,record_id,person_id)",
                              description="Một dòng cho mỗi hồ sơ của ảnh chụp hiện tại, mọi loại dữ liệu.")
    p.add_argument("--out", required=True, metavar="TỆP", help=f"tệp để ghi ({formats}, theo phần mở rộng)")
    add_db_option(p)
    p.set_defaults(func=cmd_export_clusters)
