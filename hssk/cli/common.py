"""What every command group shares: the Vietnamese argument parser, --db, opening the database, progress lines,
and village names matched like the importer does."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager

import duckdb

from hssk.errors import HsskError

# argparse's own messages (usage, help headings, errors), in Vietnamese. Keys are argparse's message ids
# (Python 3.11); one it does not list stays as argparse wrote it.
_ARGPARSE_VI = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn %(value)r không hợp lệ (chọn một trong: "
                                                           "%(choices)s)",
    "invalid %(type)s value: %(value)r": "giá trị %(value)r không hợp lệ (cần kiểu %(type)s)",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn %(option)s không rõ: có thể là %(matches)s",
    "not allowed with argument %s": "không dùng cùng với %s",
    "ignored explicit argument %r": "giá trị %r bị bỏ qua",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "unexpected option string: %s": "tùy chọn không mong đợi: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "lệnh %(parser_name)r không có (chọn một trong: "
                                                             "%(choices)s)",
    "subcommands": "lệnh",
    "can't open '%(filename)s': %(error)s": "không mở được '%(filename)s': %(error)s",
}


def _gettext(message):
    return _ARGPARSE_VI.get(message, message)


def _ngettext(singular, plural, n):
    return _gettext(singular if n == 1 else plural)


@contextmanager
def _vietnamese():
    """argparse looks its messages up through its module-level gettext functions: swap them for the call only, so
    other users of argparse in the same process (pytest) keep theirs."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _gettext, _ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class Parser(argparse.ArgumentParser):
    """argparse.ArgumentParser speaking Vietnamese (sub-command parsers are made of the same class)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        with _vietnamese():
            super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs):
        with _vietnamese():
            return super().add_subparsers(**kwargs)

    def parse_known_args(self, args=None, namespace=None):
        with _vietnamese():
            return super().parse_known_args(args, namespace)

    def format_usage(self):
        with _vietnamese():
            return super().format_usage()

    def format_help(self):
        with _vietnamese():
            return super().format_help()

    def error(self, message):
        with _vietnamese():
            super().error(message)


def add_db_option(parser: argparse.ArgumentParser, **kwargs) -> None:
    """--db and --wait (kwargs: e.g. default=argparse.SUPPRESS for a sub-command that repeats them)."""
    parser.add_argument("--db", metavar="TỆP.duckdb",
                        help="tệp cơ sở dữ liệu DuckDB (mặc định data/hssk.duckdb hoặc biến HSSK_DB)", **kwargs)
    parser.add_argument("--wait", type=float, metavar="GIÂY",
                        help="khi cơ sở dữ liệu đang được chương trình khác dùng, chờ tối đa bao nhiêu giây "
                             "(mặc định [database] wait_seconds trong data/config.toml)", **kwargs)


def _said(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def open_db(args, read_only: bool = False, *, must_exist: bool = False) -> duckdb.DuckDBPyConnection:
    """The database of --db (or $HSSK_DB, or data/hssk.duckdb). A file held by another program is waited for (up to
    --wait or [database] wait_seconds, said once on stderr), then said plainly. A command that only reads
    (`read_only`) opens the file read-only, so it can run beside other readers; it and `must_exist` do not create a
    missing database. A database last opened by an older version gets today's schema first (one short write)."""
    from hssk.config import db_path
    from hssk.db import connect, schema_current, wait_seconds

    path = getattr(args, "db", None)
    wait = getattr(args, "wait", None)
    wait = wait_seconds() if wait is None else max(0.0, wait)
    if (read_only or must_exist) and not db_path(path).exists():
        raise HsskError(f"Không tìm thấy cơ sở dữ liệu {db_path(path)}: hãy nhập dữ liệu trước.", "no database file")
    try:
        con = connect(path, read_only=read_only, wait=wait, on_wait=_said)
        if read_only and not schema_current(con):
            con.close()
            connect(path, wait=wait, on_wait=_said).close()  # the writable door applies the schema files
            con = connect(path, read_only=True, wait=wait, on_wait=_said)
        return con
    except duckdb.IOException as exc:
        raise HsskError(f"Không mở được cơ sở dữ liệu {db_path(path)}.", str(exc)) from exc


def progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


# kpi_base.sql's kpi_unknown_village(): where the worklists and KPIs put people no village was found for.
UNKNOWN_VILLAGE = "Không rõ thôn"


def match_village(con: duckdb.DuckDBPyConnection, text: str | None) -> str | None:
    """The village a person typed (--village), matched as the importer matches a village cell (case, tone marks,
    accents, a leading "Thôn"/"Xóm"/"TDP" ignored; aliases of data/reference/villages.csv), against the villages of
    the reference list and those found in the data. None for no text; an unknown name is an HsskError that lists
    the known villages."""
    if text is None or not str(text).strip():
        return None
    from hssk.normalize.address import _village_keys
    from hssk.normalize.address import match_village as reference_match

    found = reference_match(text)
    if found is not None:
        return found
    known = known_villages(con)
    tone, plain = _village_keys(str(text))
    same_tone = [v for v in known if _village_keys(v)[0] == tone]
    same_letters = [v for v in known if _village_keys(v)[1] == plain]
    if same_tone or len(same_letters) == 1:
        return (same_tone or same_letters)[0]
    listed = ", ".join(known) if known else "(chưa có thôn nào: hãy nhập danh sách dân cư)"
    raise HsskError(f"Không có thôn «{text}». Các thôn đã biết: {listed}.", f"unknown village {text!r}")


def known_villages(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every village (hssk.ingest.villages.known: villages.csv's, the register's, the mapped ones), with
    "Không rõ thôn" when some records of the current data have none, sorted."""
    from hssk.ingest import villages

    try:
        names = set(villages.known(con))
        unplaced = con.execute("select count(*) from current_clean where village is null").fetchall()[0][0]
    except duckdb.CatalogException:  # a database without the data layers
        from hssk import reference

        names, unplaced = set(reference.villages()["village"].dropna()), 0
    return sorted(names | ({UNKNOWN_VILLAGE} if unplaced else set()))
