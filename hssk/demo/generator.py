"""generate(): a seeded, realistic set of station exports (5 kinds) plus the truth to test the workbench with.

    >>> from hssk.demo import generate
    >>> made = generate(Path("data/demo"), residents=20000, seed=2026)
    >>> made["files"]["hssk"]        # [.../hssk_xuat_phan1.xlsx, .../hssk_xuat_phan2.csv]
    >>> made["truth_dir"]            # .../truth (README.md explains every file)

Same arguments → same bytes. Each stage draws from its own random stream, so changing one stage does not
reshuffle the others.
"""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hssk.demo import corrupt as C
from hssk.demo import hssk_export, tables, truth, writers
from hssk.demo.frames import ArrowColumns, arrow_text, cached_arrow_text, frame
from hssk.demo.health import person_health
from hssk.demo.layouts import Layout, layouts
from hssk.demo.population import build_population
from hssk.demo.quality import village_qualities
from hssk.demo.readme import readme_text
from hssk.demo.sources import villages as load_villages

STAGES = ("villages", "population", "health", "hssk", "deaths", "insurance", "care")


def generate(out_dir: Path, *, residents: int = 20000, seed: int = 2026, fmt: str = "mixed",
             today: dt.date = dt.date(2026, 11, 25)) -> dict:
    """Write the demo files into `out_dir` and the truth into `out_dir/truth`.

    Returns {"files": {kind: [paths]}, "truth_dir": Path}. fmt="mixed" is the commune demo (xlsx with title rows,
    numeric IDs, BOM/';' CSV, cp1258 CSV); fmt="csv" writes plain UTF-8 CSV only (for large benchmarks).
    """
    if residents < 50:
        raise ValueError("Cần ít nhất 50 người dân để tạo dữ liệu mẫu.")
    # Millions of short-lived containers make the cyclic GC rescan the heap again and again; nothing here
    # builds reference cycles, so it is paused for the run.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(Path(out_dir), residents, seed, fmt, today)
    finally:
        if gc_was_enabled:
            gc.enable()


def _generate(out_dir: Path, residents: int, seed: int, fmt: str, today: dt.date) -> dict:
    lay = layouts(fmt)
    truth_dir = out_dir / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    rngs = dict(zip(STAGES, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(STAGES)))))

    vs = load_villages()
    qualities = village_qualities(rngs["villages"], len(vs))
    weights = rngs["villages"].uniform(0.5, 1.5, size=len(vs))
    people = build_population(rngs["population"], residents, round(0.02 * residents), vs, weights, today)
    health = person_health(rngs["health"], people["sex"].to_numpy(), people["age"].to_numpy())

    hssk_parts = lay["hssk"]
    hssk_cells, rec = hssk_export.build(rngs["hssk"], people, health, vs, qualities, hssk_parts, today)
    people_arrow = ArrowColumns(people)
    pop_cells, pop_rows, pop_order = tables.population(people, vs, people_arrow)
    death_cells, death_rows, death_order = tables.deaths(rngs["deaths"], people, vs, today)
    ins_layout = lay["insurance"][0]
    ins_cells, ins_rows, ins_order = tables.insurance(rngs["insurance"], people, today, ins_layout)
    care_cells, care_rows, care_order, care_events = tables.care(rngs["care"], people, health, residents, today,
                                                                people_arrow)

    files: dict[str, list[Path]] = {}
    records: list[pa.Table] = []

    converted: dict = {}  # Arrow versions of columns written to more than one file
    positions: dict[str, np.ndarray] = {}  # source -> file position (0-based data row) of each cell row

    def emit(layout: Layout, cells: C.Cells, order: np.ndarray, persons: np.ndarray, record_ids) -> None:
        """Write cell rows `order` (file order) and their truth rows; persons/record_ids are per cell row."""
        path = out_dir / layout.file_name
        writers.write(path, layout, [cells.cols[f] for f in layout.headers], order, converted)
        files.setdefault(layout.kind, []).append(path)
        n = len(order)
        ids = cached_arrow_text(record_ids, converted) if record_ids is not None else arrow_text(np.arange(1, n + 1))
        if record_ids is not None:
            ids = pc.take(ids, pa.array(order))
        records.append(pa.table({
            "source": pa.repeat(pa.scalar(layout.kind), n), "record_id": ids,
            "file": pa.repeat(pa.scalar(layout.file_name), n), "row_number": arrow_text(np.arange(1, n + 1)),
            "person_uid": person_uids(persons[order]),
        }))
        pos = positions.setdefault(layout.kind, np.zeros(cells.n, dtype=np.int64))
        pos[order] = np.arange(n)

    emit(lay["population"][0], pop_cells, pop_order, pop_rows, pop_cells.cols["personal_id"])
    for k, layout in enumerate(hssk_parts):
        emit(layout, hssk_cells, hssk_export.file_order(rec, k), rec["person"].to_numpy(),
             hssk_cells.cols["record_id"])
    emit(lay["deaths"][0], death_cells, death_order, death_rows, None)
    emit(ins_layout, ins_cells, ins_order, ins_rows, ins_cells.cols["insurance_no"])
    emit(lay["care"][0], care_cells, care_order, care_rows, None)

    _write_truth(truth_dir, people, people_arrow, rec, hssk_cells, hssk_parts, death_cells, lay["deaths"][0], ins_cells,
                 ins_layout, care_events, records, positions, vs, qualities, lay, today, residents, seed, fmt)
    return {"files": files, "truth_dir": truth_dir}


def person_uids(rows: np.ndarray) -> pa.Array:
    """'U0000001' … for person rows (the same text as people.person_uid, built in Arrow)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(rows, dtype=np.int64) + 1), pa.string()), 7, "0")
    return pc.binary_join_element_wise(pa.scalar("U"), digits, "")


def _iso_or_blank(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values).astype("datetime64[D]")
    out = np.full(len(values), "", dtype=object)
    ok = ~np.isnat(values)
    if ok.any():
        idx = pd.DatetimeIndex(values[ok])
        out[ok] = C.iso(idx.year.to_numpy(), idx.month.to_numpy(), idx.day.to_numpy())
    return out


ERROR_COLUMNS = ["source", "record_id", "file", "field", "kind", "error", "true_value", "written_value"]


def _errors(source: str, cells: C.Cells, record_ids: np.ndarray, file_names: np.ndarray, position: np.ndarray
            ) -> list[pa.Table]:
    """One Arrow table per logged change set (rows, field, kind, error) of a Cells table."""
    tables = []
    for rows, field, kind, error in cells.log:
        n = len(rows)
        truth_col = cells.truth.get(field)
        written = cells.cols[field][rows]
        tables.append(pa.table({
            "_pos": pa.array(position[rows]), "source": pa.repeat(pa.scalar(source), n),
            "record_id": arrow_text(record_ids[rows]), "file": arrow_text(file_names[rows]),
            "field": pa.repeat(pa.scalar(field), n), "kind": pa.repeat(pa.scalar(kind), n),
            "error": pa.repeat(pa.scalar(error), n),
            "true_value": arrow_text(truth_col[rows]) if truth_col is not None else pa.nulls(n, pa.string()),
            "written_value": arrow_text([v if type(v) is str else C.cell_text(v) for v in written.tolist()]),
        }))
    return tables


def _write_truth(truth_dir, people, people_arrow, rec, hssk_cells, hssk_parts, death_cells, death_layout, ins_cells,
                 ins_layout, care_events, records, positions, vs, qualities, lay, today, residents, seed, fmt) -> None:
    hssk_files = np.array([p.file_name for p in hssk_parts], dtype=object)[rec["part"].to_numpy()]
    parts = (
        _errors("hssk", hssk_cells, hssk_cells.cols["record_id"], hssk_files, positions["hssk"])
        + _errors("deaths", death_cells, (positions["deaths"] + 1).astype(str).astype(object),
                  np.full(death_cells.n, death_layout.file_name, dtype=object), positions["deaths"])
        + _errors("insurance", ins_cells, ins_cells.cols["insurance_no"],
                  np.full(ins_cells.n, ins_layout.file_name, dtype=object), positions["insurance"])
    )
    if parts:
        errors = pa.concat_tables(parts)
        errors = errors.append_column("_order", pa.array(np.arange(errors.num_rows)))
        # stable order: by source and file, then the record's row in its file, then the order of the changes
        errors = errors.sort_by([("source", "ascending"), ("file", "ascending"), ("_pos", "ascending"),
                                 ("_order", "ascending")])
        truth.write_table(truth_dir / "field_errors.csv", {c: errors[c] for c in ERROR_COLUMNS})
    else:
        truth.write_table(truth_dir / "field_errors.csv", {c: np.array([], dtype=object) for c in ERROR_COLUMNS})

    real_bad = np.zeros(hssk_cells.n, dtype=bool)
    for rows, field, kind, _ in hssk_cells.log:
        if kind == C.REAL and field in truth.ADMIN_FIELDS:
            real_bad[rows] = True

    all_records = pa.concat_tables(records)
    truth.write_table(truth_dir / "records.csv", {c: all_records[c] for c in all_records.column_names})

    n_rec = np.bincount(rec["person"].to_numpy(), minlength=len(people))
    col = {c: (people_arrow(c) if people[c].dtype == object else people[c].to_numpy()) for c in people.columns}
    flag = np.array(["0", "1"], dtype=object)
    persons = ({
        "person_uid": person_uids(np.arange(len(people))), "on_register": flag[col["on_register"].astype(int)],
        "status": col["status"], "register_status": col["register_status"],
        "in_deaths_file": flag[col["in_deaths_file"].astype(int)], "death_date": _iso_or_blank(col["death_date"]),
        "village": col["village"], "household_code": col["household_code"], "relation_to_head": col["relation"],
        "full_name": col["full_name"], "sex": col["sex"], "birth_date": _iso_or_blank(col["birth_date"]),
        "age": col["age"], "personal_id": col["personal_id"], "old_id": col["old_id"],
        "social_insurance_no": col["social_insurance_no"], "insurance_card": col["insurance_card"],
        "ethnicity": col["ethnicity"], "phone": col["phone"], "hard_case": col["hard_case"],
        "hard_group": np.where(col["hard_group"] >= 0, col["hard_group"].astype(str), "").astype(object),
        "n_hssk_records": n_rec,
    })
    truth.write_table(truth_dir / "persons.csv", persons)
    truth.write_table(truth_dir / "village_quality.csv",
                      pd.DataFrame([q.as_row(v.name) for v, q in zip(vs, qualities)]))
    kpi = truth.kpi_truth(people, rec, real_bad, care_events, today, [v.name for v in vs])
    kpi["generator"] = {"residents": residents, "seed": seed, "fmt": fmt}
    truth.write_kpi(truth_dir / "kpi_truth.json", kpi)
    (truth_dir / "README.md").write_text(readme_text(lay), encoding="utf-8")
