"""The `python -m hssk` parser, made of the command groups, and `main`: every error exits non-zero with a
Vietnamese message, never a traceback."""

from __future__ import annotations

import os
import sys

import duckdb

from hssk.cli import audit, data, exports, figures, linkage, review, villages
from hssk.cli.common import Parser
from hssk.db import holder_text, is_lock_error, lock_holder
from hssk.errors import HsskError

DESCRIPTION = """Bàn làm việc HSSK — đối soát hồ sơ sức khỏe điện tử với dữ liệu dân cư.

Các lệnh thường dùng:
  python -m hssk demo                          tạo dữ liệu mẫu và nạp vào cơ sở dữ liệu
  python -m hssk import TỆP… --kind hssk       nhập tệp xuất từ hệ thống HSSK (hoặc population, deaths, insurance, care)
  python -m hssk link                          ghép nối hồ sơ (tìm trùng lặp, khớp với danh sách dân cư)
  python -m hssk review                        xem các cặp hồ sơ chờ duyệt
  python -m hssk decide accept MÃ_1 MÃ_2 …     ghi quyết định cho một cặp (Mã HSSK, số định danh…)
  python -m hssk lookup --name … --birth …     tìm người đã có trước khi tạo hồ sơ mới
  python -m hssk villages                      tên thôn trong tệp không khớp thôn nào (gán: villages map …)
  python -m hssk kpi --json                    in các chỉ tiêu của chiến dịch
  python -m hssk audit verify                  kiểm tra nhật ký kiểm toán không bị sửa, xóa, cắt bớt
"""

GROUPS = (data, exports, linkage, review, figures, villages, audit)


def build_parser() -> Parser:
    parser = Parser(prog="python -m hssk", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", title="các lệnh")
    for group in GROUPS:
        group.add_commands(sub)
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
    except duckdb.IOException as exc:
        if not is_lock_error(exc):  # not the lock: as any other unexpected error below
            return _unexpected(exc)
        # A database opened by a library call rather than open_db (demo's own file): no wait, but said plainly.
        print(f"Lỗi: Cơ sở dữ liệu đang được {holder_text(*lock_holder(exc))} sử dụng. Hãy đợi chương trình đó xong "
              "hoặc đóng nó (ví dụ ứng dụng đang mở) rồi chạy lại lệnh.", file=sys.stderr)
        print(f"Chi tiết kỹ thuật: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu (Ctrl-C).", file=sys.stderr)
        return 130
    except Exception as exc:
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    """A bug or an environment problem: still no traceback for the user (HSSK_DEBUG=1 shows it)."""
    if os.environ.get("HSSK_DEBUG"):
        raise exc
    print("Lỗi không mong đợi. Hãy gửi thông báo dưới đây cho người quản trị "
          "(đặt HSSK_DEBUG=1 để xem chi tiết đầy đủ).", file=sys.stderr)
    print(f"Chi tiết kỹ thuật: {type(exc).__name__}: {exc}", file=sys.stderr)
    return 1
