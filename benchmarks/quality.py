"""Linkage quality over generator profiles × seeds: the automatic links against the generator's truth.

For every (profile, seed): generate a commune (hssk.demo.profiles), import it (reading the profile's own
villages when it has them), link with the shipped model, then report the pairwise precision / recall / F1 of the
automatic links (HSSK–HSSK and HSSK–register pairs), the largest KPI error overall and per village over every key
of `kpi --json` the truth holds (hssk.link.evaluate.kpi_gaps), and the review queue as a share of the records.

    .venv/bin/python benchmarks/quality.py --residents 4000 --profiles families noisy --seeds 1 2 3

Targets (issue 14): precision ≥ 0.999, recall ≥ 0.995, KPI error ≤ 0,5 pp overall and ≤ 1,5 pp per village,
review queue ≤ 2 % of the records.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hssk import reference
from hssk.db import connect
from hssk.demo import generate
from hssk.demo.profiles import PROFILES
from hssk.ingest.store import import_files
from hssk.kpi import compute
from hssk.link import run_linkage
from hssk.link.evaluate import evaluate, kpi_gaps, review_load

KIND_ORDER = ("population", "hssk", "deaths", "insurance", "care")
TARGETS = {"precision": 0.999, "recall": 0.995, "kpi_overall": 0.005, "kpi_village": 0.015, "review": 0.02}


def measure(workdir: Path, profile: str, seed: int, residents: int, model_path: Path | None = None) -> dict:
    """One world: generate, import, link, evaluate. Returns the figures of one table row."""
    started = time.perf_counter()
    made = generate(workdir / "files", residents=residents, seed=seed, profile=profile)
    truth = json.loads((made["truth_dir"] / "kpi_truth.json").read_text())
    scope = reference.using(made["reference_dir"]) if made["reference_dir"] else contextlib.nullcontext()
    with scope, connect(workdir / "db.duckdb") as con:
        for kind in KIND_ORDER:
            if made["files"].get(kind):
                import_files(con, made["files"][kind], kind)
        t = time.perf_counter()
        result = run_linkage(con, model_path=model_path)
        link_seconds = time.perf_counter() - t
        kpis = compute(con, as_of=truth["as_of"])
        scores = evaluate(con, made["truth_dir"])
        gaps = kpi_gaps(kpis, truth)
        load = review_load(con)
    h = scores["headline"]
    return {
        "profile": profile, "seed": seed, "residents": residents, "records": load["records"],
        "precision": h["precision"], "recall": h["recall"], "f1": h["f1"],
        "missed_pairs": h["true_pairs"] - h["correct_pairs"], "wrong_pairs": h["predicted_pairs"] - h["correct_pairs"],
        "kpi_overall": gaps["max_overall"][1], "kpi_overall_key": gaps["max_overall"][0],
        "kpi_village": gaps["max_village"][2], "kpi_village_key": f"{gaps['max_village'][1]} ({gaps['max_village'][0]})",
        "review_pairs": load["pairs"], "review_share": load["share"], "n_pairs": result.n_pairs,
        "link_seconds": link_seconds, "seconds": time.perf_counter() - started,
    }


def met(row: dict) -> bool:
    return (row["precision"] >= TARGETS["precision"] and row["recall"] >= TARGETS["recall"]
            and row["kpi_overall"] <= TARGETS["kpi_overall"] and row["kpi_village"] <= TARGETS["kpi_village"]
            and row["review_share"] <= TARGETS["review"])


def table(rows: list[dict]) -> str:
    head = (f"{'profile':9} {'seed':>4} {'records':>7} {'precision':>9} {'recall':>7} {'F1':>7} {'missed':>6} "
            f"{'wrong':>5} {'KPI pp':>6} {'village pp':>10} {'queue %':>7} {'met':>4}  worst KPI (village)")
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['profile']:9} {r['seed']:>4} {r['records']:>7} {r['precision']:9.4f} {r['recall']:7.4f} {r['f1']:7.4f} "
            f"{r['missed_pairs']:>6} {r['wrong_pairs']:>5} {100 * r['kpi_overall']:6.2f} {100 * r['kpi_village']:10.2f} "
            f"{100 * r['review_share']:7.2f} {'yes' if met(r) else 'no':>4}  {r['kpi_overall_key']}; {r['kpi_village_key']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=4000)
    parser.add_argument("--profiles", nargs="+", default=["families", "noisy"], choices=list(PROFILES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--model", help="a saved model other than the configured one")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--workdir", help="keep the generated worlds here (default: a temp dir, removed)")
    args = parser.parse_args(argv)
    root = Path(args.workdir or tempfile.mkdtemp(prefix="hssk-quality-"))
    rows = []
    try:
        for profile in args.profiles:
            for seed in args.seeds:
                work = root / f"{profile}-{seed}"
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir(parents=True)
                rows.append(measure(work, profile, seed, args.residents, Path(args.model) if args.model else None))
                print(table(rows[-1:]).splitlines()[1], file=sys.stderr, flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(root, ignore_errors=True)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0 if all(met(r) for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
