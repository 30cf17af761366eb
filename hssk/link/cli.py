"""Sub-commands of `python -m hssk` for linkage: link, evaluate, decide, and export clusters."""

from __future__ import annotations

import os

from hssk.cli import _progress
from hssk.cli import add_db_option as _add_db
from hssk.cli import open_db as _open
from hssk.config import ROOT
from hssk.fmt import vn_int


def cmd_link(args) -> int:
    from hssk.link.run import run_linkage

    if args.backend == "spark":
        os.environ["HSSK_SPARK_MASTER"] = args.spark_master
    with _open(args) as con:
        result = run_linkage(con, backend=args.backend, retrain=args.retrain, full=args.full, progress=_progress)
    print(result.message)
    steps = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in result.timings.items())
    print(f"Thời gian từng bước: {steps}")
    return 0


def cmd_evaluate(args) -> int:
    from hssk.link.evaluate import evaluate, format_report

    with _open(args, read_only=True) as con:
        report = evaluate(con, args.truth)
    print(format_report(report))
    return 0


def cmd_decide(args) -> int:
    from hssk.link.decisions import record_decision, undo_decision

    with _open(args) as con:
        if args.action == "undo":
            new_id = undo_decision(con, int(args.record_key_l), user=args.user, reason=args.reason)
            print(f"Đã hủy quyết định số {args.record_key_l} (quyết định hủy số {new_id}).")
        else:
            new_id = record_decision(con, args.action, args.record_key_l, args.record_key_r,
                                     user=args.user, reason=args.reason)
            print(f"Đã ghi quyết định số {new_id}; danh sách người đã được cập nhật.")
    return 0


def export_clusters_frame(args):
    from hssk.link.export import export_clusters

    with _open(args, read_only=True) as con:
        return export_clusters(con)


def cmd_export_clusters(args) -> int:
    from hssk.errors import HsskError

    frame = export_clusters_frame(args)
    if frame.empty:
        raise HsskError("Chưa có hồ sơ nào trong cơ sở dữ liệu để xuất.", "current_clean is empty")
    try:
        from hssk.safe_export import write_csv
    except ImportError:  # the lead's guarded writer is optional here
        frame.to_csv(args.out, index=False, encoding="utf-8")
    else:
        write_csv(frame, args.out)
    unlinked = int(frame["person_id"].isna().sum())
    print(f"Đã ghi {vn_int(len(frame))} dòng vào {args.out}")
    if unlinked:
        print(f"Lưu ý: {vn_int(unlinked)} hồ sơ chưa được ghép nối (hãy chạy lệnh link).")
    return 0


def add_commands(subparsers) -> None:
    p = subparsers.add_parser(
        "link", help="ghép nối hồ sơ: tìm trùng lặp HSSK, khớp với danh sách dân cư, khai tử, BHYT, khám chữa bệnh",
        description="Ghép nối mọi hồ sơ của ảnh chụp dữ liệu hiện tại thành người. Mã người cũ và các "
                    "quyết định của người duyệt được giữ nguyên qua mỗi lần chạy.")
    p.add_argument("--backend", default="duckdb", choices=["duckdb", "spark"],
                   help="máy tính toán: duckdb (mặc định, một máy) hoặc spark (cả thành phố, xem docs/spark.md)")
    p.add_argument("--spark-master", default="local[*]",
                   help="địa chỉ Spark master, ví dụ spark://may-chu:7077 (chỉ dùng với --backend spark)")
    p.add_argument("--retrain", action="store_true",
                   help="huấn luyện lại mô hình trên dữ liệu hiện tại và lưu phiên bản mới")
    p.add_argument("--full", action="store_true",
                   help="tính điểm lại mọi cặp (mặc định chỉ tính cho hồ sơ mới hoặc đã thay đổi từ lần chạy trước)")
    _add_db(p)
    p.set_defaults(func=cmd_link)

    p = subparsers.add_parser(
        "evaluate", help="đánh giá kết quả ghép nối so với dữ liệu đúng (truth) của bộ dữ liệu mẫu",
        description="In độ chính xác (precision), độ bao phủ (recall), F1 theo cặp và các chỉ số theo người.")
    p.add_argument("--truth", default=str(ROOT / "data" / "demo" / "truth"), metavar="THƯ_MỤC",
                   help="thư mục dữ liệu đúng (mặc định data/demo/truth)")
    _add_db(p)
    p.set_defaults(func=cmd_evaluate)

    p = subparsers.add_parser(
        "decide", help="ghi quyết định của người duyệt: accept, reject, split hoặc undo",
        description="accept: hai hồ sơ là cùng một người; reject: là hai người khác nhau; split: tách hồ sơ "
                    "khỏi người hiện tại; undo: hủy một quyết định (ghi số quyết định thay cho mã hồ sơ).")
    p.add_argument("action", choices=["accept", "reject", "split", "undo"], help="loại quyết định")
    p.add_argument("record_key_l", metavar="HỒ_SƠ_1", help="mã hồ sơ (record_key), hoặc số quyết định khi undo")
    p.add_argument("record_key_r", metavar="HỒ_SƠ_2", nargs="?", help="mã hồ sơ thứ hai (accept, reject)")
    p.add_argument("--user", required=True, help="tên người duyệt")
    p.add_argument("--reason", required=True, help="lý do")
    _add_db(p)
    p.set_defaults(func=cmd_decide)
