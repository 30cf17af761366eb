"""`audit verify`: walk the audit log's hash chain and compare it with its anchors (hssk.audit.verify_report);
exit 1 on any break, 0 when intact."""

from __future__ import annotations

from hssk.cli.common import add_db_option, open_db


def cmd_verify(args) -> int:
    from hssk import audit

    # verify never writes: read-only, so it can run while the app has the database open for reading
    with open_db(args, read_only=True) as con:
        intact, lines = audit.verify_report(con, checkpoints=args.checkpoint or ())
    print("\n".join(lines))
    return 0 if intact else 1


def add_commands(sub) -> None:
    group = sub.add_parser("audit", help="nhật ký kiểm toán: kiểm tra không bị sửa, xóa hay cắt bớt",
                           description="Các thao tác trên nhật ký kiểm toán.")
    audit_sub = group.add_subparsers(dest="what", metavar="LỆNH_CON", required=True, title="lệnh con")
    p = audit_sub.add_parser(
        "verify", help="kiểm tra chuỗi băm và mốc neo của nhật ký (thoát với mã 1 nếu có chỗ hỏng)",
        description="Đi hết chuỗi băm của nhật ký kiểm toán và so phần cuối với mốc neo (trong cơ sở dữ liệu và "
                    "trong tệp bên cạnh): phát hiện sự kiện bị sửa, bị xóa, nhật ký bị cắt bớt phần cuối hoặc bị "
                    "xóa hết. Mã kiểm tra in ra (dạng SỐ-MÃ) nên được ghi lại, ví dụ trong báo cáo tháng: "
                    "--checkpoint MÃ sau này chứng minh nhật ký vẫn còn sự kiện đó. Mã thoát 0: nguyên vẹn; "
                    "1: có chỗ hỏng.")
    p.add_argument("--checkpoint", action="append", metavar="MÃ",
                   help="mã kiểm tra đã ghi lại từ trước (có thể ghi nhiều lần)")
    add_db_option(p)
    p.set_defaults(func=cmd_verify)
