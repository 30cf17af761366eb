"""Page render times: each page's script for each role, first visit and a cached revisit (AppTest, no browser).

    .venv/bin/python benchmarks/pages.py --db data/hssk.duckdb      # a copy is used; the file is not changed

The target is under one second per cached page on the demo data; the browser test prints first-visit times too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(ROOT / "data" / "hssk.duckdb"))
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="hssk-pages-"))
    db_file = work / "copy.duckdb"
    shutil.copyfile(args.db, db_file)
    os.environ["HSSK_DB"] = str(db_file)

    from streamlit.testing.v1 import AppTest

    from hssk import auth, db
    from hssk.app import nav

    password = "benchmark-password-1"
    con = db.connect(db_file)
    auth.ensure_schema(con)
    names = {}
    if not auth.has_users(con):
        auth.create_first_admin(con, "bench_admin", password)
    for role in auth.ROLES:
        names[role] = f"bench_{role}"
        if auth.get_user(con, names[role]) is None:
            auth.create_user(con, names[role], password, role)
    con.close()

    print(f"{'role':12} {'page':28} {'first s':>8} {'cached s':>9}")
    for role, name in names.items():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.text_input[0].input(name)
        at.text_input[1].input(password)
        at = at.button[0].click().run()
        for spec in nav.pages_for(role):
            start = time.perf_counter()
            at.switch_page(spec.path).run()
            first = time.perf_counter() - start
            start = time.perf_counter()
            at.switch_page(spec.path).run()
            cached = time.perf_counter() - start
            print(f"{role:12} {spec.title:28} {first:8.2f} {cached:9.2f}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
