"""Linkage quality against a truth directory (the demo's `truth/records.csv` and `truth/persons.csv`).

Pairwise: every two records of the current snapshot are a pair; a pair is *true* when both records
belong to the same real person and *predicted* when they share a person_id. Counted per kind pair
with closed formulas over group sizes, so it scales to millions of records.
Headline figures are over HSSK–HSSK plus HSSK–register pairs, as the issue asks.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from hssk.errors import HsskError
from hssk.fmt import vn_int
from hssk.link.prepare import has_link_tables

HEADLINE = (("hssk", "hssk"), ("hssk", "population"))

_JOIN_SQL = """
create or replace temp table _eval_records as
select
    c.kind,
    c.record_key,
    t.person_uid,
    coalesce(p.person_id, 'unlinked:' || c.record_key) as person_id
from current_clean as c
join import_files as f on f.file_id = c.file_id
join _eval_truth as t on t.source = c.kind and t.file = f.file_name and t.row_number = c.row_number
left join person_records as p on p.record_key = c.record_key
where t.person_uid is not null and t.person_uid <> ''
qualify row_number() over (partition by c.record_key order by c.batch_id desc) = 1
"""

_PAIRS_SQL = """
with
sizes as (
    select 'truth' as side, person_uid as grp, kind, count(*) as n from _eval_records group by all
    union all
    select 'predicted', person_id, kind, count(*) from _eval_records group by all
    union all
    select 'both', person_uid || '|' || person_id, kind, count(*) from _eval_records group by all
),
pairs as (
    select
        a.side,
        a.kind as kind_a,
        b.kind as kind_b,
        sum(case when a.kind = b.kind then a.n * (a.n - 1) / 2 else a.n * b.n end) as n_pairs
    from sizes as a
    join sizes as b on a.side = b.side and a.grp = b.grp and a.kind <= b.kind
    group by all
)
select
    kind_a,
    kind_b,
    coalesce(sum(n_pairs) filter (where side = 'truth'), 0)::bigint as true_pairs,
    coalesce(sum(n_pairs) filter (where side = 'predicted'), 0)::bigint as predicted_pairs,
    coalesce(sum(n_pairs) filter (where side = 'both'), 0)::bigint as correct_pairs
from pairs
group by kind_a, kind_b
order by kind_a, kind_b
"""

_CLUSTERS_SQL = """
with
core as (select * from _eval_records where kind in ('hssk', 'population')),
truth_size as (select person_uid, count(*) as n from core group by person_uid),
pred_size as (select person_id, count(*) as n from core group by person_id),
overlap as (select person_uid, person_id, count(*) as n from core group by all),
per_truth as (select person_uid, count(*) as n_parts from overlap group by person_uid),
per_pred as (select person_id, count(*) as n_people from overlap group by person_id)
select
    (select count(*) from truth_size) as true_people,
    (select count(*) from pred_size) as predicted_people,
    (select count(*) from overlap as o
        join truth_size as t using (person_uid) join pred_size as p using (person_id)
        where o.n = t.n and o.n = p.n) as exact_people,
    (select count(*) from per_truth where n_parts > 1) as split_people,
    (select count(*) from per_pred where n_people > 1) as merged_people,
    (select count(*) from (
        select person_id from _eval_records where kind = 'population'
        group by person_id having count(*) > 1)) as register_conflicts
"""

_HARD_CASES_SQL = """
with
people as (
    select distinct r.person_uid, h.hard_case, h.hard_group, r.person_id
    from _eval_records as r join _eval_persons as h using (person_uid)
    where h.hard_group is not null and h.hard_group <> ''
),
groups as (
    select hard_case, hard_group, count(distinct person_uid) as n_people from people group by all
),
merged as (
    select distinct a.hard_case, a.hard_group
    from people as a join people as b
        on a.hard_group = b.hard_group and a.person_uid < b.person_uid and a.person_id = b.person_id
)
select
    g.hard_case,
    count(*) filter (where g.n_people > 1) as groups,
    count(m.hard_group) as merged
from groups as g
left join merged as m using (hard_case, hard_group)
group by g.hard_case
order by g.hard_case
"""


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else 1.0


def _scores(true_pairs: int, predicted: int, correct: int) -> dict:
    precision = _ratio(correct, predicted)
    recall = _ratio(correct, true_pairs)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"true_pairs": int(true_pairs), "predicted_pairs": int(predicted), "correct_pairs": int(correct),
            "precision": precision, "recall": recall, "f1": f1}


def _read_truth(truth_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    records_path = truth_dir / "records.csv"
    if not records_path.exists():
        raise HsskError("Không tìm thấy dữ liệu đúng (truth/records.csv) để đánh giá.", str(records_path))
    records = pd.read_csv(records_path, dtype=str, keep_default_na=False)
    missing = {"source", "file", "row_number", "person_uid"} - set(records.columns)
    if missing:
        raise HsskError("Tệp truth/records.csv thiếu cột cần thiết.", ", ".join(sorted(missing)))
    records["row_number"] = records["row_number"].astype(int)
    persons_path = truth_dir / "persons.csv"
    persons = None
    if persons_path.exists():
        persons = pd.read_csv(persons_path, dtype=str, keep_default_na=False)
        if not {"person_uid", "hard_case", "hard_group"} <= set(persons.columns):
            persons = None
    return records, persons


def evaluate(con: duckdb.DuckDBPyConnection, truth_dir: str | Path) -> dict:
    """Pairwise precision/recall/F1 (headline and per kind pair), cluster figures and hard cases."""
    truth_dir = Path(truth_dir)
    records, persons = _read_truth(truth_dir)
    if not has_link_tables(con):
        raise HsskError("Chưa chạy ghép nối: hãy chạy lệnh link trước khi đánh giá.", "no person_records")
    con.register("_eval_truth", records)
    try:
        con.execute(_JOIN_SQL)
    finally:
        con.unregister("_eval_truth")
    n_matched = con.execute("select count(*) from _eval_records").fetchall()[0][0]
    if n_matched == 0:
        raise HsskError("Dữ liệu đúng không khớp với hồ sơ nào trong cơ sở dữ liệu.", str(truth_dir))

    by_pair = con.execute(_PAIRS_SQL).df()
    by_kind = {}
    for row in by_pair.itertuples():
        by_kind[f"{row.kind_a}-{row.kind_b}"] = _scores(row.true_pairs, row.predicted_pairs, row.correct_pairs)
    head = by_pair[[(a, b) in HEADLINE for a, b in zip(by_pair.kind_a, by_pair.kind_b)]]
    headline = _scores(head.true_pairs.sum(), head.predicted_pairs.sum(), head.correct_pairs.sum())

    clusters = dict(zip(("true_people", "predicted_people", "exact_people", "split_people", "merged_people",
                         "register_conflicts"), con.execute(_CLUSTERS_SQL).fetchall()[0]))
    clusters["exact_share"] = _ratio(clusters["exact_people"], clusters["true_people"])

    hard_cases = {}
    if persons is not None:
        con.register("_eval_persons", persons)
        try:
            for case, groups, merged in con.execute(_HARD_CASES_SQL).fetchall():
                hard_cases[case] = {"groups": int(groups), "merged": int(merged)}
        finally:
            con.unregister("_eval_persons")
    con.execute("drop table if exists _eval_records")
    return {"records": int(n_matched), "headline": headline, "by_kind_pair": by_kind, "clusters": clusters,
            "hard_cases": hard_cases}


_KIND_VI = {"hssk": "HSSK", "population": "dân cư", "deaths": "khai tử", "insurance": "BHYT", "care": "khám/tiêm"}


def format_report(report: dict) -> str:
    """The figures as a short Vietnamese text for the terminal."""
    h = report["headline"]
    lines = [
        f"Đánh giá trên {vn_int(report['records'])} hồ sơ có dữ liệu đúng.",
        "Theo cặp (HSSK–HSSK và HSSK–dân cư):",
        f"  độ chính xác (precision) {h['precision']:.4f}   độ bao phủ (recall) {h['recall']:.4f}   F1 {h['f1']:.4f}",
        f"  cặp đúng {h['true_pairs']}, cặp dự đoán {h['predicted_pairs']}, trùng khớp {h['correct_pairs']}",
        "Theo từng cặp loại dữ liệu:",
    ]
    for key, s in report["by_kind_pair"].items():
        a, b = key.split("-")
        if s["true_pairs"] == 0 and s["predicted_pairs"] == 0:
            continue
        lines.append(f"  {_KIND_VI.get(a, a)}–{_KIND_VI.get(b, b)}: precision {s['precision']:.4f}, "
                     f"recall {s['recall']:.4f}, F1 {s['f1']:.4f} ({s['true_pairs']} cặp đúng)")
    c = report["clusters"]
    lines += [
        "Theo người (HSSK + dân cư):",
        f"  người thật {c['true_people']}, người ghép được {c['predicted_people']}, "
        f"ghép đúng hoàn toàn {c['exact_people']} ({c['exact_share']:.2%})",
        f"  người bị tách nhầm {c['split_people']}, nhóm bị gộp nhầm {c['merged_people']}, "
        f"người có hai hồ sơ dân cư {c['register_conflicts']}",
    ]
    names = {"twin": "sinh đôi", "same_name_year_village": "trùng tên, năm sinh, thôn",
             "same_name_dob_other_village": "trùng tên và ngày sinh, khác thôn"}
    for case, figures in report["hard_cases"].items():
        lines.append(f"  {names.get(case, case)}: {figures['groups']} cặp, bị gộp nhầm {figures['merged']}")
    return "\n".join(lines)


# --- KPI error and review load (a world measured against its generator's truth) -------------------------------

def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def kpi_gaps(ours: dict, truth: dict) -> dict:
    """How far `kpi --json` (hssk.kpi.compute) is from the generator's kpi_truth.json, for every key both hold.

    A ratio's gap is its absolute difference (0.005 = 0,5 percentage point); a count's is its difference as a share
    of the residents it is counted over (the truth's residents_alive of that village), so both read as points.
    Returns {"overall": {key: gap}, "villages": {village: {key: gap}}, "max_overall": (key, gap),
    "max_village": (village, key, gap)}; a village of the truth that `ours` lacks counts every key as missing."""
    def gaps(mine: dict, true: dict) -> dict:
        base = max(true.get("residents_alive") or 0, 1)
        out = {}
        for key, value in true.items():
            if not _is_number(value) or key not in mine:
                continue
            got = mine[key] if _is_number(mine[key]) else 0
            out[key] = abs(got - value) if isinstance(value, float) else abs(got - value) / base  # ratio / count
        return out

    overall = gaps(ours["overall"], truth["overall"])
    villages = {v: gaps(ours["villages"].get(v, {}), figures) for v, figures in truth["villages"].items()}
    worst_overall = max(overall.items(), key=lambda kv: kv[1], default=("", 0.0))
    worst_village = max(((v, k, g) for v, row in villages.items() for k, g in row.items()),
                        key=lambda t: t[2], default=("", "", 0.0))
    return {"overall": overall, "villages": villages, "max_overall": worst_overall, "max_village": worst_village}


def review_load(con: duckdb.DuckDBPyConnection) -> dict:
    """Pairs waiting in the review queue, and as a share of the records linked (every kind)."""
    n_review = con.execute("select count(*) from review_queue").fetchall()[0][0]
    n_records = con.execute("select count(*) from person_records").fetchall()[0][0]
    return {"pairs": int(n_review), "records": int(n_records), "share": _ratio(n_review, n_records) if n_records else 0.0}
