"""One import = one batch = one transaction.

Every file of the batch is read and standardised in memory first; the database is touched only when all of
them succeeded, inside one transaction. A file that fails therefore leaves the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa

from hssk.errors import HsskError
from hssk.fmt import vn_int
from hssk.ingest import KINDS
from hssk.ingest.readers import Sheet, read_sheets
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
class StagedFile:
    path: Path
    sha256: str
    sheet: Sheet
    raw: list[pa.Table] = field(default_factory=list)
    clean: list[pa.Table] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return sum(t.num_rows for t in self.raw)


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
        parts = []
        if self.batch_id is not None:
            parts.append(f"Đã nhập {vn_int(self.n_rows)} dòng ({self.kind}) từ {len(self.files)} tệp, lô số "
                         f"{self.batch_id}; {vn_int(self.n_findings)} phát hiện về chất lượng dữ liệu.")
        if self.skipped:
            parts.append("Bỏ qua vì đã nhập trước đó (không có gì thay đổi): " + ", ".join(self.skipped) + ".")
        return " ".join(parts)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stage(path: Path, kind: str, overrides, progress: Progress | None) -> list[StagedFile]:
    digest = sha256_of(path)
    staged = []
    for sheet in read_sheets(path, kind, overrides):
        item = StagedFile(path, digest, sheet)
        try:
            for chunk in sheet.chunks:
                item.raw.append(chunk)
                item.clean.append(standardize(chunk, sheet.mapping, kind))
                if progress:
                    progress(0.0, f"{path.name}: đã đọc {vn_int(item.n_rows)} dòng")
        except pa.ArrowInvalid as exc:
            raise HsskError(f"Tệp {path.name} có dòng không đúng cấu trúc (số cột khác dòng tiêu đề).",
                            str(exc)) from exc
        if item.n_rows:
            staged.append(item)
    if not staged:
        raise HsskError(f"Tệp {path.name} chỉ có dòng tiêu đề, không có dữ liệu.", "no data rows")
    return staged


def already_imported(con: duckdb.DuckDBPyConnection, kind: str, digest: str) -> bool:
    return con.execute("select count(*) from import_files join import_batches b using (batch_id) "
                       "where import_files.kind = ? and sha256 = ? and b.undone_at is null",
                       [kind, digest]).fetchone()[0] > 0


def import_files(con: duckdb.DuckDBPyConnection, paths: list[str | Path], kind: str, *,
                 overrides: dict[str, str] | None = None, note: str | None = None,
                 progress: Progress | None = None) -> ImportResult:
    """Import the files of one batch. `overrides` maps an unrecognised original header to a field."""
    if kind not in KINDS:
        raise HsskError(f"Loại dữ liệu '{kind}' không hợp lệ; hãy chọn một trong: {', '.join(KINDS)}.", "bad kind")
    paths = [Path(p) for p in paths]
    fresh, skipped, seen = [], [], set()
    for path in paths:
        if not path.exists():
            raise HsskError(f"Không tìm thấy tệp {path}.", "file not found")
        digest = sha256_of(path)
        if already_imported(con, kind, digest) or digest in seen:
            skipped.append(path.name)
        else:
            seen.add(digest)
            fresh.append(path)
    if not fresh:
        return ImportResult(kind, None, [], skipped, 0)

    staged: list[StagedFile] = []
    for i, path in enumerate(fresh):
        if progress:
            progress(i / len(fresh) * 0.7, f"Đang đọc {path.name}")
        staged.extend(_stage(path, kind, overrides, progress))

    if progress:
        progress(0.75, "Đang ghi vào cơ sở dữ liệu")
    con.execute("begin transaction")
    try:
        result = _write_batch(con, kind, staged, note)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    result.skipped = skipped
    if progress:
        progress(1.0, result.message)
    return result


def _write_batch(con, kind: str, staged: list[StagedFile], note: str | None) -> ImportResult:
    now = dt.datetime.now().replace(microsecond=0)
    batch_id = con.execute("select nextval('seq_batch')").fetchone()[0]
    n_rows = sum(item.n_rows for item in staged)
    con.execute("insert into import_batches (batch_id, kind, created_at, note, n_files, n_rows) "
                "values (?, ?, ?, ?, ?, ?)",
                [batch_id, kind, now, note, len({s.path for s in staged}), n_rows])
    files = []
    for item in staged:
        file_id = con.execute("select nextval('seq_file')").fetchone()[0]
        sheet = item.sheet
        column_map = {sheet.headers[pos]: fld for pos, fld in sheet.mapping.items()}
        con.execute("insert into import_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [file_id, batch_id, kind, item.path.name, item.sha256, sheet.sheet, sheet.header_row,
                     item.n_rows, json.dumps(column_map, ensure_ascii=False),
                     json.dumps(sheet.unknown_columns, ensure_ascii=False), now])
        for raw, clean in zip(item.raw, item.clean):
            _insert_chunk(con, kind, batch_id, file_id, sheet, raw, clean)
        files.append({"file_id": file_id, "file_name": item.path.name, "sheet": sheet.sheet, "rows": item.n_rows,
                      "column_map": column_map, "unknown_columns": sheet.unknown_columns})
    _dedupe_record_keys(con, batch_id)
    n_findings = con.execute("select count(*) from findings where batch_id = ?", [batch_id]).fetchone()[0]
    return ImportResult(kind, batch_id, files, [], n_rows, n_findings)


def _struct_sql(headers: list[str], positions: list[int]) -> str:
    """A DuckDB struct literal {'Original header': cN, ...} so JSON keeps the file's own headers."""
    if not positions:
        return "NULL"
    items = []
    for pos in positions:
        name = headers[pos] or f"Cột {pos + 1}"
        items.append("'" + name.replace("'", "''") + f"': c{pos}")
    return "to_json({" + ", ".join(items) + "})"


def _insert_chunk(con, kind, batch_id, file_id, sheet: Sheet, raw: pa.Table, clean: pa.Table) -> None:
    prefix = f"{kind}:{file_id}:"
    all_cols = _struct_sql(sheet.headers, list(range(len(sheet.headers))))
    unknown = _struct_sql(sheet.headers, [i for i, h in enumerate(sheet.headers) if i not in sheet.mapping and h])
    # Original text of date columns that have no *_orig column in `clean`, for the findings below.
    date_cols = {f: f"c{pos}" for pos, f in sheet.mapping.items() if f in ("death_date", "event_date")}
    con.register("raw_chunk", raw)
    con.register("clean_chunk", clean)
    try:
        con.execute(f"""
            insert into raw_rows
            select '{prefix}' || __row, '{kind}', {batch_id}, {file_id}, ?, __row, {all_cols}
            from raw_chunk""", [sheet.sheet])
        con.execute(f"""
            create or replace temp table staged as
            select
                '{prefix}' || c.row_number as rec_uid,
                '{kind}' as kind, {batch_id} as batch_id, {file_id} as file_id,
                r.{date_cols.get('death_date', 'NULL')}::varchar as _death_date_orig,
                r.{date_cols.get('event_date', 'NULL')}::varchar as _event_date_orig,
                {unknown if unknown != 'NULL' else 'NULL::json'} as extra,
                c.*
            from clean_chunk c join raw_chunk r on r.__row = c.row_number""".replace("r.NULL", "NULL"))
        con.execute(load_keys_sql(kind))
        con.execute(findings_sql(kind))
        con.execute("insert into clean by name select * exclude (_death_date_orig, _event_date_orig, _legacy_full_name, "
                    "_legacy_address, _pid_note, _pid_issues, _record_id_raw) from staged")
    finally:
        con.unregister("raw_chunk")
        con.unregister("clean_chunk")
        con.execute("drop table if exists staged")


def load_keys_sql(kind: str) -> str:
    """record_id, record_key and row_hash per docs/architecture.md."""
    row_hash = ("md5(concat_ws('|', coalesce(personal_id, ''), coalesce(name_key, ''), coalesce(birth_text, ''), "
                "coalesce(sex, ''), coalesce(insurance_card, social_insurance_no, ''), coalesce(event_date::varchar, ''), "
                "coalesce(death_date::varchar, ''), coalesce(event_kind, ''), coalesce(event_code, ''), "
                "coalesce(event_description, ''), coalesce(source_system, ''), coalesce(address, '')))")
    record_id = {
        "hssk": "_record_id_raw",
        "population": "coalesce(personal_id, trim(personal_id_orig))",
        "insurance": "coalesce(insurance_card, social_insurance_no, trim(insurance_no_orig))",
    }.get(kind, "row_number::varchar")
    record_key = {
        "hssk": "'hssk:' || coalesce(_record_id_raw, 'row:' || rec_uid)",
        "population": "'population:' || coalesce(personal_id, 'row:' || rec_uid)",
        "insurance": "'insurance:' || coalesce(social_insurance_no, insurance_card, rec_uid)",
    }.get(kind, f"'{kind}:' || row_hash")
    return f"""
        alter table staged add column row_hash varchar;
        alter table staged add column record_id varchar;
        alter table staged add column record_key varchar;
        update staged set row_hash = {row_hash};
        update staged set record_id = {record_id}, record_key = {record_key};
    """


def findings_sql(kind: str) -> str:
    parts = []
    for fld in CHECKED_FIELDS[kind]:
        orig, norm = _FIELD_COLUMNS[fld]
        parts.append(f"""
            select rec_uid, '{fld}', case when nullif(trim({orig}), '') is null then 'missing' else 'invalid' end,
                   {orig}, null from staged where {norm} is null""")
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


def undo_last_import(con: duckdb.DuckDBPyConnection) -> int | None:
    """Take back the newest import (the import page's undo). Raw rows stay, as everything read is kept: the batch
    is marked undone and its derived clean rows and findings are removed, so the previous snapshot is current
    again and the same files can be imported anew. Returns the batch id, or None when there is nothing to undo."""
    row = con.execute("select max(batch_id) from import_batches where undone_at is null").fetchone()
    if not row or row[0] is None:
        return None
    batch_id = row[0]
    con.execute("begin transaction")
    try:
        con.execute("update import_batches set undone_at = now() where batch_id = ?", [batch_id])
        con.execute("delete from findings where batch_id = ?", [batch_id])
        con.execute("delete from clean where batch_id = ?", [batch_id])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return batch_id


def import_history(con: duckdb.DuckDBPyConnection):
    return con.execute("""
        select b.batch_id, b.kind, b.created_at, b.n_files, b.n_rows, b.undone_at,
               string_agg(f.file_name, ', ') as files,
               (select count(*) from findings x where x.batch_id = b.batch_id) as n_findings
        from import_batches b left join import_files f using (batch_id)
        group by all order by b.batch_id desc""").df()
