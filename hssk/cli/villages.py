"""The register's villages: `villages` lists the village names found in the files that match no village (with
their counts and the most similar village), `villages map CÁCH_VIẾT THÔN` maps one of them to a village (or adds
it) for the data already imported, then brings the figures up to date."""

from __future__ import annotations

import argparse
import json

from hssk.cli.common import add_db_option, match_village, open_db, progress
from hssk.errors import HsskError
from hssk.fmt import vn_int

KIND_LABELS = {"hssk": "HSSK", "population": "Dân cư", "deaths": "Khai tử", "insurance": "BHYT", "care": "Khám bệnh"}


def spelling_rows(frame) -> list[dict]:
    """villages.unknown_spellings as the command prints it (Vietnamese keys for --json)."""
    return [{"cach_viet": row.spelling, "so_ho_so": int(row.n_records),
             "nguon": [KIND_LABELS.get(k, k) for k in str(row.kinds or "").split(",") if k],
             "goi_y": row.suggestion or None}
            for row in frame.itertuples(index=False)]


def format_spellings(rows: list[dict]) -> str:
    if not rows:
        return "Mọi tên thôn trong các tệp đã nhập đều khớp với một thôn."
    width = max(len("Cách viết trong tệp"), *(len(r["cach_viet"]) for r in rows))
    total = vn_int(sum(r["so_ho_so"] for r in rows))
    lines = [f"{vn_int(len(rows))} cách viết tên thôn không khớp thôn nào ({total} hồ sơ):",
             f"{'Cách viết trong tệp':<{width}}  {'Số hồ sơ':>8}  {'Nguồn':<22}  Gợi ý"]
    for r in rows:
        lines.append(f"{r['cach_viet']:<{width}}  {vn_int(r['so_ho_so']):>8}  {', '.join(r['nguon']):<22}  "
                     f"{r['goi_y'] or '—'}")
    lines.append('Gán cho một thôn (hoặc thêm thôn mới): python -m hssk villages map "CÁCH VIẾT" "THÔN"')
    return "\n".join(lines)


def cmd_villages(args) -> int:
    if args.action == "map":
        return cmd_map(args)
    from hssk.ingest import villages

    with open_db(args, read_only=True) as con:
        rows = spelling_rows(villages.unknown_spellings(con))
    print(json.dumps(rows, ensure_ascii=False, indent=2) if args.json else format_spellings(rows))
    return 0


def cmd_map(args) -> int:
    from hssk.ingest import villages
    from hssk.refresh import bring_up_to_date

    if not str(args.spelling).strip() or not str(args.village).strip():
        raise HsskError("Hãy ghi cả cách viết tìm thấy trong tệp và tên thôn cần gán.", "empty spelling or village")
    with open_db(args, must_exist=True) as con:
        try:  # a village already known is written as it is known ("giang cao" → "Giang Cao")
            village, new = match_village(con, args.village), False
        except HsskError:
            village, new = " ".join(str(args.village).split()), True
        n = villages.map_spelling(con, args.spelling, village)
        added = " (thôn mới)" if new else ""
        print(f"Đã gán «{args.spelling}» cho thôn {village}{added}: thôn này nay có {vn_int(n)} hồ sơ.")
        print(bring_up_to_date(con, progress=progress).message)
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser(
        "villages", help="tên thôn trong các tệp không khớp thôn nào (số hồ sơ, gợi ý); map: gán cho một thôn",
        description="Không có lệnh con: in các cách viết tên thôn tìm thấy trong các tệp đã nhập mà không khớp "
                    "thôn nào (thôn của danh sách dân cư, của data/reference/villages.csv hoặc đã gán), với số hồ "
                    "sơ và thôn gần giống nhất. «villages map CÁCH_VIẾT THÔN» gán một cách viết cho một thôn (hoặc "
                    "thêm thôn mới) cho cả dữ liệu đã nhập, không cần nhập lại, rồi cập nhật số liệu.")
    p.add_argument("--json", action="store_true", help="in dạng JSON")
    add_db_option(p)
    p.set_defaults(func=cmd_villages, action=None)
    actions = p.add_subparsers(dest="action", metavar="LỆNH_CON", title="lệnh con")
    m = actions.add_parser("map", help="gán một cách viết tên thôn cho một thôn (hoặc thêm thôn mới)",
                           description="Gán cách viết tìm thấy trong tệp cho một thôn đã biết (viết hoa thường, có "
                                       "dấu hay không đều được) hoặc một thôn mới; áp dụng cho dữ liệu đã nhập, rồi "
                                       "cập nhật số liệu.")
    m.add_argument("spelling", metavar="CÁCH_VIẾT", help="tên thôn như trong tệp, ví dụ \"T. Giang-Cao\"")
    m.add_argument("village", metavar="THÔN", help="thôn cần gán, ví dụ \"Giang Cao\"")
    add_db_option(m, default=argparse.SUPPRESS)
    m.set_defaults(func=cmd_villages)
