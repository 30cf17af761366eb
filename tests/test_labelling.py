"""Accuracy on the station's own labels: a stratified blind round whose estimate brackets the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hssk.db import connect
from hssk.demo import generate
from hssk.ingest.store import import_files
from hssk.link import labelling, run_linkage
from hssk.link.evaluate import _read_truth


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    made = generate(tmp_path_factory.mktemp("labels"), residents=1500, seed=314)
    con = connect(":memory:")
    for kind in ("population", "hssk", "deaths"):
        import_files(con, made["files"][kind], kind)
    run_linkage(con)
    records, _ = _read_truth(made["truth_dir"])
    con.register("_truth", records)
    truth = con.execute("""
        select c.record_key, t.person_uid from current_clean c
        join import_files f using (file_id)
        join _truth t on t.source = c.kind and t.file = f.file_name and t.row_number = c.row_number
        where t.person_uid <> ''""").df()
    return con, dict(zip(truth["record_key"], truth["person_uid"]))


def _is_same(person_of, key_l, key_r) -> bool:
    a, b = person_of.get(key_l), person_of.get(key_r)
    return a is not None and a == b


def test_a_round_is_stratified_blind_and_its_estimate_brackets_the_truth(linked):
    con, person_of = linked
    pairs = labelling.candidate_pairs(con)
    frame = pairs.to_pandas()
    frame["same"] = [_is_same(person_of, l, r) for l, r in zip(frame["record_key_l"], frame["record_key_r"])]
    round_id = labelling.draw_sample(con, per_band=40, seed=3, user="an", pairs=pairs)
    bands_seen = con.execute("select count(distinct band) from label_pairs").fetchall()[0][0]
    assert bands_seen == len(set(labelling._band(frame["match_probability"].to_numpy())))
    shown = labelling.next_pair(con, round_id)
    assert "match_probability" not in shown and set(shown) == {"position", "record_key_l", "record_key_r"}
    # A labeller who knows the truth labels every pair of the round.
    while (pair := labelling.next_pair(con, round_id)) is not None:
        label = "same" if _is_same(person_of, pair["record_key_l"], pair["record_key_r"]) else "different"
        labelling.record_label(con, round_id, pair["position"], label, "an")
    done, total = labelling.progress(con, round_id)
    assert done == total > 0
    est = labelling.estimate(con, round_id, thresholds=[0.5, 0.9, 0.99])
    for t in (0.5, 0.9, 0.99):
        above = frame[frame["match_probability"] >= t]
        true_precision = above["same"].mean()
        true_recall = above["same"].sum() / frame["same"].sum()
        row = est.at(t)
        assert row["precision_lo"] - 1e-9 <= true_precision <= row["precision_hi"] + 1e-9, (t, row, true_precision)
        assert row["recall_lo"] - 1e-9 <= true_recall <= row["recall_hi"] + 1e-9, (t, row, true_recall)
        assert row["precision_lo"] <= row["precision"] <= row["precision_hi"]
    upper, lower = labelling.suggest_thresholds(est, precision_target=0.99, recall_target=0.99)
    assert 0 < lower <= upper <= 1


def test_weights_undo_the_stratification():
    """A band of 1,000 pairs with 10 labelled counts 100 times as much as each of 10 labels from a band of 10."""
    con = connect(":memory:")
    labelling.ensure_schema(con)
    rows = ([(f"a{i}", f"b{i}", 0.95, 1000) for i in range(10)]
            + [(f"c{i}", f"d{i}", 0.3, 10) for i in range(10)])
    pairs = pd.DataFrame(rows, columns=["record_key_l", "record_key_r", "match_probability", "n"])
    import pyarrow as pa

    round_id = labelling.draw_sample(con, per_band=10, pairs=pa.Table.from_pandas(pairs.drop(columns="n")))
    con.execute("update label_pairs set band_size = case when match_probability > 0.5 then 1000 else 10 end")
    for position, key in con.execute("select position, record_key_l from label_pairs").fetchall():
        # high band: 9 of 10 the same person; low band: all the same person
        label = "different" if key == "a0" else "same"
        labelling.record_label(con, round_id, position, label, "an")
    est = labelling.estimate(con, round_id, thresholds=[0.5], n_boot=50)
    row = est.at(0.5)
    assert row["precision"] == pytest.approx(0.9)
    assert row["recall"] == pytest.approx(900 / (900 + 10))
    assert np.isclose(est.n_labels, 20)
