"""Raw text cells -> typed, normalised clean columns.

The pure functions of hssk.normalize run once per DISTINCT value of a column (exports repeat the same names,
dates and villages many times), and the results are spread back to every row with Arrow `take`: no Python loop
per cell, so a million-row export standardises in seconds.
"""

from __future__ import annotations

from typing import Callable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from hssk.normalize import (
    ascii_key,
    detect_legacy,
    fix_text,
    normalize_ethnicity,
    normalize_event_kind,
    normalize_insurance,
    normalize_nationality,
    normalize_old_id,
    normalize_personal_id,
    normalize_phone,
    normalize_religion,
    normalize_sex,
    normalize_status,
    parse_date,
    personal_id_issues,
    split_name,
    title_case,
    tone_key,
    village_and_old_unit,
)

S, I, D, F = pa.string(), pa.int32(), pa.date32(), pa.float64()


def map_unique(column: pa.Array | pa.ChunkedArray, fn: Callable, types: Sequence[pa.DataType]) -> list[pa.Array]:
    """Apply fn (value -> tuple of len(types)) once per distinct non-null value; return one array per output."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    uniq = pc.unique(column)
    results = [fn(v) if v is not None else (None,) * len(types) for v in uniq.to_pylist()]
    index = pc.index_in(column, value_set=uniq)
    return [pa.array([r[k] for r in results], t).take(index) for k, t in enumerate(types)]


def map_unique_pairs(a: pa.Array, b: pa.Array, fn: Callable, types: Sequence[pa.DataType]) -> list[pa.Array]:
    """Like map_unique over (a, b) value pairs."""
    keys = pc.binary_join_element_wise(pc.fill_null(a, "\x00"), pc.fill_null(b, "\x00"), "\x01")

    def split_call(key):
        left, right = key.split("\x01", 1)
        return fn(None if left == "\x00" else left, None if right == "\x00" else right)

    return map_unique(keys, split_call, types)


# ------------------------------------------------------------------------------ per-value recipes
def _name(value: str):
    fixed = fix_text(value)
    if not fixed:
        return (None,) * 12
    full = title_case(fixed)
    family, middle, given = split_name(full)
    return (full, tone_key(full), ascii_key(full), family, middle, given,
            tone_key(family) if family else None, tone_key(middle) if middle else None,
            tone_key(given) if given else None, ascii_key(family) if family else None,
            ascii_key(given) if given else None, detect_legacy(value))


def _birth(value: str):
    parsed = parse_date(value)
    if parsed is None:
        return (None,) * 6
    return (parsed.as_date(), parsed.year, parsed.month, parsed.day, parsed.precision, parsed.text)


def _day(value: str):
    parsed = parse_date(value)
    return (parsed.as_date() if parsed else None,)


def _text(value: str):
    fixed = fix_text(value)
    return (fixed, detect_legacy(value))


def _person_name(value: str):
    fixed = fix_text(value)
    return (title_case(fixed) if fixed else None,)


def _number(value: str):
    try:
        return (float(value.replace(",", ".").strip()),)
    except ValueError:
        return (None,)


def _stripped_upper(value: str):
    text = value.strip().upper()
    return (text or None,)


def _pid_issues(pid: pa.Array, sex: pa.Array, year: pa.Array) -> pa.Array:
    """'|'-joined personal_id_issues codes (province, sex, birth year) per row, NULL when consistent."""
    key = pc.binary_join_element_wise(pc.fill_null(pid, ""), pc.fill_null(sex, ""),
                                      pc.fill_null(pc.cast(year, S), ""), "|")

    def check(k):
        p, s, y = k.split("|")
        if not p:
            return (None,)
        return ("|".join(personal_id_issues(p, s or None, int(y) if y else None)) or None,)

    return map_unique(key, check, [S])[0]


def _one(fn):
    return lambda v: (fn(v),)


NAME_COLUMNS = ["full_name", "name_key", "name_ascii", "family_name", "middle_name", "given_name",
                "family_key", "middle_key", "given_key", "family_ascii", "given_ascii", "_legacy_full_name"]


def standardize(chunk: pa.Table, mapping: dict[int, str], kind: str) -> pa.Table:
    """Clean columns for one chunk of a file (columns c0..cN + __row). Provenance and keys are added by the store;
    helper columns starting with '_' carry per-cell notes for findings and are dropped before `clean`."""
    src = {field: chunk.column(f"c{pos}") for pos, field in mapping.items()}
    n = chunk.num_rows
    out: dict[str, pa.Array] = {"row_number": chunk.column("__row")}

    def col(field):
        return src.get(field, pa.nulls(n, S))

    # The original text of every mapped field sits next to its normalised value.
    for field in ("full_name", "birth_date", "sex", "personal_id", "old_id", "insurance_no", "ethnicity",
                  "address", "village", "phone"):
        out[f"{field}_orig"] = col(field)

    for name, arr in zip(NAME_COLUMNS, map_unique(col("full_name"), _name, [S] * 12)):
        out[name] = arr
    for name, arr in zip(["birth_date", "birth_year", "birth_month", "birth_day", "birth_precision", "birth_text"],
                         map_unique(col("birth_date"), _birth, [D, I, I, I, S, S])):
        out[name] = arr
    out["sex"] = map_unique(col("sex"), _one(normalize_sex), [S])[0]
    out["personal_id"], out["_pid_note"] = map_unique(col("personal_id"), normalize_personal_id, [S, S])
    out["old_id"] = map_unique(col("old_id"), _one(normalize_old_id), [S])[0]
    out["insurance_card"], out["social_insurance_no"] = map_unique(col("insurance_no"), normalize_insurance, [S, S])
    if "social_insurance_no" in src:  # the insurance list has its own BHXH column
        from_column = map_unique(src["social_insurance_no"], lambda v: (normalize_insurance(v)[1],), [S])[0]
        out["social_insurance_no"] = pc.coalesce(from_column, out["social_insurance_no"])
    out["ethnicity_code"] = map_unique(col("ethnicity"), _one(normalize_ethnicity), [S])[0]
    out["nationality"] = map_unique(col("nationality"), _one(normalize_nationality), [S])[0]
    out["religion"] = map_unique(col("religion"), _one(normalize_religion), [S])[0]
    out["address"], out["_legacy_address"] = map_unique(col("address"), _text, [S, S])
    village_text = map_unique(col("village"), lambda v: (fix_text(v),), [S])[0]
    out["village"], out["old_unit"] = map_unique_pairs(village_text, out["address"], village_and_old_unit, [S, S])
    out["phone"] = map_unique(col("phone"), _one(normalize_phone), [S])[0]
    out["household_code"] = map_unique(col("household_code"), _stripped_upper, [S])[0]
    for field in ("occupation", "relation_to_head", "chronic_disease", "vaccination", "medical_history",
                  "reproductive_health", "infectious_disease", "registered_facility", "event_description",
                  "source_system"):
        out[field] = map_unique(col(field), lambda v: (fix_text(v),), [S])[0]
    for field in ("mother_name", "father_name"):
        out[field] = map_unique(col(field), _person_name, [S])[0]
    for field in ("blood_abo", "blood_rh", "event_code"):
        out[field] = map_unique(col(field), _stripped_upper, [S])[0]
    for field in ("height_cm", "weight_kg"):
        out[field] = map_unique(col(field), _number, [F])[0]
    for field in ("updated_at", "death_date", "valid_from", "valid_to", "event_date"):
        out[field] = map_unique(col(field), _day, [D])[0]
    out["status"] = map_unique(col("status"), _one(normalize_status), [S])[0]
    if kind == "deaths":
        out["status"] = pa.array(["dead"] * n, S)
    out["event_kind"] = map_unique(col("event_kind"), lambda v: (normalize_event_kind(v) or fix_text(v),), [S])[0]
    out["_pid_issues"] = _pid_issues(out["personal_id"], out["sex"], out["birth_year"])
    out["_record_id_raw"] = map_unique(col("record_id"), lambda v: (v.strip() or None,), [S])[0]
    return pa.table(out)
