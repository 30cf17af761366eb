"""Hand-made `clean` rows and scored pairs for tests, without importing files or running Splink.

`add_batch(con, "hssk", [{"record_id": "H1", "full_name": "Nguyễn Văn An", "birth": "1985-03-12", …}])`
writes one import batch whose rows carry the contract's columns (keys derived the simple way:
lower case for the tone key, accents stripped and đ → d for the accent-free key).
`scored_run(con, [("hssk:H1", "population:001…", 0.9999), …])` stores a link run with exactly those pairs and
derives persons from them.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata

import duckdb

from hssk.link import refresh_persons
from hssk.link.prepare import ensure_schema

UPPER, LOWER = 0.99, 0.5

FIELDS = ("full_name", "birth", "sex", "personal_id", "old_id", "insurance_no", "village", "household_code",
          "phone")


def _ascii(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _key(text: str | None) -> str | None:
    return unicodedata.normalize("NFC", text).lower() if text else None


def _split(full_name: str | None) -> tuple[str | None, str | None, str | None]:
    words = (full_name or "").split()
    if not words:
        return None, None, None
    if len(words) == 1:
        return None, None, words[0]
    return words[0], " ".join(words[1:-1]) or None, words[-1]


def _birth(text: str | None) -> dict:
    out = {"birth_date": None, "birth_year": None, "birth_month": None, "birth_day": None,
           "birth_precision": None, "birth_text": text or None}
    if not text:
        return out
    parts = [int(p) for p in text.split("-")]
    out["birth_year"] = parts[0]
    out["birth_precision"] = "year"
    if len(parts) > 1:
        out["birth_month"], out["birth_precision"] = parts[1], "month"
    if len(parts) > 2:
        out["birth_day"], out["birth_precision"], out["birth_date"] = parts[2], "day", text
    return out


def clean_row(kind: str, batch_id: int, file_id: int, row_number: int, values: dict) -> dict:
    family, middle, given = _split(values.get("full_name"))
    insurance = values.get("insurance_no")
    row = {
        "rec_uid": f"{kind}:{file_id}:{row_number}",
        "kind": kind, "batch_id": batch_id, "file_id": file_id, "row_number": row_number,
        "full_name": values.get("full_name"), "full_name_orig": values.get("full_name"),
        "name_key": _key(values.get("full_name")), "name_ascii": _ascii(values.get("full_name")),
        "family_name": family, "middle_name": middle, "given_name": given,
        "family_key": _key(family), "middle_key": _key(middle), "given_key": _key(given),
        "family_ascii": _ascii(family), "given_ascii": _ascii(given),
        "sex": values.get("sex"), "personal_id": values.get("personal_id"), "old_id": values.get("old_id"),
        "insurance_card": insurance if insurance and len(insurance) == 15 else None,
        "social_insurance_no": insurance if insurance and len(insurance) == 10 else None,
        "village": values.get("village"), "household_code": values.get("household_code"),
        "phone": values.get("phone"),
        **_birth(values.get("birth")),
    }
    digest = hashlib.sha1("|".join(str(values.get(f)) for f in FIELDS).encode("utf-8")).hexdigest()
    row["row_hash"] = digest
    record_id = values.get("record_id")
    if kind == "population":
        record_id = values.get("personal_id") or record_id
        key = f"population:{values['personal_id']}" if values.get("personal_id") else f"population:row:{row['rec_uid']}"
    elif kind == "hssk":
        key = f"hssk:{record_id}"
    elif kind == "insurance":
        key = f"insurance:{row['social_insurance_no'] or row['insurance_card'] or row['rec_uid']}"
        record_id = record_id or insurance
    else:
        record_id = str(row_number)
        key = f"{kind}:{digest}"
    row["record_id"], row["record_key"] = record_id, key
    return row


def add_batch(con: duckdb.DuckDBPyConnection, kind: str, rows: list[dict]) -> int:
    """Insert one import batch (one file) of hand-made rows into import_batches/import_files/clean."""
    batch_id = con.execute("select nextval('seq_batch')").fetchall()[0][0]
    file_id = con.execute("select nextval('seq_file')").fetchall()[0][0]
    con.execute("insert into import_batches (batch_id, kind, created_at, note, n_files, n_rows) "
                "values (?, ?, current_timestamp::timestamp, 'sample', 1, ?)",
                [batch_id, kind, len(rows)])
    con.execute("insert into import_files (file_id, batch_id, kind, file_name, sha256, n_rows, imported_at) "
                "values (?, ?, ?, ?, ?, ?, current_timestamp::timestamp)",
                [file_id, batch_id, kind, f"{kind}_{batch_id}.csv", f"sample{batch_id}", len(rows)])
    for number, values in enumerate(rows, start=1):
        row = clean_row(kind, batch_id, file_id, number, values)
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"insert into clean ({columns}) values ({marks})", list(row.values()))
    return batch_id


def scored_run(con: duckdb.DuckDBPyConnection, pairs, upper: float = UPPER, lower: float = LOWER) -> int:
    """A link run whose scored pairs are `pairs` (key, key, probability); persons are derived from them."""
    ensure_schema(con)
    run_id = con.execute("select nextval('seq_link_run')").fetchall()[0][0]
    con.execute(
        "insert into link_runs (run_id, started_at, thresholds, n_records, n_pairs) "
        "values (?, current_timestamp::timestamp, ?, 0, ?)",
        [run_id, json.dumps({"upper": upper, "lower": lower}), len(pairs)],
    )
    con.execute("delete from link_predictions")
    kinds = dict(con.execute("select record_key, kind from current_clean").fetchall())
    for left, right, p in pairs:
        left, right = sorted((left, right))
        con.execute("insert into link_predictions values (?, ?, ?, ?, ?, ?, ?, false)",
                    [run_id, left, right, kinds[left], kinds[right], p, 0.0 + p * 10])
    refresh_persons(con)
    return run_id
