"""Linkage: `link` (score pairs, derive persons) and `evaluate` (against the demo's truth)."""

from __future__ import annotations

import os

from hssk import labels
from hssk.cli.common import add_db_option, open_db, progress
from hssk.config import ROOT
from hssk.fmt import vn_decimal


def cmd_link(args) -> int:
    from hssk.link.run import run_linkage

    if args.backend == "spark":
        from hssk.link.spark import MASTER_ENV

        os.environ[MASTER_ENV] = args.spark_master
    with open_db(args, must_exist=True) as con:
        result = run_linkage(con, backend=args.backend, retrain=args.retrain, full=args.full, progress=progress)
    print(result.message)
    steps = ", ".join(f"{labels.LINK_STEPS.get(name, name)} {vn_decimal(seconds, 1)} giây"
                      for name, seconds in result.timings.items())
    print(f"Thời gian từng bước: {steps}")
    return 0


def cmd_evaluate(args) -> int:
    from hssk.link.evaluate import evaluate, format_report

    with open_db(args, read_only=True) as con:
        report = evaluate(con, args.truth)
    print(format_report(report))
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser(
        "link", help="ghép nối hồ sơ: tìm trùng lặp HSSK, khớp với danh sách dân cư, khai tử, BHYT, khám chữa bệnh",
        description="Ghép nối mọi hồ sơ của ảnh chụp dữ liệu hiện tại thành người. Mã người cũ và các "
                    "quyết định của người duyệt được giữ nguyên qua mỗi lần chạy.")
    p.add_argument("--backend", default="duckdb", choices=["duckdb", "spark"],
                   help="máy tính toán: duckdb (mặc định, một máy) hoặc spark (cả thành phố, xem docs/spark.md)")
    p.add_argument("--spark-master", default="local[*]", metavar="ĐỊA_CHỈ",
                   help="địa chỉ Spark master, ví dụ spark://may-chu:7077 (chỉ dùng với --backend spark)")
    p.add_argument("--retrain", action="store_true",
                   help="huấn luyện lại mô hình trên dữ liệu hiện tại và lưu phiên bản mới")
    p.add_argument("--full", action="store_true",
                   help="tính điểm lại mọi cặp (mặc định chỉ tính cho hồ sơ mới hoặc đã thay đổi từ lần chạy trước)")
    add_db_option(p)
    p.set_defaults(func=cmd_link)

    p = sub.add_parser(
        "evaluate", help="đánh giá kết quả ghép nối so với dữ liệu đúng (truth) của bộ dữ liệu mẫu",
        description="In độ chính xác (precision), độ bao phủ (recall), F1 theo cặp và các chỉ số theo người.")
    p.add_argument("--truth", default=str(ROOT / "data" / "demo" / "truth"), metavar="THƯ_MỤC",
                   help="thư mục dữ liệu đúng (mặc định data/demo/truth)")
    add_db_option(p)
    p.set_defaults(func=cmd_evaluate)
