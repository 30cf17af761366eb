"""Search before create: who, among the persons already known, is the person a clerk is about to register?

The clerk types what they have (name, date of birth, personal ID, insurance number, village, ...). The typed
record is standardised exactly as an imported one, joins the current snapshot as one more record of the linkage
input (so its comparison columns are computed by the same query), candidates are the records that share any
identifier or the name with it, and the saved model scores the typed record against each of them with Splink's
`score_pairs`. The five best persons come back with the probability and, per compared field, how it agreed.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from hssk.errors import HsskError
from hssk.ingest.standardize import standardize
from hssk.link import model, predict, prepare, train
from hssk.link.run import linkage_config

QUERY_KEY = "lookup:query"
FIELDS = ("full_name", "birth_date", "sex", "personal_id", "insurance_no", "village", "phone", "household_code")

# A candidate shares one of these with the typed record (the model then decides how much that means).
_CANDIDATE_SQL = """
select r.unique_id from _lookup_records r, _lookup_records q
where q.unique_id = $query and r.unique_id <> $query and (
       r.personal_id = q.personal_id or r.old_id = q.old_id or r.bhxh_no = q.bhxh_no or r.phone = q.phone
    or (r.family_ascii = q.family_ascii and r.given_ascii = q.given_ascii)
    or (r.given_ascii = q.given_ascii and r.birth_year = q.birth_year)
    or (r.name_ascii = q.name_ascii))
limit 2000
"""


def _typed_record(fields: dict) -> pa.Table:
    """The typed values as a clean row (standardised like an import), kind hssk, key QUERY_KEY."""
    given = [(f, str(v).strip()) for f, v in fields.items() if f in FIELDS and v is not None and str(v).strip()]
    if not given:
        raise HsskError("Hãy nhập ít nhất một thông tin để tìm (họ tên, ngày sinh, số định danh, số BHYT…).",
                        "empty lookup")
    chunk = pa.table({**{f"c{i}": pa.array([value]) for i, (_, value) in enumerate(given)},
                      "__row": pa.array([1], pa.int32())})
    row = standardize(chunk, {i: field for i, (field, _) in enumerate(given)}, "hssk")
    keep = [c for c in row.column_names if not c.startswith("_")]
    return row.select(keep).append_column("kind", pa.array(["hssk"])).append_column(
        "record_key", pa.array([QUERY_KEY])).append_column("record_id", pa.array(["?"]))


def _records_with_query(con: duckdb.DuckDBPyConnection, typed: pa.Table) -> pa.Table:
    """prepare.input_table over the current snapshot plus the typed record, on a cursor of its own: there the
    typed row joins `current_clean` through a temporary view of that name (temporary objects are found first)."""
    cur = con.cursor()
    try:
        cur.register("_lookup_typed", typed)
        database = cur.execute("select current_database()").fetchall()[0][0]
        cur.execute(f'create temp view current_clean as select * from "{database}".main.current_clean '
                    "union all by name select * from _lookup_typed")
        return prepare.input_table(cur)
    finally:
        cur.close()


def _explanation(settings: dict, scored: dict) -> list[str]:
    """One phrase per compared field: how it agreed and how much that weighs (bits of evidence)."""
    parts = []
    for comparison in settings["comparisons"]:
        column = comparison["output_column_name"]
        gamma = scored.get(f"gamma_{column}")
        if gamma is None or gamma < 0:
            continue  # a value missing on either side says nothing
        # Splink numbers the non-null levels from the strongest (n − 1) down to the else level (0).
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        level = levels[len(levels) - 1 - int(gamma)]
        weight = (scored.get(f"mw_{column}") or 0.0) + (scored.get(f"mw_tf_adj_{column}") or 0.0)
        label = level.get("label_for_charts") or model.COLUMN_LABELS.get(column, column)
        parts.append(f"{label[:1].upper() + label[1:]} ({weight:+.1f})".replace(".", ","))  # Vietnamese decimal comma
    return parts


def find_persons(con: duckdb.DuckDBPyConnection, fields: dict, *, limit: int = 5) -> pd.DataFrame:
    """The `limit` persons most likely to be the typed person: person_id, match_probability, the best record's
    kind, id, name, birth, personal ID and village, and `explanation` (a list of phrases)."""
    records = _records_with_query(con, _typed_record(fields))
    if records.num_rows <= 1:
        raise HsskError("Chưa có dữ liệu để tìm: hãy nhập tệp trước.", "current_clean is empty")
    work = duckdb.connect(":memory:")
    try:
        work.register("_lookup_records", records)
        ids = [r[0] for r in work.execute(_CANDIDATE_SQL, {"query": QUERY_KEY}).fetchall()]
        columns = list(records.column_names)
        rows = work.sql("select * from _lookup_records where unique_id = any($ids) or unique_id = $q",
                        params={"ids": ids, "q": QUERY_KEY}).to_arrow_table().to_pylist()
    finally:
        work.close()
    query = next(r for r in rows if r["unique_id"] == QUERY_KEY)
    candidates = [r for r in rows if r["unique_id"] != QUERY_KEY]
    if not candidates:
        return pd.DataFrame(columns=["person_id", "match_probability", "kind", "record_id", "full_name",
                                     "birth_text", "personal_id", "village", "explanation"])
    settings = train.load_settings(linkage_config()["model_path"], explain=True)
    session = predict.open_session(records, settings, validate=False)
    try:
        scored = session.linker.inference.score_pairs(
            [{c: query[c] for c in columns}], [{c: r[c] for c in columns} for r in candidates]).as_pandas_dataframe()
    finally:
        session.close()
    scored["record_key"] = scored["unique_id_r"].where(scored["unique_id_l"] == QUERY_KEY, scored["unique_id_l"])
    scored["explanation"] = [_explanation(settings, row) for row in scored.to_dict("records")]
    owners = con.execute("select p.record_key, p.person_id, c.kind, c.record_id, c.full_name, c.birth_text, "
                         "c.personal_id, c.village from person_records p join current_clean c using (record_key) "
                         "where p.record_key = any(?)", [list(scored["record_key"])]).df()
    best = (scored[["record_key", "match_probability", "explanation"]].merge(owners, on="record_key")
            .sort_values("match_probability", ascending=False).drop_duplicates("person_id").head(limit))
    return best[["person_id", "match_probability", "kind", "record_id", "full_name", "birth_text", "personal_id",
                 "village", "explanation"]].reset_index(drop=True)
