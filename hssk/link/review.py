"""What a reviewer looks at: the queue with both records side by side, a person's records and history."""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pyarrow as pa

from hssk.errors import HsskError
from hssk.link.model import COLUMN_LABELS
from hssk.link.prepare import ensure_schema
from hssk.queries import load_query, run_query

REASONS = {
    "uncertain": "chưa chắc chắn (điểm giữa hai ngưỡng)",
    "names_differ": "điểm cao nhưng tên khác nhau (người nhà? sinh đôi?)",
    "conflict": "điểm cao nhưng đã thuộc người khác",
}


# One click beside the free text on the review page: the reasons reviewers give most.
PRESET_REASONS = (
    "Trùng số định danh / CCCD",
    "Cùng họ tên, ngày sinh và thôn",
    "Cùng hộ gia đình, cùng người",
    "Sai chính tả họ tên",
    "Người khác: sinh đôi / anh chị em",
    "Người khác: trùng tên, khác ngày sinh",
    "Người khác: khác hộ, khác thôn",
)


def review_pairs(con: duckdb.DuckDBPyConnection, *, reason: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Pairs waiting for a decision, strongest first, each with both records' identity fields.

    One row per pair: `reason`, `match_probability`, the two record keys and person ids, then each
    field twice (`…_l`, `…_r`). Decide with `hssk.link.record_decision(con, action, key_l, key_r, …)`.
    """
    ensure_schema(con)
    return run_query(con, "link_review_pairs", reason=reason, limit=int(limit))


def queue_stakes(con: duckdb.DuckDBPyConnection) -> dict:
    """What the review queue holds for the KPIs: pairs waiting, residents counted as missing a record who have a
    candidate there, records counted off the register, and the coverage points (pp) those residents are worth."""
    pairs = review_pairs(con, limit=1_000_000)
    residents = pairs.loc[pairs["resident_missing_record"].fillna(False).astype(bool), "register_person"].nunique()
    off_register = pairs.loc[pairs["record_off_register"].fillna(False).astype(bool)]
    n_off = len(set(off_register["record_key_l"].where(off_register["kind_l"] == "hssk", off_register["record_key_r"])))
    alive = con.execute("select count(distinct person_id) from person_records where kind = 'population'"
                        ).fetchall()[0][0]
    return {"pairs": len(pairs), "residents_missing_record": int(residents), "records_off_register": int(n_off),
            "coverage_points": 100.0 * residents / alive if alive else 0.0}


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


def _pair_records(con: duckdb.DuckDBPyConnection, key_l: str, key_r: str) -> tuple[dict, dict]:
    """The two records as the model sees them (rows of link_input), left first."""
    rows = con.execute(
        f"select * from ({load_query('link_input')}) where unique_id in (?, ?)", [key_l, key_r]
    ).df().to_dict("records")
    by_key = {row["unique_id"]: row for row in rows}
    if key_l not in by_key or key_r not in by_key:
        raise HsskError("Không tìm thấy đủ hai hồ sơ của cặp trong dữ liệu hiện tại.", f"{key_l}, {key_r}")
    return by_key[key_l], by_key[key_r]


def _term_frequencies(con: duckdb.DuckDBPyConnection, columns: list[str], left: dict, right: dict) -> dict:
    """tf_<col>_l / tf_<col>_r: how common each side's value is in the snapshot (as Splink computes it on
    link_input, whose middle_ascii current_clean does not have), all in one scan."""
    selects, params = [], []
    for col in columns:
        selects.append(f"count(nullif({col}, ''))")
        for record in (left, right):
            selects.append(f"count(*) filter (where {col} = ?)")
            params.append(record.get(col))
    counts = con.execute(f"select {', '.join(selects)} from ({load_query('link_input')})", params).fetchall()[0]
    out, i = {}, 0
    for col in columns:
        total = counts[i]
        for side in "lr":
            i += 1
            value = left.get(col) if side == "l" else right.get(col)
            out[f"tf_{col}_{side}"] = counts[i] / total if value is not None and total else None
        i += 1
    return out


def _cell(value):
    """A pandas cell as a plain Python value (NaN/NaT -> None)."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value.item() if hasattr(value, "item") else value


def explain_pair(con: duckdb.DuckDBPyConnection, key_l: str, key_r: str, *, model_path=None) -> pd.DataFrame:
    """Why the saved model scores a pair as it does, step by step (a waterfall, drawn by the app).

    One row per step: the prior, then each compared field and, for names, how common the name is.
    Columns `label` (Vietnamese), `match_weight` (log2 Bayes factor added by the step) and `detail`
    (the level and both values). The steps add up to the pair's match weight — the same sum
    Splink's predict gives (Splink's own formula: level weight log2(m/u), plus for a
    term-frequency level log2(u_exact) − log2(max(tf_l, tf_r))), computed here directly because
    building a Splink linker takes about a second, too slow for a page.
    """
    from hssk.link import train
    from hssk.link.run import linkage_config

    settings = train.load_settings(model_path or linkage_config()["model_path"])
    left, right = ({k: _cell(v) for k, v in rec.items()} for rec in _pair_records(con, key_l, key_r))
    tf_columns = sorted({level["tf_adjustment_column"] for comparison in settings["comparisons"]
                         for level in comparison["comparison_levels"] if level.get("tf_adjustment_column")})
    row = {f"{k}_l": v for k, v in left.items()} | {f"{k}_r": v for k, v in right.items()}
    row |= _term_frequencies(con, tf_columns, left, right)

    cases = []
    for i, comparison in enumerate(settings["comparisons"]):
        whens = " ".join(f"when {level['sql_condition']} then {j}"
                         for j, level in enumerate(comparison["comparison_levels"])
                         if level["sql_condition"].strip().upper() != "ELSE")
        cases.append(f"case {whens} else {len(comparison['comparison_levels']) - 1} end as level_{i}")
    con.register("_explain_pair", pa.Table.from_pylist([row]))
    try:
        levels = con.execute(f"select {', '.join(cases)} from _explain_pair").fetchall()[0]
    finally:
        con.unregister("_explain_pair")

    prior = settings["probability_two_random_records_match"]
    rows = [{"label": "Xác suất ban đầu", "match_weight": math.log2(prior / (1 - prior)),
             "detail": "hai hồ sơ bất kỳ là một người (trước khi so sánh)"}]
    for comparison, index in zip(settings["comparisons"], levels):
        level = comparison["comparison_levels"][index]
        column = comparison["output_column_name"]
        name = COLUMN_LABELS.get(column, column)
        values = f"{_shown_value(comparison, left)} | {_shown_value(comparison, right)}"
        weight = 0.0 if level.get("is_null_level") else math.log2(level["m_probability"] / level["u_probability"])
        rows.append({"label": name[:1].upper() + name[1:], "match_weight": weight,
                     "detail": f"{level.get('label_for_charts', '')}: {values}"})
        tf_col = level.get("tf_adjustment_column")
        if tf_col and not level.get("is_null_level"):
            tf_l, tf_r = row.get(f"tf_{tf_col}_l"), row.get(f"tf_{tf_col}_r")
            if tf_l is not None or tf_r is not None:
                tf = max(x for x in (tf_l, tf_r, level.get("tf_minimum_u_value") or 0.0) if x is not None)
                adjustment = (level.get("tf_adjustment_weight") or 1.0) * (
                    math.log2(level["u_probability"]) - math.log2(tf))
                rows.append({"label": f"{name} — độ phổ biến", "match_weight": adjustment,
                             "detail": f"{tf:.2%} hồ sơ có {name} này: trùng một {name} phổ biến ít ý nghĩa hơn"})
    return pd.DataFrame(rows)


# The input column shown for each comparison (the one a person reads).
_SHOWN = {"family": "family_key", "middle": "middle_key", "given": "given_key", "birth": "birth_text"}


def _shown_value(comparison: dict, record: dict) -> str:
    """The value one comparison looks at, for one record."""
    column = comparison["output_column_name"]
    value = record.get(_SHOWN.get(column, column))
    return "∅" if value is None else str(value)


_SIDE_FIELDS = ("kind", "record_id", "full_name", "birth", "sex", "personal_id", "old_id", "insurance_no", "village",
                "household", "phone")


def pair_sides(con: duckdb.DuckDBPyConnection, key_l: str, key_r: str) -> pd.Series:
    """Two records of the current snapshot side by side, in the shape of one `review_pairs` row (`<field>_l`,
    `<field>_r`), for pairs shown outside the queue (a labelling round). No score: nothing here says how the
    model rated the pair."""
    ensure_schema(con)
    rows = con.execute("""
        select record_key, kind, record_id, full_name, birth_text as birth, sex, personal_id, old_id,
               coalesce(social_insurance_no, insurance_card) as insurance_no, village,
               household_code as household, phone
        from current_clean where record_key in (?, ?)
        qualify row_number() over (partition by record_key order by batch_id desc, row_number) = 1""",
                       [key_l, key_r]).df()
    by_key = {row["record_key"]: row for row in rows.to_dict("records")}
    if key_l not in by_key or key_r not in by_key:
        raise HsskError("Không tìm thấy đủ hai hồ sơ của cặp trong dữ liệu hiện tại.", f"{key_l}, {key_r}")
    out = {"record_key_l": key_l, "record_key_r": key_r}
    for side, key in (("l", key_l), ("r", key_r)):
        out |= {f"{field}_{side}": _cell(by_key[key][field]) for field in _SIDE_FIELDS}
    return pd.Series(out)
