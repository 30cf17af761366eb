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

from hssk import reference
from hssk.demo import corrupt as C
from hssk.demo import hssk_export, profiles, tables, truth, writers
from hssk.demo.answer_key import AnswerKey, write_table
from hssk.demo.city import write_city_reference
from hssk.demo.frames import ArrowColumns
from hssk.demo.health import person_health
from hssk.demo.layouts import layouts
from hssk.demo.population import build_population
from hssk.demo.quality import village_qualities
from hssk.demo.readme import readme_text
from hssk.demo.sources import villages as load_villages

STAGES = ("villages", "population", "health", "hssk", "deaths", "insurance", "care")


def generate(out_dir: Path, *, residents: int = 20000, seed: int = 2026, fmt: str = "mixed",
             today: dt.date = dt.date(2026, 11, 25), profile: str = "shipped", claims: bool = False) -> dict:
    """Write the demo files into `out_dir` and the truth into `out_dir/truth`.

    Returns {"files": {kind: [paths]}, "truth_dir": Path, "reference_dir": Path | None}. fmt="mixed" is the
    commune demo (xlsx with title rows, numeric IDs, BOM/';' CSV, cp1258 CSV); fmt="csv" writes plain UTF-8 CSV
    only (for large benchmarks). `profile` (hssk.demo.profiles): a world unlike the shipped one; a profile with
    its own villages writes them into `out_dir/reference` (a copy of the reference directory), which the import
    must then read (`with reference.using(made["reference_dir"]): …`).
    claims=True also writes a folder of BHYT claim XML (files["claims"] = [folder], hssk.demo.claims).
    """
    if residents < 50:
        raise ValueError("Cần ít nhất 50 người dân để tạo dữ liệu mẫu.")
    chosen = profiles.get(profile)
    count = profiles.village_count(chosen, residents)
    if count is None:
        return _generate_paused_gc(Path(out_dir), residents, seed, fmt, today, chosen, None, claims)
    reference_dir = write_city_reference(Path(out_dir) / "reference", count, seed=seed)
    with reference.using(reference_dir):
        return _generate_paused_gc(Path(out_dir), residents, seed, fmt, today, chosen, reference_dir, claims)


def _generate_paused_gc(out_dir: Path, residents: int, seed: int, fmt: str, today: dt.date,
                        profile: profiles.Profile, reference_dir: Path | None, claims: bool = False) -> dict:
    # Millions of short-lived containers make the cyclic GC rescan the heap again and again; nothing here
    # builds reference cycles, so it is paused for the run.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with profiles.applied(profile):
            made = _generate(out_dir, residents, seed, fmt, today, profile)
        if claims:
            from hssk.demo.claims import write_claims

            folder = write_claims(Path(out_dir) / "giam_dinh_bhyt", made["truth_dir"], seed=seed, today=today)["dir"]
            made["files"]["claims"] = [folder]
        return {**made, "reference_dir": reference_dir}
    finally:
        if gc_was_enabled:
            gc.enable()


def _generate(out_dir: Path, residents: int, seed: int, fmt: str, today: dt.date,
              profile: profiles.Profile) -> dict:
    lay = layouts(fmt)
    truth_dir = out_dir / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    rngs = dict(zip(STAGES, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(STAGES)))))

    vs = load_villages()
    qualities = profiles.qualities(profile, village_qualities(rngs["villages"], len(vs)))
    weights = rngs["villages"].uniform(0.5, 1.5, size=len(vs))
    people = build_population(rngs["population"], residents, round(0.02 * residents), vs, weights, today)
    health = person_health(rngs["health"], people["sex"].to_numpy(), people["age"].to_numpy())

    hssk_parts = lay["hssk"]
    hssk_cells, rec = hssk_export.build(rngs["hssk"], people, health, vs, qualities, hssk_parts, today,
                                          name_only=profile.name_only)
    people_arrow = ArrowColumns(people)
    pop_cells, pop_rows, pop_order = tables.population(people, vs, people_arrow)
    death_cells, death_rows, death_order = tables.deaths(rngs["deaths"], people, vs, today)
    ins_layout = lay["insurance"][0]
    ins_cells, ins_rows, ins_order = tables.insurance(rngs["insurance"], people, today, ins_layout)
    care_cells, care_rows, care_order, care_events = tables.care(rngs["care"], people, health, residents, today,
                                                                people_arrow)

    key = AnswerKey(truth_dir)
    files: dict[str, list[Path]] = {}
    converted: dict = {}  # Arrow versions of columns written to more than one file (the two HSSK parts)
    outputs = [
        (lay["population"][0], pop_cells, pop_order, pop_rows, pop_cells.cols["personal_id"]),
        *[(layout, hssk_cells, hssk_export.file_order(rec, k), rec["person"].to_numpy(),
           hssk_cells.cols["record_id"]) for k, layout in enumerate(hssk_parts)],
        (lay["deaths"][0], death_cells, death_order, death_rows, None),
        (ins_layout, ins_cells, ins_order, ins_rows, ins_cells.cols["insurance_no"]),
        (lay["care"][0], care_cells, care_order, care_rows, None),
    ]
    previous = None
    for layout, cells, order, persons, record_ids in outputs:
        if cells is not previous:  # a new table: the Arrow copies of the previous one are no longer needed
            converted.clear()
            previous = cells
        path = out_dir / layout.file_name
        writers.write(path, layout, [cells.cols[f] for f in layout.headers], order, converted)
        files.setdefault(layout.kind, []).append(path)
        key.add_file(layout, cells, order, persons, record_ids)

    key.write_records()
    key.write_errors()
    n_records = np.bincount(rec["person"].to_numpy(), minlength=len(people))
    key.write_persons(people, people_arrow, n_records)
    write_table(truth_dir / "village_quality.csv", pd.DataFrame([q.as_row(v.name) for v, q in zip(vs, qualities)]))
    admin_bad = np.zeros(hssk_cells.n, dtype=bool)
    for rows, fld, kind, _ in hssk_cells.log:
        if kind == C.REAL and fld in truth.ADMIN_FIELDS:
            admin_bad[rows] = True
    kpi = truth.kpi_truth(people, rec, admin_bad, care_events, today, [v.name for v in vs])
    kpi["generator"] = {"residents": residents, "seed": seed, "fmt": fmt,
                        **({"profile": profile.name} if profile.name != "shipped" else {})}
    truth.write_kpi(truth_dir / "kpi_truth.json", kpi)
    (truth_dir / "README.md").write_text(readme_text(lay), encoding="utf-8")
    return {"files": files, "truth_dir": truth_dir}
