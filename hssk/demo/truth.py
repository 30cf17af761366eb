"""The answer key of a demo set: who every record really is, what was changed, and the true KPI figures.

Files in `truth_dir` (documented in the README.md written next to them): records.csv, persons.csv,
field_errors.csv, village_quality.csv, kpi_truth.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hssk.demo.frames import write_arrow_csv
from hssk.demo.health import CATEGORIES, reproductive_applies

ADMIN_FIELDS = ("full_name", "birth_date", "sex", "personal_id", "ethnicity", "village")
TRUTH_FILES = ("records.csv", "persons.csv", "field_errors.csv", "village_quality.csv", "kpi_truth.json", "README.md")


def write_table(path: Path, table: pd.DataFrame | dict) -> None:
    """CSV, UTF-8, header row, every value as text, empty cells for none (fast for millions of rows)."""
    columns = {c: table[c].to_numpy() for c in table.columns} if isinstance(table, pd.DataFrame) else table
    write_arrow_csv(path, columns)


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
    "duplicate_persons": "true persons (any status, on the register or not) holding >= 2 HSSK records",
    "extra_records": "HSSK records minus distinct persons holding them (the records a clean-up would merge away)",
    "duplicate_residents": "residents_alive holding >= 2 HSSK records",
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
        infectious = np.array([c[:1] in ("A", "B") for c in code], dtype=bool)
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

    def figures(sel: np.ndarray) -> dict:
        rsel = sel[p]
        res = int((alive & sel).sum())
        with_rec = int((alive & sel & (n_rec >= 1)).sum())
        out = {
            "residents_alive": res,
            "with_record": with_rec,
            "coverage": _ratio(with_rec, res),
            "missing_record": res - with_rec,
            "duplicate_persons": int((sel & (n_rec >= 2)).sum()),
            "extra_records": int((np.maximum(n_rec - 1, 0) * sel).sum()),
            "duplicate_residents": int((alive & sel & (n_rec >= 2)).sum()),
            "deceased_with_record": int((dead & sel & (n_rec >= 1)).sum()),
            "deceased_records": int((rec_dead & rsel).sum()),
            "moved_with_record": int((on_reg & (reg_status == "moved") & sel & (n_rec >= 1)).sum()),
            "off_register_records": int((rec_off & rsel).sum()),
            "deaths_not_in_register": int((in_deaths & (reg_status == "alive") & sel).sum()),
            "hssk_records": int(rsel.sum()),
            "kpi_admin_count": int((alive & sel & admin_ok).sum()),
            "kpi_health_count": int((alive & sel & health_ok).sum()),
            "kpi_health_with_care_count": int((alive & sel & health_care_ok).sum()),
        }
        out["kpi_admin"] = _ratio(out["kpi_admin_count"], res)
        out["kpi_health"] = _ratio(out["kpi_health_count"], res)
        out["kpi_health_with_care"] = _ratio(out["kpi_health_with_care_count"], res)
        for cat in CATEGORIES:
            out[f"health_{cat}_count"] = int((alive & sel & applies[cat] & (n_rec >= 1) & filled[cat]).sum())
        out["health_reproductive_applicable"] = int((alive & sel & applies["reproductive_health"]).sum())
        return out

    village = people["village"].to_numpy()
    return {
        "as_of": str(as_of),
        "definitions": DEFINITIONS,
        "overall": figures(np.ones(n, dtype=bool)),
        "villages": {v: figures(village == v) for v in village_names},
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
