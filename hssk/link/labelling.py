"""How good is the linkage on the station's own data? A blind labelling round and what it tells.

The generator's truth says how the model does on invented people; a station has no truth. So reviewers label a
sample of candidate pairs, drawn at random within bands of match probability (a stratified sample: every band is
seen, also the rare high and low ones) and shown without their score. From the labels the workbench estimates,
for any pair of thresholds, the precision of the automatic links and the recall of what reaches a link or the
review queue, with 95 % confidence intervals, and suggests the thresholds.

Estimates weigh each band by its size (a labelled pair stands for `band size / labelled in band` pairs); the 95 %
intervals draw each band's shares of true and false pairs above and below a threshold from their posterior
(Dirichlet with Jeffreys' prior), so a band whose labels all agree still leaves room for what it did not see. Splink's own
`accuracy_analysis_from_labels_table` treats the labels as the whole population, which a stratified sample is
not: its curve would over-weigh the rare bands, so it is not used for the estimate.

What the estimate covers: the candidate pairs the blocking rules produce and the model scores at or above FLOOR;
a true pair never compared (or scored below FLOOR) is outside it, so recall is "of the pairs the model can see".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from hssk.errors import HsskError
from hssk.link import predict, prepare
from hssk.link.run import linkage_config
from hssk.queries import load_query

FLOOR = 0.01  # candidate pairs scored below this are not sampled (almost never the same person)
BANDS = (0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0)  # band i: BANDS[i] <= p < BANDS[i + 1]; the last includes 1.0
LABELS = {"same": "Cùng một người", "different": "Hai người khác nhau", "unsure": "Không chắc chắn"}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the labelling tables once (no DDL on every page run: two sessions would conflict on the catalog)."""
    exists = con.execute("select count(*) from information_schema.tables where table_name = 'labels'").fetchall()[0][0]
    if not exists:
        con.execute(load_query("link_labels_schema"))


def _band(p: np.ndarray) -> np.ndarray:
    return np.clip(np.searchsorted(np.array(BANDS), p, side="right") - 1, 0, len(BANDS) - 2)


def candidate_pairs(con: duckdb.DuckDBPyConnection, floor: float = FLOOR) -> pa.Table:
    """Every candidate pair of the current snapshot scored at or above `floor` with the station's model."""
    records = prepare.input_table(con)
    if records.num_rows == 0:
        raise HsskError("Chưa có dữ liệu để lấy mẫu: hãy nhập tệp và ghép nối trước.", "current_clean is empty")
    session, _ = predict.session_with_model(records, linkage_config()["model_path"])
    try:
        return predict.predict_pairs(session, floor).select(["record_key_l", "record_key_r", "match_probability"])
    finally:
        session.close()


def draw_sample(con: duckdb.DuckDBPyConnection, per_band: int = 25, *, seed: int = 1, user: str = "",
                pairs: pa.Table | None = None) -> int:
    """Draw a new labelling round: `per_band` pairs at random from each probability band. Returns its id."""
    ensure_schema(con)
    pairs = pairs if pairs is not None else candidate_pairs(con)
    frame = pairs.to_pandas()
    if frame.empty:
        raise HsskError("Không có cặp hồ sơ nào để lấy mẫu.", "no candidate pairs")
    frame["band"] = _band(frame["match_probability"].to_numpy())
    rng = np.random.default_rng(seed)
    chosen = []
    for band, group in frame.groupby("band"):
        take = group.iloc[rng.permutation(len(group))[:per_band]].copy()
        take["band_size"] = len(group)
        chosen.append(take)
    sample = pd.concat(chosen).sample(frac=1.0, random_state=seed)  # bands mixed: the reviewer cannot tell
    sample["position"] = np.arange(len(sample))
    sample_id = con.execute("select nextval('seq_label_round')").fetchall()[0][0]
    con.execute("insert into label_rounds values (?, ?, ?, ?, ?)",
                [sample_id, datetime.now().replace(microsecond=0), user, FLOOR, len(frame)])
    sample["round_id"] = sample_id
    con.register("_label_sample", sample[["round_id", "position", "record_key_l", "record_key_r",
                                          "match_probability", "band", "band_size"]])
    try:
        con.execute("insert into label_pairs by name select * from _label_sample")
    finally:
        con.unregister("_label_sample")
    return int(sample_id)


def latest_round(con: duckdb.DuckDBPyConnection) -> int | None:
    ensure_schema(con)
    return con.execute("select max(round_id) from label_rounds").fetchall()[0][0]


def next_pair(con: duckdb.DuckDBPyConnection, round_id: int) -> dict | None:
    """The next pair of the round nobody labelled yet — keys only, never its score (the label must be blind)."""
    rows = con.execute("""
        select position, record_key_l, record_key_r from label_pairs p
        where round_id = ? and not exists (select 1 from labels l where l.round_id = p.round_id
                                           and l.position = p.position)
        order by position limit 1""", [round_id]).fetchall()
    return None if not rows else dict(zip(("position", "record_key_l", "record_key_r"), rows[0]))


def progress(con: duckdb.DuckDBPyConnection, round_id: int) -> tuple[int, int]:
    """(labelled, in the round)."""
    return con.execute("""select (select count(distinct position) from labels where round_id = $r),
                                 (select count(*) from label_pairs where round_id = $r)""", {"r": round_id}
                       ).fetchall()[0]


def record_label(con: duckdb.DuckDBPyConnection, round_id: int, position: int, label: str, user: str) -> None:
    if label not in LABELS:
        raise HsskError("Nhãn không hợp lệ.", label)
    con.execute("insert into labels values (?, ?, ?, ?, ?)",
                [round_id, position, label, user, datetime.now().replace(microsecond=0)])


@dataclass(frozen=True)
class Estimate:
    table: pd.DataFrame  # threshold, precision (lo, hi), recall (lo, hi): one row per candidate threshold
    n_labels: int
    n_pairs: int

    def at(self, threshold: float) -> dict:
        row = self.table.iloc[(self.table["threshold"] - threshold).abs().argmin()]
        return row.to_dict()


def _labelled(con, round_id: int) -> pd.DataFrame:
    """The round's pairs with their newest label (unsure ones left out)."""
    return con.execute("""
        select p.match_probability, p.band, p.band_size, l.label = 'same' as same
        from label_pairs p
        join (select round_id, position, arg_max(label, "at") as label from labels group by all) l
          using (round_id, position)
        where p.round_id = ? and l.label <> 'unsure'""", [round_id]).df()


def _counts(p: np.ndarray, same: np.ndarray, weight: np.ndarray, thresholds: np.ndarray):
    """Weighted true/false pairs at or above each threshold, and true pairs below it."""
    above = p[None, :] >= thresholds[:, None]
    tp = (above * (same * weight)[None, :]).sum(axis=1)
    fp = (above * ((~same) * weight)[None, :]).sum(axis=1)
    fn = ((~above) * (same * weight)[None, :]).sum(axis=1)
    return tp, fp, fn


def _ratio(a, b):
    return np.divide(a, b, out=np.ones_like(a, dtype=float), where=b > 0)


def estimate(con: duckdb.DuckDBPyConnection, round_id: int, *, thresholds=None, n_boot: int = 1000,
             seed: int = 7) -> Estimate:
    """Precision of the pairs at or above each threshold and recall of the true pairs that reach it."""
    labelled = _labelled(con, round_id)
    if len(labelled) < 10:
        raise HsskError("Cần ít nhất 10 cặp đã gắn nhãn (không tính 'không chắc chắn') để ước lượng.",
                        f"{len(labelled)} labels")
    n_pairs = con.execute("select n_pairs from label_rounds where round_id = ?", [round_id]).fetchall()[0][0]
    if thresholds is None:
        thresholds = sorted({*BANDS[:-1], 0.95, 0.98, 0.995, *np.round(labelled["match_probability"], 4)})
    thresholds = np.asarray(thresholds, dtype=float)
    p = labelled["match_probability"].to_numpy()
    same = labelled["same"].to_numpy(bool)
    band = labelled["band"].to_numpy()
    per_band = labelled.groupby("band")["band_size"].agg(["first", "size"])
    weight = (per_band["first"] / per_band["size"]).reindex(band).to_numpy()
    tp, fp, fn = _counts(p, same, weight, thresholds)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)

    # Intervals: per band, the shares of (same, ≥ t), (different, ≥ t), (same, < t), (different, < t) drawn from
    # their posterior (Dirichlet, Jeffreys prior ½), scaled by the band's size. Unlike resampling the labels, a
    # band whose labels all agree still leaves room for the pairs it did not see.
    rng = np.random.default_rng(seed)
    boot_tp = np.zeros((n_boot, len(thresholds)))
    boot_fp = np.zeros_like(boot_tp)
    boot_fn = np.zeros_like(boot_tp)
    for b in np.unique(band):
        in_band = band == b
        size = float(per_band.loc[b, "first"])
        above = p[in_band][None, :] >= thresholds[:, None]
        s_b = same[in_band][None, :]
        counts = np.stack([(above & s_b).sum(1), (above & ~s_b).sum(1), (~above & s_b).sum(1),
                           (~above & ~s_b).sum(1)], axis=1) + 0.5
        shares = rng.gamma(counts[None, :, :], size=(n_boot, *counts.shape))
        shares /= shares.sum(axis=2, keepdims=True)
        boot_tp += size * shares[:, :, 0]
        boot_fp += size * shares[:, :, 1]
        boot_fn += size * shares[:, :, 2]
    boot_p, boot_r = _ratio(boot_tp, boot_tp + boot_fp), _ratio(boot_tp, boot_tp + boot_fn)
    # As for Jeffreys' interval of a proportion: no error seen at all → the upper limit is 1.
    p_hi = np.where(fp == 0, 1.0, np.percentile(boot_p, 97.5, axis=0))
    r_hi = np.where(fn == 0, 1.0, np.percentile(boot_r, 97.5, axis=0))
    table = pd.DataFrame({
        "threshold": thresholds,
        "precision": precision, "precision_lo": np.minimum(np.percentile(boot_p, 2.5, axis=0), precision),
        "precision_hi": np.maximum(p_hi, precision),
        "recall": recall, "recall_lo": np.minimum(np.percentile(boot_r, 2.5, axis=0), recall),
        "recall_hi": np.maximum(r_hi, recall),
    })
    return Estimate(table=table, n_labels=len(labelled), n_pairs=int(n_pairs))


def suggest_thresholds(est: Estimate, *, precision_target: float = 0.999, recall_target: float = 0.995
                       ) -> tuple[float, float]:
    """(upper, lower): the lowest threshold whose estimated precision reaches the target (automatic links), and
    the highest whose estimated recall does (what reaches a link or the review queue)."""
    t = est.table
    precise = t[t["precision"] >= precision_target]
    upper = float(precise["threshold"].min()) if len(precise) else float(t["threshold"].max())
    complete = t[(t["recall"] >= recall_target) & (t["threshold"] <= upper)]
    lower = float(complete["threshold"].max()) if len(complete) else float(t["threshold"].min())
    return upper, min(lower, upper)
