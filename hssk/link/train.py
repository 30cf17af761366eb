"""Unsupervised, reproducible training of the Splink model, and the versioned model file.

The model file is a plain Splink settings JSON (so `Linker(df, path)` reloads it anywhere);
beside it `<name>.meta.json` records the version, features version, seed and training data,
and every saved version is also kept under `history/`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import splink
from splink import Linker

from hssk.errors import HsskError
from hssk.link import model

DEFAULT_SEED = 20260101
U_MAX_PAIRS = 3e6
# EM sees at most this many blocked pairs per training rule (a deterministic hash sample).
EM_MAX_PAIRS = 2e6
# Share of true matches the deterministic rule (same personal ID) is believed to find.
PRIOR_RECALL = 0.75

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def train(linker: Linker, *, seed: int = DEFAULT_SEED, progress: Progress = _quiet,
          u_max_pairs: float = U_MAX_PAIRS, em_max_pairs: float = EM_MAX_PAIRS) -> dict:
    """Estimate prior, u (seeded random sampling) and m (EM on blocked subsets) in place.

    Reproducible: the same records and seed give the same model, bit for bit when the DuckDB
    connection runs one thread (parallel sums add up in a varying order).
    """
    logging.getLogger("splink").setLevel(logging.ERROR)
    progress("Ước lượng xác suất hai bản ghi ngẫu nhiên trùng nhau")
    linker.training.estimate_probability_two_random_records_match(
        model.deterministic_rules(), recall=PRIOR_RECALL
    )
    progress("Ước lượng tham số u (lấy mẫu ngẫu nhiên có hạt giống)")
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
    sessions = []
    for rule in model.training_blocking_rules():
        progress(f"Ước lượng tham số m (EM) trên khối: {rule.split(' and (')[0]}")
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=em_max_pairs)
        sessions.append(rule)
    return {"seed": seed, "u_max_pairs": u_max_pairs, "em_max_pairs": em_max_pairs, "em_rules": sessions,
            "prior_recall": PRIOR_RECALL}


def _trained(value) -> bool:
    return isinstance(value, (int, float)) and value > 0


def fill_unobserved(settings_dict: dict) -> tuple[dict, list[str]]:
    """Give every level an m and u: priors (model.PRIOR_M) where training saw no example.

    Without this Splink falls back to positional defaults that can even turn strong evidence
    (two ID digits swapped) into negative weight. Returns the settings and what was filled.
    """
    filled = []
    for comparison in settings_dict["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            label = level.get("label_for_charts", "")
            if not _trained(level.get("m_probability")):
                is_else = level.get("sql_condition", "").strip().upper() == "ELSE"
                level["m_probability"] = model.PRIOR_M.get(label, model.PRIOR_M_ELSE if is_else else 0.005)
                filled.append(f"m: {label}")
            if not _trained(level.get("u_probability")):
                level["u_probability"] = model.U_UNOBSERVED
                filled.append(f"u: {label}")
    return settings_dict, filled


def meta_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.stem + ".meta.json")


def read_meta(model_path: Path) -> dict:
    path = meta_path(model_path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def trained_settings(linker: Linker) -> dict:
    """The linker's settings as a dict, unobserved levels filled, without the random linker uid."""
    settings_dict, _ = fill_unobserved(linker.misc.save_model_to_json(None))
    settings_dict.pop("linker_uid", None)
    return settings_dict


def save(linker: Linker, model_path: Path, *, training: dict, data_summary: dict) -> dict:
    """Write the model JSON, its meta file and a copy in history/. Returns the meta."""
    model_path = Path(model_path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    settings_dict = trained_settings(linker)
    text = json.dumps(settings_dict, indent=2, ensure_ascii=False, sort_keys=True)
    model_path.write_text(text, encoding="utf-8")
    previous = read_meta(model_path)
    meta = {
        "model_version": int(previous.get("model_version", 0)) + 1,
        "features_version": model.FEATURES_VERSION,
        "trained_at": dt.datetime.now().isoformat(timespec="seconds"),
        "splink_version": splink.__version__,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "training": training,
        "data": data_summary,
    }
    meta_path(model_path).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    history = model_path.parent / "history"
    history.mkdir(exist_ok=True)
    shutil.copyfile(model_path, history / f"{model_path.stem}_v{meta['model_version']:03d}.json")
    return meta


def load_settings(model_path: Path, *, explain: bool = False, only_new: bool = False) -> dict:
    """The saved settings dict, checked against this code's features version.

    only_new: score only pairs with at least one record flagged `is_new` (incremental runs).
    """
    model_path = Path(model_path)
    if not model_path.exists():
        raise HsskError("Chưa có mô hình liên kết đã huấn luyện; hãy chạy với --retrain.", str(model_path))
    meta = read_meta(model_path)
    version = meta.get("features_version")
    if version is not None and version != model.FEATURES_VERSION:
        raise HsskError(
            "Mô hình liên kết đã lưu không khớp với phiên bản dữ liệu hiện tại; hãy huấn luyện lại (--retrain).",
            f"features_version {version} != {model.FEATURES_VERSION}",
        )
    try:
        settings_dict = json.loads(model_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HsskError("Không đọc được tệp mô hình liên kết.", f"{model_path}: {exc}") from exc
    # Blocking decides which pairs get scored (speed and recall), not how they are scored: it
    # always comes from this code, so improving it does not require re-estimating the model.
    settings_dict["blocking_rules_to_generate_predictions"] = model.prediction_blocking_rules(only_new=only_new)
    settings_dict["additional_columns_to_retain"] = model.retained_columns(explain=explain)  # kept, not scored
    if explain:
        settings_dict["retain_matching_columns"] = True
        settings_dict["retain_intermediate_calculation_columns"] = True
    return settings_dict
