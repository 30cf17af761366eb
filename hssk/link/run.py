"""One linkage run: prepare → (train or load) model → score pairs → persons, with progress output."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from hssk import audit
from hssk.config import ROOT, load_config, station_model_path
from hssk.db import registered, replace_rows, transaction
from hssk.errors import HsskError
from hssk.fmt import vn_decimal, vn_int
from hssk.ingest.store import data_version
from hssk.link import persons, predict, prepare, train

Progress = Callable[[float, str], None]


@dataclass
class LinkResult:
    run_id: int
    n_records: int
    n_pairs: int
    n_persons: int
    n_review: int
    model_version: int | None
    timings: dict = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)  # values shared too widely to be evidence (prepare)

    @property
    def message(self) -> str:
        text = (f"Đã ghép nối {vn_int(self.n_records)} hồ sơ thành {vn_int(self.n_persons)} người; "
                f"{vn_int(self.n_pairs)} cặp có khả năng trùng, {vn_int(self.n_review)} cặp chờ người duyệt "
                f"(lần chạy số {self.run_id}, {vn_decimal(self.timings.get('total', 0), 1)} giây).")
        return "\n".join([text, *(f"Lưu ý: {f}." for f in self.findings)])




def linkage_config(config: dict | None = None) -> dict:
    """Thresholds and model path from data/config.toml [linkage], validated."""
    section = dict((config or load_config()).get("linkage", {}))
    try:
        upper = float(section.get("upper", 0.99))
        lower = float(section.get("lower", 0.5))
        sole = float(section.get("sole", 0.5))
        near = float(section.get("near", 0.05))
        max_pairs_per_record = float(section.get("max_pairs_per_record", 200))
    except (TypeError, ValueError) as exc:
        raise HsskError("Ngưỡng ghép nối trong tệp cấu hình không phải là số.", str(exc)) from exc
    if not 0 < lower <= upper <= 1:
        raise HsskError("Ngưỡng ghép nối phải thỏa 0 < dưới ≤ trên ≤ 1.", f"lower={lower}, upper={upper}")
    if not 0 < near <= lower:
        raise HsskError("Ngưỡng 'gần giống' (near) phải thỏa 0 < near ≤ ngưỡng dưới.", f"near={near}, lower={lower}")
    if not lower <= sole <= upper:
        raise HsskError("Ngưỡng ghép khi chỉ có một ứng viên rõ ràng (sole) phải nằm giữa ngưỡng dưới và ngưỡng trên.",
                        f"lower={lower}, sole={sole}, upper={upper}")
    configured = Path(section.get("model", "data/model/linkage_model.json"))
    if not configured.is_absolute():
        configured = ROOT / configured
    # A model trained at the station (link --retrain, the notebook) goes to the station's own folder, never over the
    # shipped one, and is the one used from then on.
    train_path = station_model_path(configured)
    model_path = train_path if train_path.exists() else configured
    return {"upper": upper, "lower": lower, "sole": sole, "near": near, "model_path": model_path,
            "train_path": train_path, "max_pairs_per_record": max_pairs_per_record}


def with_thresholds(upper: float, lower: float, config: dict | None = None) -> dict:
    """The [linkage] section with new upper and lower thresholds, the others kept valid around them (`sole` between
    the two, `near` at most the lower one) — what the review page and the notebook save."""
    section = dict((config or load_config()).get("linkage", {}))
    section.update(upper=float(upper), lower=float(lower))
    if "sole" in section:
        section["sole"] = min(max(float(section["sole"]), section["lower"]), section["upper"])
    if "near" in section:
        section["near"] = min(float(section["near"]), section["lower"])
    linkage_config({"linkage": section})  # refuses what would not load
    return section


def _silent(fraction: float, message: str) -> None:
    pass


# Above this share of new or changed records a full run is as cheap as an incremental one.
INCREMENTAL_MAX_SHARE = 0.5


def _incremental_plan(con, records: pa.Table, model_path: Path, lower: float, near: float) -> pa.Array | None:
    """The is_new flag per record when the stored pairs can be reused, else None (full run).

    Reusable when the last finished run used the same model file and a lower threshold no higher
    than today's, and most records look to the model exactly as they did then.
    """
    rows = con.execute(
        "select summary from link_runs where finished_at is not null order by run_id desc limit 1"
    ).fetchall()
    if not rows or not model_path.exists():
        return None
    last = json.loads(rows[0][0] or "{}")
    if last.get("model_sha256") != train.read_meta(model_path).get("sha256") or last.get("lower", 2) > lower:
        return None
    if last.get("near", 2) > near:  # near misses below the stored ones would be missing
        return None
    if con.execute("select count(*) from link_record_state").fetchall()[0][0] == 0:
        return None
    keys = records.select(["unique_id", "features_hash"]).append_column(
        "position", pa.array(range(records.num_rows), pa.int64()))
    con.register("_link_records_arrow", keys)
    try:
        flags = con.execute("""
            select coalesce(s.features_hash <> r.features_hash, true) as is_new
            from _link_records_arrow as r
            left join link_record_state as s on s.record_key = r.unique_id
            order by r.position""").fetchnumpy()["is_new"]
    finally:
        con.unregister("_link_records_arrow")
    if flags.mean() > INCREMENTAL_MAX_SHARE:
        return None
    return pa.array(flags, pa.bool_())


def _kept_pairs(con, records: pa.Table, is_new: pa.Array) -> pa.Table:
    """Stored pairs between two records that are still there and unchanged."""
    unchanged = records.filter(pc.invert(is_new)).select(["unique_id"])
    con.register("_link_unchanged_arrow", unchanged)
    try:
        return con.sql(f"""
            select {", ".join(predict.PAIR_COLUMNS)}
            from link_predictions
            where record_key_l in (select unique_id from _link_unchanged_arrow)
                and record_key_r in (select unique_id from _link_unchanged_arrow)""").to_arrow_table()
    finally:
        con.unregister("_link_unchanged_arrow")


def run_linkage(
    con: duckdb.DuckDBPyConnection,
    *,
    backend: str = "duckdb",
    retrain: bool = False,
    full: bool = False,
    progress: Progress | None = None,
    config: dict | None = None,
    model_path: str | Path | None = None,
    seed: int = train.DEFAULT_SEED,
) -> LinkResult:
    """Link every record of the current snapshot and re-derive persons (decisions stay in force).

    Incremental by default: when the model and the lower threshold are those of the last run, only
    records that are new or changed are scored (against everyone) and the other pairs are kept.
    `full=True` (or `retrain=True`) scores everything again.
    """
    say = progress or _silent
    settings = linkage_config(config)
    if model_path is None:
        model_path = settings["train_path"] if retrain else settings["model_path"]
    model_path = Path(model_path)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    prepare.ensure_schema(con)

    say(0.02, "Chuẩn bị dữ liệu ghép nối")
    seen_data = data_version(con)  # which imports this run sees (hssk.refresh compares it with today's)
    records = prepare.input_table(con)
    timings["prepare"] = time.perf_counter() - started
    if records.num_rows == 0:
        raise HsskError("Chưa có dữ liệu để ghép nối: hãy nhập tệp trước.", "current_clean is empty")

    findings = prepare.shared_value_findings(prepare.shared_values(con))
    _check_pair_bound(records, settings["max_pairs_per_record"], findings)

    run_id = con.execute("select nextval('seq_link_run')").fetchall()[0][0]
    con.execute(
        "insert into link_runs (run_id, started_at, model_path, thresholds, n_records) "
        "values (?, current_timestamp::timestamp, ?, ?, ?)",
        [run_id, str(model_path), json.dumps({"upper": settings["upper"], "lower": settings["lower"], "sole": settings["sole"]}),
         records.num_rows],
    )

    t = time.perf_counter()
    training_step = retrain or not model_path.exists()
    # Spark scores the whole table: incremental runs are for the station's DuckDB.
    is_new = (None if (training_step or full or backend == "spark")
              else _incremental_plan(con, records, model_path, settings["lower"], settings["near"]))
    scored = records if is_new is None else records.append_column("is_new", is_new)
    say(0.10, "Huấn luyện mô hình ghép nối" if training_step else "Nạp mô hình ghép nối đã lưu")
    session, meta = predict.session_with_model(
        scored, model_path, retrain=retrain, seed=seed, backend=backend, only_new=is_new is not None,
        progress=lambda message: say(0.2, message),
    )
    timings["train" if training_step else "load_model"] = time.perf_counter() - t
    try:
        t = time.perf_counter()
        if is_new is None:
            say(0.45, "Tính điểm mọi cặp hồ sơ")
            pairs, near = _split_near(predict.predict_pairs(session, settings["near"]), settings["lower"])
        else:
            n_new = int(pc.sum(is_new).as_py() or 0)
            say(0.45, f"Tính điểm các cặp có hồ sơ mới hoặc đã thay đổi ({vn_int(n_new)} hồ sơ)")
            new_pairs, near = (_split_near(predict.predict_pairs(session, settings["near"]), settings["lower"])
                               if n_new else (None, None))
            kept = _kept_pairs(con, records, is_new)
            near = _kept_near(con, records, is_new, near)
            pairs = kept if new_pairs is None else pa.concat_tables(
                [kept, new_pairs.select(predict.PAIR_COLUMNS).cast(kept.schema)])
        timings["predict"] = time.perf_counter() - t
    finally:
        session.close()

    t = time.perf_counter()
    say(0.75, f"Lưu {vn_int(pairs.num_rows)} cặp")
    _store_pairs(con, run_id, pairs)
    _store_near(con, run_id, near)
    con.execute("update link_runs set n_pairs = ? where run_id = ?", [pairs.num_rows, run_id])
    timings["store"] = time.perf_counter() - t

    t = time.perf_counter()
    say(0.85, "Gom nhóm thành người và giữ nguyên mã người")
    # A full run's pairs carry the records' node numbers (predict.pairs_from_predictions): no join back by key.
    counts = persons.rebuild(con, run_id, settings["upper"], records=records,
                             pairs=pairs if "node_l" in pairs.column_names else None, sole=settings["sole"])
    timings["persons"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started

    _store_state(con, records)
    n_review = con.execute("select count(*) from review_queue").fetchall()[0][0]
    summary = {**counts, "n_review": n_review, "model_version": meta.get("model_version"),
               "model_sha256": meta.get("sha256"), "lower": settings["lower"], "upper": settings["upper"],
               "near": settings["near"], "n_near_misses": near.num_rows, "findings": findings,
               "mode": "full" if is_new is None else "incremental", "data_version": seen_data,
               "n_scored_records": records.num_rows if is_new is None else int(pc.sum(is_new).as_py() or 0),
               "timings": {k: round(v, 3) for k, v in timings.items()}}
    con.execute(
        "update link_runs set finished_at = current_timestamp::timestamp, summary = ? where run_id = ?",
        [json.dumps(summary), run_id],
    )
    audit.record_action(con, "link_run", target=str(run_id),
                        detail={"records": counts["n_records"], "persons": counts["n_persons"], "review": n_review,
                                "mode": summary["mode"], "backend": backend})
    say(1.0, "Xong")
    return LinkResult(run_id=run_id, n_records=counts["n_records"], n_pairs=pairs.num_rows,
                      n_persons=counts["n_persons"], n_review=n_review,
                      model_version=meta.get("model_version"), timings=timings, findings=findings)


def _check_pair_bound(records: pa.Table, per_record: float, findings: list[str]) -> None:
    """Refuse, before Splink is asked, a run whose blocking rules could find more candidate pairs than
    `per_record` per record (an upper bound, prepare.pair_bound): a degenerate export ends with a message, not
    with the machine out of memory."""
    limit = int(per_record * records.num_rows)
    bounds = prepare.pair_bound(records)
    total = sum(n for _, n in bounds)
    if total <= limit:
        return
    rule, worst = max(bounds, key=lambda b: b[1])
    columns = ", ".join(dict.fromkeys(re.findall(r"l\.(\w+)", rule)))
    raise HsskError(
        f"Dữ liệu cần so sánh quá nhiều cặp hồ sơ (ước tính tới {vn_int(total)} cặp, giới hạn {vn_int(limit)}): "
        f"nhiều hồ sơ có chung giá trị ở các cột {columns} ({vn_int(worst)} cặp). Hãy kiểm tra các giá trị "
        "bị nhập giống nhau cho nhiều người trong tệp xuất rồi chạy lại."
        + "".join(f" {f}." for f in findings),
        f"pair bound {total} > {limit}; worst rule: {rule}")


_NEAR_COLUMNS = ["record_key_l", "record_key_r", "kind_l", "kind_r", "match_probability"]


def _split_near(pairs: pa.Table, lower: float) -> tuple[pa.Table, pa.Table]:
    """The pairs at or above `lower` (stored and clustered), and the HSSK–register near misses below it."""
    strong = pc.greater_equal(pairs.column("match_probability"), lower)
    kinds = pc.binary_join_element_wise(pairs.column("kind_l"), pairs.column("kind_r"), "|")
    hssk_register = pc.is_in(kinds, pa.array(["hssk|population", "population|hssk"]))
    near = pairs.filter(pc.and_(pc.invert(strong), hssk_register)).select(_NEAR_COLUMNS)
    return pairs.filter(strong), near


def _kept_near(con, records: pa.Table, is_new: pa.Array, new_near: pa.Table | None) -> pa.Table:
    """An incremental run's near misses: the stored ones between unchanged records, and the new ones."""
    unchanged = records.filter(pc.invert(is_new)).select(["unique_id"])
    con.register("_link_unchanged_arrow", unchanged)
    try:
        kept = con.sql(f"""
            select {", ".join(_NEAR_COLUMNS)}
            from link_near_misses
            where record_key_l in (select unique_id from _link_unchanged_arrow)
                and record_key_r in (select unique_id from _link_unchanged_arrow)""").to_arrow_table()
    finally:
        con.unregister("_link_unchanged_arrow")
    return kept if new_near is None else pa.concat_tables([kept, new_near.cast(kept.schema)])


def _store_near(con: duckdb.DuckDBPyConnection, run_id: int, near: pa.Table) -> None:
    with registered(con, "_link_near_arrow", near), transaction(con):
        replace_rows(con, "link_near_misses", "select ?, record_key_l, record_key_r, kind_l, kind_r, "
                     "match_probability from _link_near_arrow", [run_id])


def _store_pairs(con: duckdb.DuckDBPyConnection, run_id: int, pairs: pa.Table) -> None:
    """Keep one run of pairs: the new run replaces the previous ones."""
    with registered(con, "_link_pairs_arrow", pairs), transaction(con):
        replace_rows(con, "link_predictions", "select ?, record_key_l, record_key_r, kind_l, kind_r, "
                     "match_probability, match_weight, names_differ from _link_pairs_arrow", [run_id])


def _store_state(con: duckdb.DuckDBPyConnection, records: pa.Table) -> None:
    with registered(con, "_link_state_arrow", records.select(["unique_id", "features_hash"])), transaction(con):
        replace_rows(con, "link_record_state", "select unique_id, features_hash from _link_state_arrow")


def latest_run(con: duckdb.DuckDBPyConnection) -> dict | None:
    prepare.ensure_schema(con)
    rows = con.execute(
        "select run_id, thresholds from link_runs where n_pairs is not null order by run_id desc limit 1"
    ).fetchall()
    if not rows:
        return None
    return {"run_id": rows[0][0], "thresholds": json.loads(rows[0][1])}


def refresh_persons(con: duckdb.DuckDBPyConnection) -> dict | None:
    """Re-derive persons from the latest run's pairs and the standing decisions (no re-scoring).

    Used right after a reviewer decision. Returns counts, or None when nothing was linked yet.
    """
    run = latest_run(con)
    if run is None:
        return None
    sole = run["thresholds"].get("sole")
    return persons.rebuild(con, run["run_id"], float(run["thresholds"]["upper"]),
                           sole=None if sole is None else float(sole))
