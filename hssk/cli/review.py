"""The reviewer's commands: `review` lists the pairs waiting for a decision, with the ids people see (Mã HSSK,
personal ID), `decide` records a decision on them (accept, reject, split, undo), and `lookup` finds the persons
already known who may be the one a clerk is about to register (search before create)."""

from __future__ import annotations

import json
import math

import pandas as pd

from hssk.cli.common import add_db_option, open_db
from hssk.errors import HsskError
from hssk.fmt import vn_int

REASONS = ("uncertain", "names_differ", "conflict")
# What each side of a pair shows, in the order a reviewer reads it.
SIDE_COLUMNS = {"record_id": "Mã", "full_name": "Họ tên", "birth": "Ngày sinh", "personal_id": "Số định danh",
                "village": "Thôn"}
KIND_LABELS = {"hssk": "HSSK", "population": "Dân cư", "deaths": "Khai tử", "insurance": "BHYT", "care": "Khám bệnh"}


def _shown_id(kind: str | None, record_id: str | None, record_key: str) -> str:
    """The id a person types back into `decide`: the Mã HSSK, the register's personal ID, the card number; the
    record_key for the kinds whose own ids are row numbers (deaths, care)."""
    if kind in ("hssk", "population", "insurance") and record_id:
        return str(record_id)
    return record_key


def _text(value) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)


def queue_rows(frame: pd.DataFrame) -> list[dict]:
    """The review queue as the command prints it: one dict per pair, each side with its typed-back id."""
    from hssk.link.review import REASONS as REASON_LABELS

    rows = []
    for row in frame.itertuples(index=False):
        pair = {"ly_do": REASON_LABELS.get(row.reason, row.reason),
                "xac_suat": round(float(row.match_probability), 4)}
        for side in ("l", "r"):
            kind = getattr(row, f"kind_{side}")
            pair[side] = {
                "ma": _shown_id(kind, getattr(row, f"record_id_{side}"), getattr(row, f"record_key_{side}")),
                "nguon": KIND_LABELS.get(kind, kind),
                **{label: _text(getattr(row, f"{column}_{side}")) for column, label in SIDE_COLUMNS.items()
                   if column != "record_id"},
            }
        rows.append(pair)
    return rows


def vn_date(text: str) -> str:
    """'1990-07-01' → '01/07/1990', '1990-07' → '07/1990', '1990' stays."""
    parts = text.split("-")
    return "/".join(reversed(parts)) if len(parts) in (2, 3) and all(p.isdigit() for p in parts) else text


def format_queue(rows: list[dict], total: int) -> str:
    if not rows:
        return "Không có cặp hồ sơ nào chờ duyệt."
    lines = [f"{vn_int(total)} cặp chờ duyệt" + (f" (in {vn_int(len(rows))} cặp đầu)" if total > len(rows) else "")
             + ". Ghi quyết định: python -m hssk decide accept|reject MÃ_1 MÃ_2 --user TÊN --reason \"LÝ DO\""]
    for n, pair in enumerate(rows, 1):
        probability = f"{pair['xac_suat'] * 100:.1f}".replace(".", ",")
        lines.append(f"{n}. Xác suất {probability} % — {pair['ly_do']}")
        for side in ("l", "r"):
            s = pair[side]
            facts = " | ".join(v for v in (s["Họ tên"], vn_date(s["Ngày sinh"]),
                                           s["Số định danh"] and f"ĐD {s['Số định danh']}", s["Thôn"]) if v)
            lines.append(f"     {s['nguon']:<8} {s['ma']:<22} {facts}")
    return "\n".join(lines)


def cmd_review(args) -> int:
    from hssk.link.prepare import has_link_tables
    from hssk.link.review import review_pairs

    with open_db(args, read_only=True) as con:
        if not has_link_tables(con):
            print("Không có cặp hồ sơ nào chờ duyệt: chưa ghép nối (hãy chạy lệnh link).")
            return 0
        frame = review_pairs(con, reason=args.reason, limit=args.limit)
        total = con.execute("select count(*) from review_queue where $r is null or reason = $r",
                            {"r": args.reason}).fetchall()[0][0]
    rows = queue_rows(frame)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(format_queue(rows, total))
    return 0


def cmd_decide(args) -> int:
    from hssk.link.decisions import ACTION_LABELS, record_decision, resolve_record, standing_decision, undo_decision

    with open_db(args, must_exist=True) as con:
        if args.action == "undo":
            try:
                decision_id = int(args.first)
            except ValueError:
                raise HsskError(f"Khi hủy, ghi số quyết định (một số), không phải «{args.first}».",
                                "undo needs a decision number") from None
            new_id = undo_decision(con, decision_id, user=args.user, reason=args.reason)
            print(f"Đã hủy quyết định số {decision_id} (quyết định hủy số {new_id}).")
            return 0
        key_l = resolve_record(con, args.first)
        key_r = resolve_record(con, args.second) if args.second and args.action != "split" else None
        if args.action != "split" and not args.second:
            raise HsskError("Quyết định này cần hai hồ sơ: ghi mã của cả hai.", "second id missing")
        # Without --replace a standing decision refuses this one (record_decision says whose); with it, the
        # decision replaced is the one standing now.
        standing = standing_decision(con, key_l, key_r) if args.replace else None
        seen = {"seen": standing and standing["decision_id"]} if args.replace else {}
        new_id = record_decision(con, args.action, key_l, key_r, user=args.user, reason=args.reason,
                                 replace=args.replace, **seen)
    replaced = f" (thay quyết định số {standing['decision_id']})" if standing else ""
    print(f"Đã ghi quyết định số {new_id}: {ACTION_LABELS[args.action]}{replaced}; danh sách người đã được cập nhật.")
    return 0


# `lookup` options → hssk.link.lookup.FIELDS
LOOKUP_OPTIONS = {"name": "full_name", "birth": "birth_date", "sex": "sex", "id": "personal_id",
                  "insurance": "insurance_no", "village": "village", "phone": "phone", "household": "household_code"}


def person_rows(frame: pd.DataFrame) -> list[dict]:
    """find_persons' answer as the command prints it: the ids as they are (the operator's own station data)."""
    return [{"ma_nguoi": row.person_id, "xac_suat": round(float(row.match_probability), 4),
             "nguon": KIND_LABELS.get(row.kind, row.kind), "ma_ho_so": _text(row.record_id),
             "ho_ten": _text(row.full_name), "ngay_sinh": vn_date(_text(row.birth_text)),
             "so_dinh_danh": _text(row.personal_id), "thon": _text(row.village),
             "vi_sao": list(row.explanation)}
            for row in frame.itertuples(index=False)]


def format_persons(rows: list[dict]) -> str:
    if not rows:
        return "Không tìm thấy người nào giống với thông tin đã nhập: có thể tạo hồ sơ mới."
    header = (f"{'#':<2} {'Xác suất':>8}  {'Mã người':<14} {'Nguồn':<8} {'Mã hồ sơ':<16} {'Họ tên':<24} "
              f"{'Ngày sinh':<10}  {'Số định danh':<12}  Thôn")
    lines = [f"{vn_int(len(rows))} người giống nhất, giống nhất trước:", header]
    for n, r in enumerate(rows, 1):
        probability = f"{r['xac_suat'] * 100:.1f}".replace(".", ",") + " %"
        lines.append(f"{n:<2} {probability:>8}  {r['ma_nguoi']:<14} {r['nguon']:<8} {r['ma_ho_so']:<16} "
                     f"{r['ho_ten']:<24} {r['ngay_sinh']:<10}  {r['so_dinh_danh']:<12}  {r['thon']}")
        if r["vi_sao"]:
            lines.append(f"   Vì sao: {'; '.join(r['vi_sao'])}")
    return "\n".join(lines)


def cmd_lookup(args) -> int:
    from hssk.link.lookup import find_persons
    from hssk.link.prepare import has_link_tables

    fields = {field: getattr(args, option) for option, field in LOOKUP_OPTIONS.items()
              if getattr(args, option) is not None}
    with open_db(args, read_only=True) as con:
        if not has_link_tables(con):
            raise HsskError("Chưa ghép nối hồ sơ nên chưa có người để tìm: hãy nhập dữ liệu rồi chạy lệnh link.",
                            "no person_records")
        rows = person_rows(find_persons(con, fields, limit=args.limit))
    print(json.dumps(rows, ensure_ascii=False, indent=2) if args.json else format_persons(rows))
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser(
        "review", help="xem các cặp hồ sơ chờ người duyệt (mã, họ tên, ngày sinh, số định danh, xác suất)",
        description="Các cặp hồ sơ mà máy chưa chắc chắn, mạnh nhất trước. Mỗi hồ sơ được ghi bằng mã người ta "
                    "nhìn thấy (Mã HSSK, số định danh cá nhân của người trong danh sách dân cư): ghi lại chính các "
                    "mã đó trong lệnh decide.")
    p.add_argument("--reason", choices=REASONS,
                   help="chỉ một loại: uncertain (chưa chắc chắn), names_differ (tên khác nhau), conflict (đã thuộc "
                        "người khác)")
    p.add_argument("--limit", type=int, default=20, metavar="SỐ", help="in nhiều nhất bao nhiêu cặp (mặc định 20)")
    p.add_argument("--json", action="store_true", help="in dạng JSON")
    add_db_option(p)
    p.set_defaults(func=cmd_review)

    p = sub.add_parser(
        "decide", help="ghi quyết định của người duyệt: accept, reject, split hoặc undo",
        description="accept: hai hồ sơ là cùng một người; reject: là hai người khác nhau; split: tách hồ sơ "
                    "khỏi người hiện tại; undo: hủy một quyết định (ghi số quyết định thay cho mã hồ sơ). "
                    "Mã hồ sơ là Mã HSSK, số định danh cá nhân, số thẻ BHYT (như lệnh review in) hoặc mã đầy đủ "
                    "(hssk:…). Một cặp chỉ có một quyết định có hiệu lực: quyết định khác với quyết định đã có bị "
                    "từ chối, trừ khi thêm --replace (ghi lại thành hủy quyết định cũ và ghi quyết định mới).")
    p.add_argument("action", choices=["accept", "reject", "split", "undo"], help="loại quyết định")
    p.add_argument("first", metavar="HỒ_SƠ_1", help="mã hồ sơ, hoặc số quyết định khi undo")
    p.add_argument("second", metavar="HỒ_SƠ_2", nargs="?", help="mã hồ sơ thứ hai (accept, reject)")
    p.add_argument("--user", required=True, metavar="TÊN", help="tên người duyệt")
    p.add_argument("--reason", required=True, metavar="LÝ_DO", help="lý do")
    p.add_argument("--replace", action="store_true",
                   help="thay quyết định đang có hiệu lực của cặp này (hoặc của hồ sơ, với split)")
    add_db_option(p)
    p.set_defaults(func=cmd_decide)

    p = sub.add_parser(
        "lookup", help="tìm người đã có trước khi tạo hồ sơ mới (họ tên, ngày sinh, số định danh, số BHYT, thôn)",
        description="Nhập những gì đang có về một người; in năm người giống nhất trong dữ liệu đã ghép nối, với xác "
                    "suất và vì sao (từng thông tin khớp đến đâu). Họ tên, ngày sinh viết thế nào cũng được (có dấu "
                    "hay không, 12/03/1985 hoặc 1985-03-12).")
    p.add_argument("--name", metavar="HỌ_TÊN", help="họ và tên")
    p.add_argument("--birth", metavar="NGÀY_SINH", help="ngày sinh, ví dụ 12/03/1985 (hoặc chỉ năm)")
    p.add_argument("--sex", metavar="GIỚI_TÍNH", help="giới tính (Nam/Nữ)")
    p.add_argument("--id", metavar="SỐ_ĐỊNH_DANH", help="số định danh cá nhân (CCCD)")
    p.add_argument("--insurance", metavar="SỐ_BHYT", help="số thẻ BHYT")
    p.add_argument("--village", metavar="THÔN", help="thôn")
    p.add_argument("--phone", metavar="SỐ_ĐIỆN_THOẠI", help="số điện thoại")
    p.add_argument("--household", metavar="MÃ_HỘ", help="mã hộ gia đình")
    p.add_argument("--limit", type=int, default=5, metavar="SỐ", help="in bao nhiêu người (mặc định 5)")
    p.add_argument("--json", action="store_true", help="in dạng JSON")
    add_db_option(p)
    p.set_defaults(func=cmd_lookup)
