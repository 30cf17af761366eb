"""A Splink session on the prepared records, and scored pairs out of it.

Splink works in its own in-memory DuckDB so its many intermediate tables never land in the
workbench database; the prepared records go in and the scored pairs come out as Arrow.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from splink import DuckDBAPI, Linker

from hssk.db import memory_limit
from hssk.errors import HsskError
from hssk.link import model, train

BACKENDS = ("duckdb", "spark")

PAIR_COLUMNS = ["record_key_l", "record_key_r", "kind_l", "kind_r", "match_probability", "match_weight",
                "names_differ"]


@dataclass
class SplinkSession:
    """The Splink linker over one prepared input, on a private DuckDB connection."""

    linker: Linker
    work: duckdb.DuckDBPyConnection
    n_records: int
    sdf: object = None  # the registered input (a SplinkDataFrame)
    keys: pa.Array | None = None  # record keys by id, when Splink's unique_id is key_rank (scoring_input)

    def use_settings(self, settings) -> Linker:
        """Replace the linker by one with `settings` (e.g. the trained model as saved)."""
        self.linker = Linker(self.sdf, settings, log_level=logging.ERROR)
        return self.linker

    def close(self) -> None:
        self.work.close()


def scoring_input(records: pa.Table) -> tuple[pa.Table, pa.Array]:
    """The records as Splink scores them, and the record keys by id: unique_id becomes key_rank (the record's
    place in record_key order, prepare.input_table), an int64 in the same order as the keys.

    Splink joins, compares and orders unique_id for every candidate pair; integers instead of record_key text make
    blocking and scoring a quarter faster (measured at 1M residents: 42 → 30 s). pairs_from_predictions maps the
    ids back to the keys."""
    rank = records.column("key_rank").combine_chunks()
    by_rank = np.empty(len(rank), np.int64)
    by_rank[rank.to_numpy()] = np.arange(len(rank))
    keys = records.column("unique_id").combine_chunks().take(pa.array(by_rank))
    return records.set_column(records.schema.get_field_index("unique_id"), "unique_id", rank), keys


def open_session(records: pa.Table, settings, *, backend: str = "duckdb", threads: int | None = None,
                 validate: bool = True, integer_ids: bool = False) -> SplinkSession:
    """Register the prepared records and build a Linker with `settings` (a dict, path or creator).

    validate=False skips Splink's check of the settings against the input columns (most of a second): for a saved
    model whose features version matches this code (train.load_settings checks it), so its columns are there.
    integer_ids=True scores integer ids instead of record keys (scoring_input): faster, for runs whose pairs go
    through predict_pairs; the default keeps record keys readable in Splink's own charts and tables."""
    if backend not in BACKENDS:
        raise HsskError(f"Chưa hỗ trợ máy tính toán '{backend}'; hãy dùng --backend duckdb hoặc spark.", backend)
    if backend == "spark":
        from hssk.link.spark import open_spark_session  # pyspark is optional: imported only when asked for

        return open_spark_session(records, settings)
    logging.getLogger("splink").setLevel(logging.ERROR)
    work = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                               "autoload_known_extensions": False})
    try:  # no progress bar on the terminal (inside Jupyter DuckDB refuses to change it: fine)
        work.execute("set enable_progress_bar = false")
    except duckdb.Error:
        pass
    work.execute(f"set memory_limit = '{memory_limit()}'")
    if threads:
        work.execute(f"set threads = {int(threads)}")
    keys = None
    if integer_ids:
        records, keys = scoring_input(records)
    # A view over the Arrow table, not a copy: Splink materialises its own input table (with term frequencies).
    work.register("link_input", records)
    db_api = DuckDBAPI(connection=work)
    sdf = db_api.register("link_input", dataset_display_name="records")
    linker = Linker(sdf, settings, log_level=logging.ERROR, validate_settings=validate)
    return SplinkSession(linker=linker, work=work, n_records=records.num_rows, sdf=sdf, keys=keys)


def session_with_model(records: pa.Table, model_path: Path, *, retrain: bool = False, seed: int = train.DEFAULT_SEED,
                       explain: bool = False, progress=None, backend: str = "duckdb",
                       only_new: bool = False) -> tuple[SplinkSession, dict]:
    """A session with the saved model, or with a freshly trained (and saved) one.

    only_new: records carry an `is_new` flag and only pairs touching a new record are scored.
    Returns the session and the model's meta (version, training summary).
    """
    say = progress or (lambda message: None)
    model_path = Path(model_path)
    if backend == "spark" and (retrain or not model_path.exists()):
        raise HsskError("Mô hình được huấn luyện trên DuckDB; hãy chạy `link --retrain` trước rồi mới dùng Spark.",
                        "training runs on DuckDB only")
    if retrain or not model_path.exists():
        session = open_session(records, model.settings(explain=explain), backend=backend, integer_ids=True)
        # One thread while training: parallel sums add up in a varying order, and the model file
        # should be bit-for-bit the same for the same data and seed.
        session.work.execute("set threads = 1")
        training = train.train(session.linker, seed=seed, progress=say)
        session.work.execute("reset threads")
        meta = train.save(session.linker, model_path, training=training, data_summary=_data_summary(records))
        # Score with exactly what was saved (unobserved levels filled), as a later run will.
        session.use_settings(train.load_settings(model_path, explain=explain))
        say(f"Đã lưu mô hình phiên bản {meta['model_version']} vào {model_path}")
        return session, meta
    settings_dict = train.load_settings(model_path, explain=explain, only_new=only_new)
    session = open_session(records, settings_dict, backend=backend, validate=False, integer_ids=True)
    return session, train.read_meta(model_path)


def _data_summary(records: pa.Table) -> dict:
    counts = records.column("source").value_counts().to_pylist()
    return {"n_records": records.num_rows,
            "by_source": {c["values"]: c["counts"] for c in sorted(counts, key=lambda c: c["values"])}}


def predict_pairs(session: SplinkSession, threshold: float) -> pa.Table:
    """Scored pairs with match_probability >= threshold, keys ordered (l < r), with the
    `names_differ` guard (see model.names_differ_sql; a Spark session brings its own, in Spark SQL)."""
    predictions = session.linker.inference.predict(threshold_match_probability=threshold)
    names_differ = getattr(session, "names_differ_sql", None) or model.names_differ_sql()
    pairs = pairs_from_predictions(predictions, names_differ=names_differ, keys=session.keys)
    predictions.drop_table_from_database_and_remove_from_cache()
    return pairs


def pairs_from_predictions(predictions, *, names_differ: str | None = None, keys: pa.Array | None = None) -> pa.Table:
    """Splink's predictions (a SplinkDataFrame) as rows for link_predictions (PAIR_COLUMNS), each pair with its
    smaller record key on the left. `names_differ` is the guard's SQL in the engine's dialect (DuckDB's by
    default), written over the two records (l.x, r.x): it is read here from the columns Splink retained in the
    predictions (x_l, x_r, model.GUARD_COLUMNS).

    `keys`: the record keys by id when Splink scored integer ids (scoring_input); the pairs then also carry the
    ids as node_l and node_r (hssk.link.persons numbers records the same way)."""
    names_differ = re.sub(r"\b([lr])\.(\w+)", r"p.\2_\1", names_differ or model.names_differ_sql())
    scored = predictions.query_sql(
        f"""
        select
            least(p.unique_id_l, p.unique_id_r) as id_l,
            greatest(p.unique_id_l, p.unique_id_r) as id_r,
            case when p.unique_id_l < p.unique_id_r then p.source_l else p.source_r end as kind_l,
            case when p.unique_id_l < p.unique_id_r then p.source_r else p.source_l end as kind_r,
            p.match_probability,
            p.match_weight,
            {names_differ} as names_differ
        from {{this}} as p
        """
    ).as_pyarrow_table()
    if keys is None:  # Splink scored the record keys themselves
        return scored.rename_columns(PAIR_COLUMNS)
    ids = [scored.column("id_l").combine_chunks(), scored.column("id_r").combine_chunks()]
    return pa.table({"record_key_l": keys.take(ids[0]), "record_key_r": keys.take(ids[1]),
                     **{name: scored.column(name) for name in PAIR_COLUMNS[2:]},
                     "node_l": ids[0], "node_r": ids[1]})
