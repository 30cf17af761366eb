"""Raw text cells -> typed, normalised clean columns, one chunk of a file at a time.

High-cardinality columns (names, identifiers, free text) are standardised by the Arrow column functions of
hssk.ingest.columns; low-cardinality ones (codes, dates, villages) by the pure functions of hssk.normalize applied
once per DISTINCT value and spread back with Arrow `take`. No Python loop runs per cell.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

from hssk import reference
from hssk.ingest.columns import (
    date_columns,
    digits_column,
    fix_text_column,
    insurance_column,
    map_unique,
    map_unique_pairs,
    name_columns,
    personal_id_column,
    personal_id_issues_column,
    phone_column,
    title_case_column,
    trimmed,
)
from hssk.normalize import (
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
    village_fields,
)

S, F = pa.string(), pa.float64()


# ------------------------------------------------------------------------------ per-distinct-value recipes
# Cached across the chunks and files of an import: a city export repeats the same dates and addresses in every
# chunk. Cleared when the reference tables are reloaded (villages, units).
_recipe = lru_cache(maxsize=1 << 18)


@_recipe
def _birth(value: str):
    parsed = parse_date(value)
    if parsed is None:
        return (None,) * 6
    return (parsed.as_date(), parsed.year, parsed.month, parsed.day, parsed.precision, parsed.text)


def _number(value: str):
    try:
        return (float(value.replace(",", ".").strip()),)
    except ValueError:
        return (None,)


def _one(fn):
    return lambda v: (fn(v),)


_village = _recipe(village_fields)
reference.on_reload(_birth.cache_clear)
reference.on_reload(_village.cache_clear)


def _bhxh(value: str):
    return normalize_insurance(value)[1]


FREE_TEXT = ("occupation", "relation_to_head", "chronic_disease", "vaccination", "medical_history",
             "reproductive_health", "infectious_disease", "registered_facility", "event_description", "source_system")


def standardize(chunk: pa.Table, mapping: dict[int, str], kind: str) -> pa.Table:
    """Clean columns for one chunk of a file (columns c0..cN + __row). Provenance and keys are added by the store;
    helper columns starting with '_' carry per-cell notes for findings and are dropped before `clean`."""
    claim_columns = {}
    if kind == "claims":  # claim XML formats (yyyymmddHHMM dates, card lists): hssk.ingest.claims
        from hssk.ingest.claims import prepare_chunk
        chunk, mapping, claim_columns = prepare_chunk(chunk, mapping)
    src = {field: chunk.column(f"c{pos}").combine_chunks() for pos, field in mapping.items()}
    n = chunk.num_rows
    out: dict[str, pa.Array] = {"row_number": chunk.column("__row")}

    def col(field):
        return src.get(field, pa.nulls(n, S))

    # The original text of every mapped field sits next to its normalised value.
    for field in ("full_name", "birth_date", "sex", "personal_id", "old_id", "insurance_no", "ethnicity",
                  "address", "village", "phone"):
        out[f"{field}_orig"] = col(field)

    out.update(name_columns(col("full_name")))
    birth, out["_birth_note"] = plausible_birth(date_columns(col("birth_date"), _birth))
    for name, arr in zip(["birth_date", "birth_year", "birth_month", "birth_day", "birth_precision", "birth_text"],
                         birth):
        out[name] = arr
    out["sex"] = map_unique(col("sex"), _one(normalize_sex), [S])[0]
    out["personal_id"], out["_pid_note"] = personal_id_column(col("personal_id"), normalize_personal_id)
    out["old_id"] = digits_column(col("old_id"), 9, normalize_old_id)
    out["insurance_card"], out["social_insurance_no"] = insurance_column(col("insurance_no"), normalize_insurance)
    if "social_insurance_no" in src:  # the insurance list has its own BHXH column
        out["social_insurance_no"] = pc.coalesce(digits_column(src["social_insurance_no"], 10, _bhxh),
                                                 out["social_insurance_no"])
    out["ethnicity_code"] = map_unique(col("ethnicity"), _one(normalize_ethnicity), [S])[0]
    out["nationality"] = map_unique(col("nationality"), _one(normalize_nationality), [S])[0]
    out["religion"] = map_unique(col("religion"), _one(normalize_religion), [S])[0]
    out["address"], out["_legacy_address"] = fix_text_column(col("address"))
    village_text = fix_text_column(col("village"))[0]
    out["village"], out["old_unit"], out["village_spelled"], out["village_key"] = map_unique_pairs(
        village_text, out["address"], _village, [S, S, S, S])
    out["phone"] = phone_column(col("phone"), normalize_phone)
    out["household_code"] = trimmed(col("household_code"), upper=True)
    for field in FREE_TEXT:
        out[field] = fix_text_column(col(field))[0]
    for field in ("mother_name", "father_name"):
        out[field] = title_case_column(col(field))
    for field in ("blood_abo", "blood_rh", "event_code"):
        out[field] = trimmed(col(field), upper=True)
    for field in ("height_cm", "weight_kg"):
        out[field] = map_unique(col(field), _number, [F])[0]
    for field in ("updated_at", "death_date", "valid_from", "valid_to", "event_date"):
        out[field] = date_columns(col(field), _birth)[0]
    out["status"] = map_unique(col("status"), _one(normalize_status), [S])[0]
    if kind == "deaths":
        out["status"] = pa.array(["dead"] * n, S)
    out["event_kind"] = map_unique(col("event_kind"), lambda v: (normalize_event_kind(v) or fix_text(v),), [S])[0]
    out["_pid_issues"] = personal_id_issues_column(out["personal_id"], out["sex"], out["birth_year"])
    out["_record_id_raw"] = trimmed(col("record_id"))
    out.update(claim_columns)
    out["_controls"] = (chunk.column("__controls").combine_chunks() if "__controls" in chunk.column_names
                        else pa.nulls(n, S))
    return pa.table(out)


EARLIEST_BIRTH_YEAR = 1900


def plausible_birth(parts: list[pa.Array], today: dt.date | None = None) -> tuple[list[pa.Array], pa.Array]:
    """A birth date after today or before 1900 is not a value: every part becomes NULL and the note says why
    (the import records it as an 'invalid' birth_date finding). `parts` are date_columns' six arrays."""
    today = today or dt.date.today()
    date, year, month = parts[0], parts[1], parts[2]
    future = pc.or_kleene(pc.greater(year, today.year),
                          pc.and_kleene(pc.equal(year, today.year),
                                        pc.or_kleene(pc.greater(pc.fill_null(month, 0), today.month),
                                                     pc.greater(date, pa.scalar(today, pa.date32())))))
    future = pc.fill_null(future, False)
    early = pc.fill_null(pc.less(year, EARLIEST_BIRTH_YEAR), False)
    note = pc.if_else(future, pa.scalar(f"ngày sinh sau hôm nay ({today.strftime('%d/%m/%Y')})"),
                      pc.if_else(early, pa.scalar(f"ngày sinh trước năm {EARLIEST_BIRTH_YEAR}"),
                                 pa.scalar(None, S)))
    bad = pc.or_(future, early)
    if not pc.any(bad).as_py():
        return parts, pa.nulls(len(year), S)
    return [pc.if_else(bad, pa.scalar(None, p.type), p) for p in parts], note
