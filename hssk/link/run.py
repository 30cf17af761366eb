"""One linkage run: prepare → (train or load) model → score pairs → persons, with progress output."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa

from hssk.config import ROOT, load_config
from hssk.errors import HsskError
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

    @property
    def message(self) -> str:
        return (f"Đã ghép nối {_n(self.n_records)} hồ sơ thành {_n(self.n_persons)} người; "
                f"{_n(self.n_pairs)} cặp có khả năng trùng, {_n(self.n_review)} cặp chờ người duyệt "
                f"(lần chạy số {self.run_id}, {self.timings.get('total', 0):.1f} giây).")


def _n(value: int) -> str:
    """Vietnamese thousands separator: 12.345."""
    return f"{value:,}".replace(",", ".")


def linkage_config(config: dict | None = None) -> dict:
    """Thresholds and model path from data/config.toml [linkage], validated."""
    section = dict((config or load_config()).get("linkage", {}))
    try:
        upper = float(section.get("upper", 0.99))
        lower = float(section.get("lower", 0.5))
    except (TypeError, ValueError) as exc:
        raise HsskError("Ngưỡng ghép nối trong tệp cấu hình không phải là số.", str(exc)) from exc
    if not 0 < lower <= upper <= 1:
        raise HsskError("Ngưỡng ghép nối phải thỏa 0 < dưới ≤ trên ≤ 1.", f"lower={lower}, upper={upper}")
    model_path = Path(section.get("model", "data/model/linkage_model.json"))
    if not model_path.is_absolute():
        model_path = ROOT / model_path
    return {"upper": upper, "lower": lower, "model_path": model_path}


def _silent(fraction: float, message: str) -> None:
    pass


def run_linkage(
    con: duckdb.DuckDBPyConnection,
    *,
    backend: str = "duckdb",
    retrain: bool = False,
    progress: Progress | None = None,
    config: dict | None = None,
    model_path: str | Path | None = None,
    seed: int = train.DEFAULT_SEED,
) -> LinkResult:
    """Link every record of the current snapshot and re-derive persons (decisions stay in force)."""
    say = progress or _silent
    settings = linkage_config(config)
    model_path = Path(model_path) if model_path else settings["model_path"]
    timings: dict[str, float] = {}
    started = time.perf_counter()
    prepare.ensure_schema(con)

    say(0.02, "Chuẩn bị dữ liệu ghép nối")
    records = prepare.input_table(con)
    timings["prepare"] = time.perf_counter() - started
    if records.num_rows == 0:
        raise HsskError("Chưa có dữ liệu để ghép nối: hãy nhập tệp trước.", "current_clean is empty")

    run_id = con.execute("select nextval('seq_link_run')").fetchall()[0][0]
    con.execute(
        "insert into link_runs (run_id, started_at, model_path, thresholds, n_records) "
        "values (?, current_timestamp::timestamp, ?, ?, ?)",
        [run_id, str(model_path), json.dumps({"upper": settings["upper"], "lower": settings["lower"]}),
         records.num_rows],
    )

    t = time.perf_counter()
    training_step = retrain or not model_path.exists()
    say(0.10, "Huấn luyện mô hình ghép nối" if training_step else "Nạp mô hình ghép nối đã lưu")
    session, meta = predict.session_with_model(
        records, model_path, retrain=retrain, seed=seed, backend=backend,
        progress=lambda message: say(0.2, message),
    )
    timings["train" if training_step else "load_model"] = time.perf_counter() - t
    try:
        t = time.perf_counter()
        say(0.45, "Tính điểm các cặp hồ sơ")
        pairs = predict.predict_pairs(session, settings["lower"])
        timings["predict"] = time.perf_counter() - t
    finally:
        session.close()

    t = time.perf_counter()
    say(0.75, f"Lưu {_n(pairs.num_rows)} cặp")
    _store_pairs(con, run_id, pairs)
    con.execute("update link_runs set n_pairs = ? where run_id = ?", [pairs.num_rows, run_id])
    timings["store"] = time.perf_counter() - t

    t = time.perf_counter()
    say(0.85, "Gom nhóm thành người và giữ nguyên mã người")
    counts = persons.rebuild(con, run_id, settings["upper"], records=records)
    timings["persons"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started

    n_review = con.execute("select count(*) from review_queue").fetchall()[0][0]
    summary = {**counts, "n_review": n_review, "model_version": meta.get("model_version"),
               "timings": {k: round(v, 3) for k, v in timings.items()}}
    con.execute(
        "update link_runs set finished_at = current_timestamp::timestamp, summary = ? where run_id = ?",
        [json.dumps(summary), run_id],
    )
    say(1.0, "Xong")
    return LinkResult(run_id=run_id, n_records=counts["n_records"], n_pairs=pairs.num_rows,
                      n_persons=counts["n_persons"], n_review=n_review,
                      model_version=meta.get("model_version"), timings=timings)


def _store_pairs(con: duckdb.DuckDBPyConnection, run_id: int, pairs: pa.Table) -> None:
    """Keep one run of pairs: the new run replaces the previous ones."""
    con.register("_link_pairs_arrow", pairs)
    try:
        con.execute("begin transaction")
        con.execute("delete from link_predictions")
        con.execute(
            "insert into link_predictions select ?, record_key_l, record_key_r, kind_l, kind_r, "
            "match_probability, match_weight, names_differ from _link_pairs_arrow",
            [run_id],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_link_pairs_arrow")


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
    return persons.rebuild(con, run["run_id"], float(run["thresholds"]["upper"]))
