"""The truth of a demo set: the true KPI figures, and reading the answer key back (true clusters and pairs).

Files in `truth_dir` (documented in the README.md written next to them): records.csv, persons.csv,
field_errors.csv, village_quality.csv, kpi_truth.json. They are written by `hssk.demo.answer_key`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hssk.demo.health import CATEGORIES, reproductive_applies

ADMIN_FIELDS = ("full_name", "birth_date", "sex", "personal_id", "ethnicity", "village")
TRUTH_FILES = ("records.csv", "persons.csv", "field_errors.csv", "village_quality.csv", "kpi_truth.json", "README.md")


def read_table(path: Path) -> pd.DataFrame:
    """A truth CSV with every column as text ('' for empty)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# --- KPI truth ----------------------------------------------------------------------------------------------

DEFINITIONS = {
    "residents_alive": "register persons with register status 'đang cư trú' who are not in the deaths file "
                       "(register 'đã chết' and 'chuyển đi' are not residents)",
    "with_record": "residents_alive holding >= 1 HSSK record",
    "coverage": "with_record / residents_alive",
    "missing_record": "residents_alive - with_record",
    "duplicate_persons": "residents_alive holding >= 2 HSSK records (the issue's definition)",
    "extra_records": "sum over duplicate_persons of (their HSSK records - 1)",
    "duplicate_holders": "true persons (any status, on the register or not) holding >= 2 HSSK records",
    "deceased_with_record": "dead persons (register 'đã chết' or in the deaths file) holding >= 1 HSSK record",
    "deceased_records": "HSSK records of dead persons",
    "moved_with_record": "register persons with status 'chuyển đi' holding >= 1 HSSK record",
    "off_register_records": "HSSK records of persons who are not on the register",
    "deaths_not_in_register": "persons in the deaths file whose register status is still 'đang cư trú'",
    "hssk_records": "rows in the HSSK export (all parts)",
    "kpi_admin_count": "residents_alive with exactly one HSSK record whose full_name, birth_date (day precision), "
                       "sex, personal_id, ethnicity and village carry no 'real' error in field_errors.csv",
    "kpi_admin": "kpi_admin_count / residents_alive",
    "kpi_health_count": "residents_alive with >= 1 record where each applicable category (chronic_disease, "
                        "vaccination, medical_history, infectious_disease; reproductive_health for women aged "
                        "15-49 at as_of) is filled in at least one of their HSSK records ('Không' is filled)",
    "kpi_health": "kpi_health_count / residents_alive",
    "health_<category>_count": "residents_alive with >= 1 record whose records fill that category "
                               "(reproductive: among women 15-49; health_reproductive_applicable counts them)",
    "kpi_health_with_care_count": "as kpi_health_count, but a care event also fills a category of its person: "
                                  "tiêm chủng -> vaccination, quản lý bệnh mạn tính -> chronic_disease, "
                                  "sức khỏe sinh sản -> reproductive_health, khám bệnh with an infectious ICD-10 "
                                  "code (A00-B99) -> infectious_disease, khám bệnh -> medical_history",
    "villages": "per true village of the person (for off-register persons: the village they lived in)",
}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 6) if b else None


def kpi_truth(people: pd.DataFrame, rec: pd.DataFrame, real_bad_records: np.ndarray, care_events: pd.DataFrame,
              as_of, village_names: list[str]) -> dict:
    n = len(people)
    p = rec["person"].to_numpy()
    n_rec = np.bincount(p, minlength=n)
    on_reg = people["on_register"].to_numpy()
    reg_status = people["register_status"].to_numpy()
    in_deaths = people["in_deaths_file"].to_numpy()
    status = people["status"].to_numpy()
    alive = on_reg & (reg_status == "alive") & ~in_deaths
    dead = status == "dead"

    applies = {cat: np.ones(n, dtype=bool) for cat in CATEGORIES}
    applies["reproductive_health"] = reproductive_applies(people["sex"].to_numpy(), people["age"].to_numpy())
    filled = {cat: np.bincount(p, weights=rec[f"filled_{cat}"].to_numpy().astype(float), minlength=n) > 0
              for cat in CATEGORIES}
    health_ok = (n_rec >= 1) & np.logical_and.reduce([filled[c] | ~applies[c] for c in CATEGORIES])

    care_fill = {cat: np.zeros(n, dtype=bool) for cat in CATEGORIES}
    if len(care_events):
        cp = care_events["person"].to_numpy()
        kind = care_events["kind"].to_numpy()
        code = care_events["code"].to_numpy().astype(str)
        infectious = np.char.startswith(code, "A") | np.char.startswith(code, "B")
        care_fill["vaccination"][cp[kind == "vaccination"]] = True
        care_fill["chronic_disease"][cp[kind == "chronic"]] = True
        care_fill["reproductive_health"][cp[kind == "reproductive"]] = True
        care_fill["infectious_disease"][cp[(kind == "exam") & infectious]] = True
        care_fill["medical_history"][cp[kind == "exam"]] = True
    health_care_ok = (n_rec >= 1) & np.logical_and.reduce(
        [filled[c] | care_fill[c] | ~applies[c] for c in CATEGORIES])

    bad = np.bincount(p, weights=real_bad_records.astype(float), minlength=n) > 0
    admin_ok = (n_rec == 1) & ~bad
    rec_dead = dead[p]
    rec_off = ~on_reg[p]

    # per-person and per-record indicators; each figure is a sum of one of them over a group of people
    has = n_rec >= 1
    person_counts = {
        "residents_alive": alive,
        "with_record": alive & has,
        "duplicate_persons": alive & (n_rec >= 2),
        "extra_records": np.where(alive, np.maximum(n_rec - 1, 0), 0),
        "duplicate_holders": n_rec >= 2,
        "deceased_with_record": dead & has,
        "moved_with_record": on_reg & (reg_status == "moved") & has,
        "deaths_not_in_register": in_deaths & (reg_status == "alive"),
        "kpi_admin_count": alive & admin_ok,
        "kpi_health_count": alive & health_ok,
        "kpi_health_with_care_count": alive & health_care_ok,
        **{f"health_{cat}_count": alive & applies[cat] & has & filled[cat] for cat in CATEGORIES},
        "health_reproductive_applicable": alive & applies["reproductive_health"],
    }
    record_counts = {"deceased_records": rec_dead, "off_register_records": rec_off,
                     "hssk_records": np.ones(len(p), dtype=bool)}

    village = people["village"].to_numpy()
    group = np.zeros(n, dtype=np.int64)  # 0 = overall only; villages get 1..k
    for k, name in enumerate(village_names, start=1):
        group[village == name] = k
    k = len(village_names) + 1

    def sums(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
        by_group = np.bincount(groups, weights=values.astype(float), minlength=k)
        by_group[0] = values.sum()  # the overall figure counts everybody
        return by_group

    totals = {key: sums(v, group) for key, v in person_counts.items()}
    totals.update({key: sums(v, group[p]) for key, v in record_counts.items()})

    def figures(g: int) -> dict:
        t = {key: round(v[g]) for key, v in totals.items()}
        res = t["residents_alive"]
        out = {
            "residents_alive": res, "with_record": t["with_record"],
            "coverage": _ratio(t["with_record"], res), "missing_record": res - t["with_record"],
        }
        for key in ("duplicate_persons", "extra_records", "duplicate_holders", "deceased_with_record",
                    "deceased_records", "moved_with_record", "off_register_records", "deaths_not_in_register",
                    "hssk_records", "kpi_admin_count", "kpi_health_count", "kpi_health_with_care_count"):
            out[key] = t[key]
        out["kpi_admin"] = _ratio(t["kpi_admin_count"], res)
        out["kpi_health"] = _ratio(t["kpi_health_count"], res)
        out["kpi_health_with_care"] = _ratio(t["kpi_health_with_care_count"], res)
        for cat in CATEGORIES:
            out[f"health_{cat}_count"] = t[f"health_{cat}_count"]
        out["health_reproductive_applicable"] = t["health_reproductive_applicable"]
        return out

    return {
        "as_of": str(as_of),
        "definitions": DEFINITIONS,
        "overall": figures(0),
        "villages": {name: figures(g) for g, name in enumerate(village_names, start=1)},
    }


# --- reading the truth back ---------------------------------------------------------------------------------

def true_clusters(truth_dir: Path | str) -> pd.DataFrame:
    """Every record of every source with its true person: DataFrame(source, record_id, person_uid).

    Example: `true_clusters(out / "truth").groupby("person_uid").size()` gives the true cluster sizes."""
    df = read_table(Path(truth_dir) / "records.csv")
    return df[["source", "record_id", "person_uid"]]


def true_pairs(truth_dir: Path | str, sources: tuple[str, ...] | None = None) -> pd.DataFrame:
    """All pairs of records that belong to the same person (each pair once, left < right):
    DataFrame(source_l, record_id_l, source_r, record_id_r, person_uid)."""
    df = true_clusters(truth_dir)
    if sources:
        df = df[df["source"].isin(sources)]
    df = df.assign(key=df["source"] + "\x1f" + df["record_id"])
    m = df.merge(df, on="person_uid", suffixes=("_l", "_r"))
    m = m[m["key_l"] < m["key_r"]]
    return m[["source_l", "record_id_l", "source_r", "record_id_r", "person_uid"]].reset_index(drop=True)


def write_kpi(path: Path, kpi: dict) -> None:
    path.write_text(json.dumps(kpi, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")
