"""One import = one batch = one transaction.

The files of a batch are read and standardised chunk by chunk and inserted in batches of chunks inside one
transaction, so memory holds a few chunks, never a whole file; a file that fails anywhere rolls the transaction back
and leaves the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue

import duckdb
import pyarrow as pa

from hssk import audit
from hssk.db import registered, transaction
from hssk.errors import HsskError, explain_failure
from hssk.fmt import vn_int
from hssk.ingest import KINDS, SNAPSHOT_KINDS, villages
from hssk.ingest.limits import check_file
from hssk.ingest.readers import read_sheets
from hssk.ingest.sheet import Sheet
from hssk.ingest.standardize import standardize

Progress = Callable[[float, str], None]

# Fields whose absence or invalid format is a finding, per kind (the register's required identity fields,
# and the HSSK administrative fields the campaign checks).
CHECKED_FIELDS = {
    "hssk": ["full_name", "birth_date", "sex", "personal_id", "ethnicity", "village", "insurance_no", "phone"],
    "population": ["personal_id", "full_name", "birth_date", "sex", "village"],
    "deaths": ["full_name", "birth_date", "death_date"],
    "insurance": ["insurance_no", "full_name", "birth_date", "sex"],
    "care": ["event_date"],
    "claims": ["full_name", "birth_date", "sex", "insurance_no", "event_date"],
}
# field -> (original column, normalised column) in the staged clean table
_FIELD_COLUMNS = {
    "full_name": ("full_name_orig", "full_name"),
    "birth_date": ("birth_date_orig", "birth_year"),
    "sex": ("sex_orig", "sex"),
    "personal_id": ("personal_id_orig", "personal_id"),
    "old_id": ("old_id_orig", "old_id"),
    "insurance_no": ("insurance_no_orig", "coalesce(insurance_card, social_insurance_no)"),
    "ethnicity": ("ethnicity_orig", "ethnicity_code"),
    "village": ("coalesce(village_orig, address_orig)", "village"),
    "phone": ("phone_orig", "phone"),
    "death_date": ("_death_date_orig", "death_date"),
    "event_date": ("_event_date_orig", "event_date"),
}


@dataclass
class ImportResult:
    kind: str
    batch_id: int | None
    files: list[dict]
    skipped: list[str]
    n_rows: int
    n_findings: int = 0

    @property
    def message(self) -> str:
        from hssk.labels import import_done  # the words live in hssk.labels (imported late: it reads auth, config)

        return import_done(self)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def already_imported(con: duckdb.DuckDBPyConnection, kind: str, digest: str) -> bool:
    return con.execute("select count(*) from import_files join import_batches b using (batch_id) "
                       "where import_files.kind = ? and sha256 = ? and b.undone_at is null",
                       [kind, digest]).fetchall()[0][0] > 0


def current_snapshot_digests(con: duckdb.DuckDBPyConnection, kind: str) -> set[str]:
    """The sha256 of every file in the current (newest, not undone) batch of a snapshot kind."""
    rows = con.execute("""
        select f.sha256 from import_files f
        where f.batch_id = (select max(batch_id) from import_batches where kind = ? and undone_at is null)""",
                       [kind]).fetchall()
    return {r[0] for r in rows}


def data_version(con: duckdb.DuckDBPyConnection) -> str:
    """Changes with every import and every undo: what a linkage run records to say which data it saw."""
    newest, undone = con.execute("select max(batch_id), count(undone_at) from import_batches").fetchall()[0]
    return f"{newest or 0}.{undone}"


def import_files(con: duckdb.DuckDBPyConnection, paths: list[str | Path], kind: str, *,
                 overrides: dict[str, str] | None = None, note: str | None = None,
                 progress: Progress | None = None) -> ImportResult:
    """Import the files of one batch. `overrides` maps an unrecognised original header to a field."""
    if kind not in KINDS:
        raise HsskError(f"Loại dữ liệu '{kind}' không hợp lệ; hãy chọn một trong: {', '.join(KINDS)}.", "bad kind")
    paths = [Path(p) for p in paths]
    if kind == "claims":  # claim XML arrives as folders of .xml/.zip files too
        from hssk.ingest.claims import expand_paths
        paths = expand_paths(paths)
    fresh, skipped, seen = [], [], set()
    for path in paths:
        check_file(path)  # a directory, a device or an endless file is refused before it is read
        digest = sha256_of(path)
        if digest in seen:
            skipped.append(path.name)  # the same file named twice in one batch
        else:
            seen.add(digest)
            fresh.append((path, digest))
    if kind in SNAPSHOT_KINDS:
        # The newest batch is the whole snapshot: a file already imported before is read again as a member of
        # the new batch (its rows count again), and only a batch equal to the current one changes nothing.
        if seen == current_snapshot_digests(con, kind):
            return _audited(con, ImportResult(kind, None, [], [p.name for p, _ in fresh] + skipped, 0))
    else:
        # Event batches accumulate and a row counts once: a file already imported adds nothing.
        old = [(p, d) for p, d in fresh if already_imported(con, kind, d)]
        skipped += [p.name for p, _ in old]
        fresh = [item for item in fresh if item not in old]
        if not fresh:
            return _audited(con, ImportResult(kind, None, [], skipped, 0))

    now = dt.datetime.now().replace(microsecond=0)
    # Rows carry their file and row number, so their physical order does not matter: without it DuckDB writes an
    # insert on every core without re-ordering (a quarter less time for `clean`). For this connection only: a plain
    # SET would change it for every connection to the database (the app's other pages).
    con.execute("set session preserve_insertion_order = false")
    try:
        with transaction(con):
            batch_id = con.execute("select nextval('seq_batch')").fetchall()[0][0]
            con.execute("insert into import_batches (batch_id, kind, created_at, note, n_files, n_rows, created_by) "
                        "values (?, ?, ?, ?, ?, 0, ?)", [batch_id, kind, now, note, len(fresh), audit.current_actor()[0]])
            files = _insert_files(con, kind, batch_id, fresh, overrides, now, progress)
            n_rows = sum(f["rows"] for f in files)
            con.execute("update import_batches set n_rows = ? where batch_id = ?", [n_rows, batch_id])
            _dedupe_record_keys(con, batch_id)
            villages.resolve(con)  # a new register may name villages the earlier files spelled
            n_findings = con.execute("select count(*) from findings where batch_id = ?", [batch_id]).fetchall()[0][0]
            result = _audited(con, ImportResult(kind, batch_id, files, skipped, n_rows, n_findings))
    except BaseException as exc:
        explained = None if isinstance(exc, HsskError) else explain_failure(exc, "nhập dữ liệu")
        if explained:
            raise explained from exc
        raise
    finally:
        try:
            con.execute("reset session preserve_insertion_order")
        except duckdb.Error:
            pass
    if progress:
        progress(1.0, result.message)
    return result


def _audited(con: duckdb.DuckDBPyConnection, result: ImportResult) -> ImportResult:
    """Write the import to the audit log (inside the batch's transaction when there is one): who, which batch."""
    audit.record_action(con, "import", target=result.kind,
                        detail={"batch_id": result.batch_id, "rows": result.n_rows,
                                "files": [f["file_name"] for f in result.files], "skipped": result.skipped})
    return result


def prefetch(items: Iterator, depth: int = 1) -> Iterator:
    """Iterate `items` in a background thread, `depth` items ahead: the next chunk is read and standardised
    (Python and Arrow) while DuckDB inserts the current one (DuckDB and Arrow release the GIL, so both cores
    work). Exceptions reach the caller in order."""
    queue: Queue = Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce():
        try:
            for item in items:
                if stop.is_set():
                    return
                queue.put((item, None))
        except BaseException as exc:  # handed to the consumer
            queue.put((None, exc))
        queue.put((done, None))

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    try:
        while True:
            item, error = queue.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                queue.get(timeout=0.05)
            except Empty:
                pass


def _read_files(kind: str, fresh: list[tuple[Path, str]], overrides) -> Iterator[tuple]:
    """(path, sheet, chunk, clean chunk) for every chunk of every file in order, and (path, None, None, None)
    when a file ends."""
    for path, _ in fresh:
        for sheet in read_sheets(path, kind, overrides):
            try:
                for chunk in sheet.chunks:
                    if chunk.num_rows:
                        yield path, sheet, chunk, standardize(chunk, sheet.mapping, kind)
            except pa.ArrowInvalid as exc:
                raise HsskError(f"Tệp {path.name} có dòng không đúng cấu trúc (số cột khác dòng tiêu đề).",
                                str(exc)) from exc
        yield path, None, None, None


# Chunks are read and standardised ~100k rows at a time but inserted in batches of at least four of DuckDB's row
# groups (122,880 rows): a large insert is compressed and written on every core while it runs, where small ones
# leave partial row groups to be merged at commit (measured: a third less time for the same rows).
INSERT_ROWS = 4 * 122_880


def _insert_files(con, kind: str, batch_id: int, fresh: list[tuple[Path, str]], overrides, now,
                  progress: Progress | None) -> list[dict]:
    """Insert every chunk of the batch's files (inside the caller's transaction), INSERT_ROWS or a sheet's end at a
    time. The files are read and standardised a few chunks ahead in a background thread (`prefetch`), so reading
    overlaps DuckDB's work; memory holds those chunks and one insert batch, never a whole file."""
    digests = dict(fresh)
    entries: dict[int, dict] = {}  # id(sheet) -> its import_files entry (the sheets stay referenced there)
    pending: list[tuple[pa.Table, pa.Table]] = []  # chunks of the current sheet not inserted yet
    pending_sheet = None

    def flush():
        if pending:
            raw = pa.concat_tables([raw for raw, _ in pending])
            clean = pa.concat_tables([clean for _, clean in pending], promote_options="default")
            _insert_chunk(con, kind, batch_id, entries[id(pending_sheet)]["file_id"], pending_sheet, raw, clean)
            pending.clear()

    for i, (path, sheet, chunk, clean) in enumerate(prefetch(_read_files(kind, fresh, overrides), depth=4)):
        if sheet is not pending_sheet:
            flush()
        if sheet is None:  # end of a file
            if not any(entry["_path"] == path for entry in entries.values()):
                raise HsskError(f"Tệp {path.name} chỉ có dòng tiêu đề, không có dữ liệu.", "no data rows")
            pending_sheet = None
            continue
        entry = entries.get(id(sheet))
        if entry is None:
            file_id = con.execute("select nextval('seq_file')").fetchall()[0][0]
            column_map = {sheet.headers[pos]: fld for pos, fld in sheet.mapping.items()}
            entry = entries[id(sheet)] = {
                "file_id": file_id, "file_name": path.name, "sheet": sheet.sheet, "rows": 0,
                "column_map": column_map, "unknown_columns": sheet.unknown_columns, "_path": path, "_sheet": sheet}
        pending_sheet = sheet
        pending.append((chunk, clean))
        if sum(raw.num_rows for raw, _ in pending) >= INSERT_ROWS:
            flush()
        entry["rows"] += chunk.num_rows
        if progress:
            progress(min(0.9, 0.9 * (i + 1) / (i + 2)), f"{path.name}: đã đọc {vn_int(entry['rows'])} dòng")
    flush()
    files = list(entries.values())
    for f in files:
        sheet = f.pop("_sheet")
        path = f.pop("_path")
        con.execute("insert into import_files (file_id, batch_id, kind, file_name, sha256, sheet, header_row, "
                    "n_rows, column_map, unknown_columns, imported_at, headers) "
                    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [f["file_id"], batch_id, kind, path.name, digests[path], sheet.sheet, sheet.header_row,
                     f["rows"], json.dumps(f["column_map"], ensure_ascii=False),
                     json.dumps(f["unknown_columns"], ensure_ascii=False), now,
                     json.dumps(sheet.headers, ensure_ascii=False)])
    return files


def _struct_sql(headers: list[str], positions: list[int]) -> str:
    """A DuckDB struct literal {'Original header': raw_cN, ...} over the raw columns carried with the clean chunk,
    so JSON keeps the file's own headers."""
    if not positions:
        return "NULL"
    items = []
    for pos in positions:
        name = headers[pos] or f"Cột {pos + 1}"
        items.append("'" + name.replace("'", "''") + f"': raw_c{pos}")
    return "to_json({" + ", ".join(items) + "})"


def _insert_chunk(con, kind, batch_id, file_id, sheet: Sheet, raw: pa.Table, clean: pa.Table) -> None:
    prefix = f"{kind}:{file_id}:"
    # The headers are stored once per file (import_files.headers); each row keeps its cells as a JSON array,
    # half the bytes of repeating every header in every row.
    all_cols = "to_json([" + ", ".join(f"c{pos}" for pos in range(len(sheet.headers))) + "])"
    # Unknown columns (kept in `extra`) and the original text of date columns that have no *_orig column in
    # `clean` (for the findings) travel with the clean chunk as raw_cN columns: one Arrow table, no join.
    unknown_pos = [i for i, h in enumerate(sheet.headers) if i not in sheet.mapping and h]
    date_cols = {f: pos for pos, f in sheet.mapping.items() if f in ("death_date", "event_date")}
    carried = sorted(set(unknown_pos) | set(date_cols.values()))
    for pos in carried:
        clean = clean.append_column(f"raw_c{pos}", raw.column(f"c{pos}"))
    unknown = _struct_sql(sheet.headers, unknown_pos)
    # Small record batches let DuckDB scan the chunk on every core.
    with registered(con, "raw_chunk", _batched(raw)), registered(con, "clean_chunk", _batched(clean)):
        try:
            con.execute(f"""
                insert into raw_rows
                select '{prefix}' || __row, '{kind}', {batch_id}, {file_id}, ?, __row, {all_cols}
                from raw_chunk""", [sheet.sheet])

            def orig(field):
                return f"raw_c{date_cols[field]}::varchar" if field in date_cols else "NULL::varchar"

            carried_sql = f" exclude ({', '.join(f'raw_c{pos}' for pos in carried)})" if carried else ""
            # A view over the Arrow chunk, not a table: the rows are written once, into `clean`.
            con.execute(f"""
                create or replace temp view staged as
                with read as (
                    select
                        '{prefix}' || row_number as rec_uid,
                        '{kind}' as kind, {batch_id} as batch_id, {file_id} as file_id,
                        {orig('death_date')} as _death_date_orig,
                        {orig('event_date')} as _event_date_orig,
                        {unknown if unknown != 'NULL' else 'NULL::json'} as extra,
                        *{carried_sql}
                    from clean_chunk
                ), hashed as (select *, {ROW_HASH_SQL} as row_hash from read)
                select *, {keys_sql(kind)} from hashed""")
            con.execute(findings_sql(kind))
            con.execute("insert into clean by name select * exclude (_death_date_orig, _event_date_orig, "
                        "_legacy_full_name, _legacy_address, _pid_note, _pid_issues, _record_id_raw, _birth_note, "
                        "_controls) from staged")
        finally:
            con.execute("drop view if exists staged")


def _batched(table: pa.Table, rows: int = 16_384) -> pa.Table:
    return pa.Table.from_batches(table.to_batches(max_chunksize=rows), schema=table.schema)


# row_hash, record_id and record_key per docs/architecture.md.
ROW_HASH_SQL = (
    "md5(concat_ws('|', coalesce(personal_id, ''), coalesce(name_key, ''), coalesce(birth_text, ''), "
    "coalesce(sex, ''), coalesce(insurance_card, social_insurance_no, ''), coalesce(event_date::varchar, ''), "
    "coalesce(death_date::varchar, ''), coalesce(event_kind, ''), coalesce(event_code, ''), "
    "coalesce(event_description, ''), coalesce(source_system, ''), coalesce(address, '')))")


def keys_sql(kind: str) -> str:
    """The record_id and record_key select items of one kind (row_hash is already there)."""
    record_id = {
        "hssk": "_record_id_raw",
        "population": "coalesce(personal_id, trim(personal_id_orig))",
        "insurance": "coalesce(insurance_card, social_insurance_no, trim(insurance_no_orig))",
        "claims": "_record_id_raw",
    }.get(kind, "row_number::varchar")
    record_key = {
        "hssk": "'hssk:' || coalesce(_record_id_raw, 'row:' || rec_uid)",
        "population": "'population:' || coalesce(personal_id, 'row:' || rec_uid)",
        "insurance": "'insurance:' || coalesce(social_insurance_no, insurance_card, rec_uid)",
        # a visit: its MA_LK at its facility (a corrected visit sent again keeps its key)
        "claims": "'claims:' || coalesce(source_system, '') || ':' || coalesce(_record_id_raw, row_hash)",
    }.get(kind, f"'{kind}:' || row_hash")
    return f"{record_id} as record_id, {record_key} as record_key"


def findings_sql(kind: str) -> str:
    parts = []
    for fld in CHECKED_FIELDS[kind]:
        orig, norm = _FIELD_COLUMNS[fld]
        # a birth date that parses but cannot be (after today, before 1900) says why
        detail = "_birth_note" if fld == "birth_date" else "null"
        parts.append(f"""
            select rec_uid, '{fld}', case when nullif(trim({orig}), '') is null then 'missing' else 'invalid' end,
                   {orig}, {detail} from staged where {norm} is null""")
    parts += [
        "select rec_uid, 'full_name', 'legacy_encoding', full_name_orig, _legacy_full_name from staged "
        "where _legacy_full_name is not null",
        "select rec_uid, 'address', 'legacy_encoding', address_orig, _legacy_address from staged "
        "where _legacy_address is not null",
        "select rec_uid, 'personal_id', 'restored_zeros', personal_id_orig, personal_id from staged "
        "where _pid_note = 'restored_zeros'",
        "select rec_uid, 'birth_date', 'partial_date', birth_date_orig, birth_precision from staged "
        "where birth_precision in ('month', 'year')",
        "select rec_uid, 'personal_id', 'inconsistent', personal_id, _pid_issues from staged "
        "where _pid_issues is not null",
        "select rec_uid, 'village', 'unknown_value', village_orig, null from staged "
        "where village is null and nullif(trim(village_orig), '') is not null",
        # NUL and other control characters removed by the reader: the columns they were in
        "select rec_uid, 'row', 'control_characters', null, _controls from staged where _controls is not null",
    ]
    body = "\nunion all\n".join(parts)
    return f"""
        insert into findings
        select f.rec_uid, '{kind}', s.batch_id, f.field, f.code, f.value, f.detail
        from ({body}) as f(rec_uid, field, code, value, detail)
        join (select distinct rec_uid, batch_id from staged) s using (rec_uid)"""


def _dedupe_record_keys(con, batch_id: int) -> None:
    """A record_key must be unique in a snapshot batch: a repeated Mã HSSK or personal ID gets a suffix and a
    finding, so both rows stay visible instead of one hiding the other."""
    con.execute("""
        create or replace temp table dup as
        select rec_uid, record_key,
               row_number() over (partition by record_key order by file_id, row_number) as n
        from clean where batch_id = $b and kind not in ('deaths', 'care')
        qualify count(*) over (partition by record_key) > 1""", {"b": batch_id})
    con.execute("""
        insert into findings
        select rec_uid, c.kind, c.batch_id, 'record_id', 'inconsistent', c.record_id, 'trùng mã trong cùng lô'
        from dup join clean c using (rec_uid)""")
    con.execute("update clean set record_key = clean.record_key || '#' || dup.n "
                "from dup where clean.rec_uid = dup.rec_uid and dup.n > 1")
    con.execute("drop table dup")


def raw_row(con: duckdb.DuckDBPyConnection, rec_uid: str) -> dict[str, str | None] | None:
    """One imported row exactly as read: {original header: cell text}, or None for an unknown rec_uid."""
    rows = con.execute("select f.headers, r.cells from raw_rows as r join import_files as f using (file_id) "
                       "where r.rec_uid = ?", [rec_uid]).fetchall()
    if not rows:
        return None
    headers, cells = json.loads(rows[0][0]), json.loads(rows[0][1])
    return {header or f"Cột {i + 1}": cell for i, (header, cell) in enumerate(zip(headers, cells))}


def last_import(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The newest import not undone: batch_id, kind, created_at, created_by, n_rows (None when there is none)."""
    rows = con.execute("select batch_id, kind, created_at, created_by, n_rows from import_batches "
                       "where undone_at is null order by batch_id desc limit 1").fetchall()
    return dict(zip(("batch_id", "kind", "created_at", "created_by", "n_rows"), rows[0])) if rows else None


def undo_last_import(con: duckdb.DuckDBPyConnection, *, only_by: str | None = None) -> int | None:
    """Take back the newest import (the import page's undo). Raw rows stay, as everything read is kept: the batch
    is marked undone and its derived clean rows and findings are removed, so the previous snapshot is current
    again and the same files can be imported anew. Returns the batch id, or None when there is nothing to undo.
    only_by: undo only if that user made it (data entry may take back its own last import, nobody else's)."""
    last = last_import(con)
    if last is None:
        return None
    if only_by is not None and last["created_by"] != only_by:
        raise HsskError("Chỉ hoàn tác được lần nhập gần nhất do chính bạn thực hiện; lần nhập gần nhất "
                        f"(lô số {last['batch_id']}) do {last['created_by'] or 'người khác'} thực hiện.",
                        "last batch made by someone else")
    batch_id = last["batch_id"]
    with transaction(con):
        con.execute("update import_batches set undone_at = now() where batch_id = ?", [batch_id])
        con.execute("delete from findings where batch_id = ?", [batch_id])
        con.execute("delete from clean where batch_id = ?", [batch_id])
        villages.resolve(con)
        audit.record_action(con, "undo_import", target=str(batch_id))
    return batch_id


def import_history(con: duckdb.DuckDBPyConnection):
    return con.execute("""
        select b.batch_id, b.kind, b.created_at, b.n_files, b.n_rows, b.undone_at,
               string_agg(f.file_name, ', ') as files,
               (select count(*) from findings x where x.batch_id = b.batch_id) as n_findings
        from import_batches b left join import_files f using (batch_id)
        group by all order by b.batch_id desc""").df()
