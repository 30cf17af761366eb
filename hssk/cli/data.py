"""Getting data in: `import` (one batch of export files) and `demo` (the synthetic commune)."""

from __future__ import annotations

from hssk.cli.common import add_db_option, open_db, progress
from hssk.demo.profiles import PROFILES
from hssk.errors import HsskError
from hssk.fmt import vn_int
from hssk.ingest import KINDS
from hssk.ingest.store import import_files
from hssk.refresh import bring_up_to_date


def cmd_import(args) -> int:
    overrides = {}
    for item in args.map or []:
        column, sep, field = item.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise HsskError(f"--map '{item}' không đúng dạng CỘT=TRƯỜNG (ví dụ --map 'Số ĐD=personal_id').",
                            "bad --map")
        overrides[column] = field
    with open_db(args) as con:
        result = import_files(con, args.files, args.kind, overrides=overrides, note=args.note, progress=progress)
        print(result.message)
        for f in result.files:
            if f["unknown_columns"]:
                unknown = ", ".join(f["unknown_columns"])
                print(f"  {f['file_name']}: cột không nhận diện được (vẫn được lưu nguyên): {unknown}")
        if result.batch_id is not None and not args.no_refresh:
            # The figures follow every import: incremental linkage, then the KPI snapshot of this data state.
            print(bring_up_to_date(con, progress=progress).message)
    return 0


def cmd_demo(args) -> int:
    from hssk.config import DEMO_DB
    from hssk.demo import load_demo

    db = args.db or DEMO_DB
    print(f"Đang tạo dữ liệu mẫu ({vn_int(args.residents)} người dân, seed {args.seed}) vào {args.out}, "
          f"cơ sở dữ liệu {db} …")
    made = load_demo(db, args.out, residents=args.residents, seed=args.seed, link=not args.no_link,
                     profile=args.profile, progress=progress)
    print(f"Xong. Dữ liệu đúng (truth) để kiểm thử: {made['truth_dir']}")
    if made["reference_dir"]:
        print(f"Danh mục thôn của bộ mẫu này (khác danh mục của trạm): {made['reference_dir']}/villages.csv; "
              "các thôn vẫn được lấy từ danh sách dân cư.")
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("import", help="nhập một lô tệp xuất (.xlsx/.csv) vào cơ sở dữ liệu",
                       description="Nhập các tệp của một lô (ví dụ tệp xuất chia nhiều phần hoặc theo thôn). "
                                   "Nhập lại cùng một tệp không làm thay đổi gì.")
    p.add_argument("files", nargs="+", metavar="TỆP", help="tệp .xlsx hoặc .csv")
    p.add_argument("--kind", required=True, choices=KINDS,
                   help="loại dữ liệu: hssk (hồ sơ sức khỏe), population (dân cư), deaths (khai tử), "
                        "insurance (thẻ BHYT), care (khám chữa bệnh, tiêm chủng…)")
    p.add_argument("--map", action="append", metavar="CỘT=TRƯỜNG",
                   help="gán một cột không nhận diện được cho một trường, ví dụ --map 'Số ĐD=personal_id'")
    p.add_argument("--note", metavar="GHI_CHÚ", help="ghi chú cho lô nhập")
    p.add_argument("--no-refresh", action="store_true",
                   help="không cập nhật số liệu ngay (ghép nối tăng dần và chỉ tiêu); dùng khi nhập nhiều lô liên tiếp "
                        "bằng kịch bản, rồi chạy `link` một lần")
    add_db_option(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("demo", help="tạo bộ dữ liệu mẫu (giả lập, không có dữ liệu thật) và nạp vào",
                       description="Tạo dữ liệu mẫu có hạt giống cố định cho xã, kèm dữ liệu đúng (truth) để kiểm thử.")
    p.add_argument("--residents", type=int, default=20000, metavar="SỐ", help="số người dân (mặc định 20000)")
    p.add_argument("--seed", type=int, default=2026, metavar="SỐ", help="hạt giống ngẫu nhiên (mặc định 2026)")
    p.add_argument("--out", default="data/demo", metavar="THƯ_MỤC", help="thư mục ghi tệp mẫu (mặc định data/demo)")
    p.add_argument("--no-link", action="store_true", help="không chạy ghép nối sau khi nạp")
    p.add_argument("--profile", default="shipped", choices=list(PROFILES), metavar="KIỂU",
                   help="kiểu dữ liệu mẫu: shipped (mặc định), villages (thôn khác danh mục), families (hộ, họ tên "
                        "khác), noisy (tệp xuất nhiều lỗi)")
    p.add_argument("--db", metavar="TỆP", help="tệp cơ sở dữ liệu cho dữ liệu mẫu (mặc định data/demo/demo.duckdb; "
                                               "không bao giờ là cơ sở dữ liệu đã có dữ liệu thật)")
    p.set_defaults(func=cmd_demo)
