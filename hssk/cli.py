"""`python -m hssk …`: a thin skin over the library. Errors print in Vietnamese, never as a traceback."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from hssk.errors import HsskError
from hssk.fmt import vn_int
from hssk.ingest import KINDS

# Modules that add their own sub-commands with add_commands(subparsers).
COMMAND_MODULES = ("hssk.link.cli", "hssk.kpi_cli")

DESCRIPTION = """Bàn làm việc HSSK — đối soát hồ sơ sức khỏe điện tử với dữ liệu dân cư.

Các lệnh thường dùng:
  python -m hssk demo                          tạo dữ liệu mẫu và nạp vào cơ sở dữ liệu
  python -m hssk import TỆP… --kind hssk       nhập tệp xuất từ hệ thống HSSK (hoặc population, deaths, insurance, care)
  python -m hssk link                          ghép nối hồ sơ (tìm trùng lặp, khớp với danh sách dân cư)
  python -m hssk kpi --json                    in các chỉ tiêu của chiến dịch
"""


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="tệp cơ sở dữ liệu DuckDB (mặc định data/hssk.duckdb hoặc biến HSSK_DB)")


def open_db(args, read_only: bool = False):
    from hssk.db import connect

    return connect(getattr(args, "db", None), read_only=read_only)


def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


def cmd_import(args) -> int:
    from hssk.ingest.store import import_files

    overrides = dict(item.split("=", 1) for item in args.map or [])
    with open_db(args) as con:
        result = import_files(con, args.files, args.kind, overrides=overrides, note=args.note, progress=_progress)
    print(result.message)
    for f in result.files:
        if f["unknown_columns"]:
            print(f"  {f['file_name']}: cột không nhận diện được (vẫn được lưu nguyên): {', '.join(f['unknown_columns'])}")
    return 0


def cmd_demo(args) -> int:
    from hssk.demo import generate
    from hssk.ingest.store import import_files

    out = Path(args.out)
    print(f"Đang tạo dữ liệu mẫu ({vn_int(args.residents)} người dân, seed {args.seed}) vào {out} …")
    made = generate(out, residents=args.residents, seed=args.seed, profile=args.profile)
    import contextlib

    from hssk import reference

    # a profile with its own villages: the import reads them (the app reads data/reference unless told otherwise)
    villages = reference.using(made["reference_dir"]) if made["reference_dir"] else contextlib.nullcontext()
    with villages, open_db(args) as con:
        for kind in ("population", "hssk", "deaths", "insurance", "care"):
            paths = made["files"].get(kind) or []
            if paths:
                print(import_files(con, paths, kind, note="demo", progress=None).message)
        if not args.no_link:
            from hssk.link import run_linkage

            print(run_linkage(con, progress=_progress).message)
    print(f"Xong. Dữ liệu đúng (truth) để kiểm thử: {made['truth_dir']}")
    if made["reference_dir"]:
        print(f"Danh mục thôn của bộ mẫu này: {made['reference_dir']}/villages.csv (khác danh mục của trạm).")
    return 0


def cmd_export_records(args) -> int:
    from hssk.export import export_records

    with open_db(args, read_only=True) as con:
        n = export_records(con, args.kind, args.out)
    print(f"Đã ghi {vn_int(n)} dòng vào {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hssk", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="LỆNH")

    p = sub.add_parser("import", help="nhập một lô tệp xuất (.xlsx/.csv) vào cơ sở dữ liệu",
                       description="Nhập các tệp của một lô (ví dụ tệp xuất chia nhiều phần hoặc theo thôn). "
                                   "Nhập lại cùng một tệp không làm thay đổi gì.")
    p.add_argument("files", nargs="+", metavar="TỆP", help="tệp .xlsx hoặc .csv")
    p.add_argument("--kind", required=True, choices=KINDS,
                   help="loại dữ liệu: hssk (hồ sơ sức khỏe), population (dân cư), deaths (khai tử), "
                        "insurance (thẻ BHYT), care (khám chữa bệnh, tiêm chủng…)")
    p.add_argument("--map", action="append", metavar="CỘT=TRƯỜNG",
                   help="gán một cột không nhận diện được cho một trường, ví dụ --map 'Số ĐD=personal_id'")
    p.add_argument("--note", help="ghi chú cho lô nhập")
    add_db_option(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("demo", help="tạo bộ dữ liệu mẫu (giả lập, không có dữ liệu thật) và nạp vào",
                       description="Tạo dữ liệu mẫu có hạt giống cố định cho xã, kèm dữ liệu đúng (truth) để kiểm thử.")
    p.add_argument("--residents", type=int, default=20000, help="số người dân (mặc định 20000)")
    p.add_argument("--seed", type=int, default=2026, help="hạt giống ngẫu nhiên (mặc định 2026)")
    p.add_argument("--out", default="data/demo", help="thư mục ghi tệp mẫu (mặc định data/demo)")
    p.add_argument("--no-link", action="store_true", help="không chạy ghép nối sau khi nạp")
    p.add_argument("--profile", default="shipped", choices=["shipped", "villages", "families", "noisy"],
                   help="kiểu dữ liệu mẫu: shipped (mặc định), villages (thôn khác), families (hộ, họ tên khác), "
                        "noisy (tệp xuất nhiều lỗi)")
    add_db_option(p)
    p.set_defaults(func=cmd_demo)

    export = sub.add_parser("export", help="xuất dữ liệu ra tệp CSV")
    export_sub = export.add_subparsers(dest="what", metavar="LOẠI", required=True)
    p = export_sub.add_parser("records", help="lớp dữ liệu đã chuẩn hoá của ảnh chụp hiện tại",
                              description="Mỗi dòng đã nhập một dòng: mã hồ sơ, giá trị gốc và giá trị đã chuẩn hoá.")
    p.add_argument("--kind", required=True, choices=KINDS, help="loại dữ liệu")
    p.add_argument("--out", required=True, metavar="TỆP.csv", help="tệp CSV để ghi")
    add_db_option(p)
    p.set_defaults(func=cmd_export_records)

    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.add_commands(sub)
        if hasattr(module, "cmd_export_clusters"):
            p = export_sub.add_parser("clusters", help="mỗi hồ sơ thuộc người nào (source,record_id,person_id)",
                                      description="Một dòng cho mỗi hồ sơ của ảnh chụp hiện tại, mọi loại dữ liệu.")
            p.add_argument("--out", required=True, metavar="TỆP.csv", help="tệp CSV để ghi")
            add_db_option(p)
            p.set_defaults(func=module.cmd_export_clusters)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args) or 0
    except HsskError as exc:
        print(f"Lỗi: {exc.message}", file=sys.stderr)
        if exc.detail:
            print(f"Chi tiết kỹ thuật: {exc.detail}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug or an environment problem: still no traceback for the user
        if os.environ.get("HSSK_DEBUG"):
            raise
        print("Lỗi không mong đợi. Hãy gửi thông báo dưới đây cho người quản trị "
              "(đặt HSSK_DEBUG=1 để xem chi tiết đầy đủ).", file=sys.stderr)
        print(f"Chi tiết kỹ thuật: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
