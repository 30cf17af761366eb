"""The demo commune in its own database: generated, imported and linked — never mixed with a station's data.

A station's database starts empty and holds only what the station imports. The demo lives in `config.DEMO_DB`
(data/demo/demo.duckdb) and its batches carry the note DEMO_NOTE, which is how the app knows to show the
"DỮ LIỆU MẪU" banner. Nothing is written before the database is known to be usable: the database is opened
(DuckDB's write lock) and checked first, the files are generated into a scratch folder and moved into place
only when complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from hssk import config
from hssk.db import connect
from hssk.demo.generator import generate
from hssk.errors import HsskError
from hssk.ingest.store import import_files

DEMO_NOTE = "demo"
KINDS_IN_ORDER = ("population", "hssk", "deaths", "insurance", "care")


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    """The database holds the generated demo commune (its batches carry DEMO_NOTE)."""
    try:
        return bool(con.execute("select count(*) > 0 from import_batches where note = ?", [DEMO_NOTE]).fetchall()[0][0])
    except duckdb.CatalogException:
        return False


def _real_batches(con) -> int:
    return con.execute("select count(*) from import_batches where note is distinct from ?", [DEMO_NOTE]).fetchall()[0][0]


def open_for_demo(db: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """Open (and lock) the database the demo goes into, refusing one that holds a station's own imports."""
    try:
        con = connect(db)
    except duckdb.IOException as exc:
        raise HsskError(f"Không mở được cơ sở dữ liệu {db} để nạp dữ liệu mẫu: tệp đang được một chương trình khác "
                        "sử dụng (thường là ứng dụng đang chạy). Hãy tắt ứng dụng rồi chạy lại lệnh; chưa có tệp "
                        "nào được ghi.", str(exc)) from exc
    if _real_batches(con):
        con.close()
        raise HsskError(f"Cơ sở dữ liệu {db} đã có dữ liệu do trạm nhập: dữ liệu mẫu không bao giờ được nạp chung "
                        f"với dữ liệu thật. Hãy dùng tệp riêng cho dữ liệu mẫu (mặc định {config.DEMO_DB}).",
                        "database holds non-demo batches")
    return con


def _move_into_place(scratch: Path, out: Path) -> None:
    for child in scratch.iterdir():
        target = out / child.name
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(child, target)


def load_demo(db: str | os.PathLike, out: str | os.PathLike, *, residents: int, seed: int, link: bool = True,
              profile: str = "shipped", say: Callable[[str], None] = print, progress=None) -> dict:
    """Generate the demo commune's files (and truth) into `out`, import them into `db` and link them.

    `profile` (hssk.demo.profiles) makes a world unlike the shipped one. A profile with villages of its own writes
    their list beside the files (reference/villages.csv) but imports with the station's list, as a station whose
    list was never updated would: the register's villages (hssk.ingest.villages) still place everyone."""
    out = Path(out)
    con = open_for_demo(db)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".dang_tao_", dir=out) as scratch:
            made = generate(Path(scratch), residents=residents, seed=seed, profile=profile)
            _move_into_place(Path(scratch), out)
        files = {kind: [out / Path(p).name for p in paths] for kind, paths in made["files"].items()}
        for kind in KINDS_IN_ORDER:
            if files.get(kind):
                say(import_files(con, files[kind], kind, note=DEMO_NOTE).message)
        if link:
            from hssk.refresh import bring_up_to_date

            say(bring_up_to_date(con, progress=progress).message)
    finally:
        con.close()
    return {"files": files, "truth_dir": out / "truth",
            "reference_dir": out / "reference" if made.get("reference_dir") else None}
