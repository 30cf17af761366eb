"""What a reviewer looks at: the queue with both records side by side, a person's records and history."""

from __future__ import annotations

import duckdb
import pandas as pd

from hssk.errors import HsskError
from hssk.link.model import COLUMN_LABELS
from hssk.link.prepare import ensure_schema
from hssk.queries import load_query, run_query

REASONS = {
    "uncertain": "chưa chắc chắn (điểm giữa hai ngưỡng)",
    "names_differ": "điểm cao nhưng tên khác nhau (người nhà? sinh đôi?)",
    "conflict": "điểm cao nhưng đã thuộc người khác",
}


def review_pairs(con: duckdb.DuckDBPyConnection, *, reason: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Pairs waiting for a decision, strongest first, each with both records' identity fields.

    One row per pair: `reason`, `match_probability`, the two record keys and person ids, then each
    field twice (`…_l`, `…_r`). Decide with `hssk.link.record_decision(con, action, key_l, key_r, …)`.
    """
    ensure_schema(con)
    return run_query(con, "link_review_pairs", reason=reason, limit=int(limit))


def person_records(con: duckdb.DuckDBPyConnection, person_id: str) -> pd.DataFrame:
    """The records of the current snapshot that belong to one person."""
    ensure_schema(con)
    return con.execute(
        """
        select c.kind, c.record_id, c.record_key, c.full_name, c.birth_text, c.sex, c.personal_id,
               c.village, c.household_code, c.phone
        from person_records as p
        join current_clean as c on c.record_key = p.record_key
        where p.person_id = ?
        order by c.kind, c.record_id
        """,
        [person_id],
    ).df()


def person_history(con: duckdb.DuckDBPyConnection, person_id: str) -> pd.DataFrame:
    """Events naming the person id (created, merged, split, moved_record, retired), oldest first."""
    ensure_schema(con)
    return run_query(con, "link_person_history", person_id=person_id)


TF_COLUMNS = ("family_key", "middle_key", "given_key")


def _pair_records(con: duckdb.DuckDBPyConnection, key_l: str, key_r: str):
    """The two records as prepared for the model, with the snapshot's term frequencies attached."""
    import pyarrow as pa

    con.execute(f"create or replace temp table _explain_input as {load_query('link_input')}")
    try:
        records = con.sql(
            "select * from _explain_input where unique_id in (?, ?) order by unique_id = ? desc",
            params=[key_l, key_r, key_l]).to_arrow_table()
        if records.num_rows != 2:
            raise HsskError("Không tìm thấy đủ hai hồ sơ của cặp trong dữ liệu hiện tại.", f"{key_l}, {key_r}")
        for col in TF_COLUMNS:
            values = records.column(col).to_pylist()
            total = con.execute(f"select count({col}) from _explain_input").fetchall()[0][0] or 1
            counts = [con.execute(f"select count(*) from _explain_input where {col} = ?", [v]).fetchall()[0][0]
                      if v is not None else None for v in values]
            records = records.append_column(
                f"tf_{col}", pa.array([None if c is None else c / total for c in counts], pa.float64()))
        return records
    finally:
        con.execute("drop table if exists _explain_input")


def explain_pair(con: duckdb.DuckDBPyConnection, key_l: str, key_r: str, *, model_path=None) -> pd.DataFrame:
    """Why the saved model scores a pair as it does, step by step (a waterfall, drawn by the app).

    One row per step: the prior, then each compared field and, for names, how common the name is.
    Columns `label` (Vietnamese), `match_weight` (log2 Bayes factor added by the step) and `detail`
    (the level and both values). The steps add up to the pair's match weight.
    """
    from hssk.link import predict, train
    from hssk.link.run import linkage_config

    path = model_path or linkage_config()["model_path"]
    records = _pair_records(con, key_l, key_r)
    session = predict.open_session(records, train.load_settings(path, explain=True))
    try:
        left, right = records.to_pylist()
        scored = session.linker.inference.score_pair(left, right).as_record_list()[0]
        steps = session.linker.visualisations.waterfall_chart([scored], filter_nulls=False).chart_dict
    finally:
        session.close()
    rows = []
    for step in steps["data"]["values"]:
        column = step["column_name"]
        if column == "Final score":
            continue
        if column == "Prior":
            label, detail = "Xác suất ban đầu", "hai hồ sơ bất kỳ là một người (trước khi so sánh)"
        elif step.get("term_frequency_adjustment"):
            label = f"{COLUMN_LABELS.get(column.removeprefix('tf_'), column)} — độ phổ biến"
            detail = f"tên phổ biến thì trùng tên ít ý nghĩa hơn: {step['value_l']}"
        else:
            label = COLUMN_LABELS.get(column, column)
            label = label[:1].upper() + label[1:]
            detail = f"{step['label_for_charts']}: {step['value_l'] or '∅'} | {step['value_r'] or '∅'}"
        rows.append({"label": label, "match_weight": float(step["log2_bayes_factor"] or 0.0), "detail": detail})
    return pd.DataFrame(rows)
