"""End-to-end benchmark: generate → import (+ standardisation) → linkage → clusters → KPIs.

Prints wall time and peak memory (RSS) per stage, the linkage F1 against the generator's truth, and a
side-by-side baseline: plain Splink with the same model on the same prepared table, so the project's
overhead is a measured ratio. Generation is timed but not part of the end-to-end figure.

    .venv/bin/python benchmarks/run.py --residents 50000
    .venv/bin/python benchmarks/run.py --residents 1000000 --fmt csv

Residents live in villages of about 5,000 people, as in a real city: above the station's own list the run
writes that many synthetic villages into a copy of the reference directory (hssk.demo.city);
`--villages station` keeps the station's 12 villages whatever the size (a namesake stress test).
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hssk import reference
from hssk.db import connect
from hssk.demo import generate
from hssk.demo.city import villages_needed, write_city_reference
from hssk.ingest.store import import_files
from hssk.kpi import compute
from hssk.link import evaluate, predict, prepare, run_linkage, train
from hssk.link.run import linkage_config

KIND_ORDER = ("population", "hssk", "deaths", "insurance", "care")


def rss_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class PeakMemory:
    """Samples this process's RSS every 20 ms; DuckDB and Arrow allocate in-process, so they count."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.02)

    def __enter__(self):
        self.peak = rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


STAGES: list[dict] = []


@contextmanager
def stage(name: str, counted: bool = True):
    print(f"… {name}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    with PeakMemory() as mem:
        yield
    STAGES.append({"stage": name, "seconds": time.perf_counter() - started, "peak_gb": mem.peak / 2**30,
                   "counted": counted})


def plain_splink_baseline(con, model_path: Path, lower: float, upper: float, *, integer_ids: bool) -> float:
    """Plain Splink on the same prepared table with the same saved model: predict + cluster, nothing else.

    integer_ids=False: the table as prepare.input_table gives it, record keys as Splink's ids (how plain Splink is
    called on it); True: the table as the project hands it to Splink, integer ids (predict.scoring_input)."""
    import duckdb
    from splink import DuckDBAPI, Linker

    records = prepare.input_table(con)
    if integer_ids:
        records, _ = predict.scoring_input(records)
    settings = train.load_settings(model_path)
    started = time.perf_counter()
    work = duckdb.connect(":memory:")
    work.register("input_arrow", records)
    work.execute("create table input as select * from input_arrow")
    linker = Linker(DuckDBAPI(connection=work).register("input"), settings, log_level=logging.ERROR)
    pairs = linker.inference.predict(threshold_match_probability=lower)
    linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, threshold_match_probability=upper)
    seconds = time.perf_counter() - started
    work.close()
    return seconds


def generated_files(out_dir: Path, residents: int, seed: int, fmt: str, villages: int, reuse: bool) -> dict:
    """The generator's files, or with --reuse the ones a previous run left in the same place for the same
    parameters (generating a million residents takes longer than the pipeline itself)."""
    manifest = out_dir / "manifest.json"
    wanted = {"residents": residents, "seed": seed, "fmt": fmt, "villages": villages}
    if reuse and manifest.exists():
        saved = json.loads(manifest.read_text())
        if saved["params"] == wanted:
            return {"files": {k: [Path(p) for p in v] for k, v in saved["files"].items()},
                    "truth_dir": Path(saved["truth_dir"])}
    made = generate(out_dir, residents=residents, seed=seed, fmt=fmt)
    manifest.write_text(json.dumps({"params": wanted, "truth_dir": str(made["truth_dir"]),
                                    "files": {k: [str(p) for p in v] for k, v in made["files"].items()}}))
    return made


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--fmt", choices=["mixed", "csv"], default=None,
                        help="file formats (default: mixed .xlsx/.csv up to 100k residents, csv above)")
    parser.add_argument("--workdir", help="keep generated files and the database here (default: a temp dir)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the files already generated in --workdir for the same size, seed and format")
    parser.add_argument("--villages", default="auto",
                        help="'auto' (default): the station's villages while they hold the residents at about "
                             "5,000 each, else that many synthetic villages, as a city has; 'station': always the "
                             "station's list (a stress test: 83,000 per village at 1M); or a number")
    parser.add_argument("--retrain", action="store_true", help="train the model on this data instead of loading it")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    fmt = args.fmt or ("mixed" if args.residents <= 100_000 else "csv")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="hssk-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    station_villages = len(reference.villages())
    villages = {"auto": villages_needed(args.residents), "station": station_villages}.get(args.villages)
    villages = villages or int(args.villages)
    if villages == station_villages:
        return run(args, fmt, workdir, villages)
    with reference.using(write_city_reference(workdir / "reference", villages, seed=args.seed)):
        return run(args, fmt, workdir, villages)


def run(args, fmt: str, workdir: Path, villages: int) -> int:
    db_path = workdir / "bench.duckdb"
    db_path.unlink(missing_ok=True)
    config = linkage_config()
    model_path = workdir / "model.json" if args.retrain else config["model_path"]

    with stage("generate (not counted)", counted=False):
        made = generated_files(workdir / "files", args.residents, args.seed, fmt, villages, args.reuse)
    con = connect(db_path)
    n_rows = 0
    with stage("import + standardise"):
        for kind in KIND_ORDER:
            paths = made["files"].get(kind) or []
            if paths:
                n_rows += import_files(con, paths, kind).n_rows
    with stage("linkage + clusters + persons"):
        result = run_linkage(con, retrain=args.retrain, model_path=model_path)
    with stage("KPIs"):
        kpis = compute(con)
    scores = evaluate(con, made["truth_dir"])
    baseline = plain_splink_baseline(con, model_path, config["lower"], config["upper"], integer_ids=False)
    baseline_ids = plain_splink_baseline(con, model_path, config["lower"], config["upper"], integer_ids=True)
    con.close()

    linkage_seconds = next(s["seconds"] for s in STAGES if s["stage"].startswith("linkage"))
    counted = [s for s in STAGES if s["counted"]]
    figures = {
        "residents": args.residents, "villages": villages, "rows_imported": n_rows, "fmt": fmt,
        "machine": platform.platform(),
        "stages": STAGES,
        "end_to_end_seconds": sum(s["seconds"] for s in counted),
        "peak_gb": max(s["peak_gb"] for s in counted),
        "linkage_timings": {k: round(v, 2) for k, v in result.timings.items()},
        "plain_splink_seconds": baseline, "linkage_over_baseline": linkage_seconds / baseline,
        "plain_splink_integer_ids_seconds": baseline_ids, "linkage_over_integer_ids": linkage_seconds / baseline_ids,
        "f1": scores["headline"]["f1"], "precision": scores["headline"]["precision"],
        "recall": scores["headline"]["recall"], "kpi_admin": kpis["overall"]["kpi_admin"],
    }
    print(f"\nHSSK benchmark — {args.residents:,} residents in {villages:,} villages, {n_rows:,} rows imported "
          f"({fmt}), {platform.node()}")
    print(f"{'stage':32} {'seconds':>9} {'peak GB':>9}")
    for s in STAGES:
        print(f"{s['stage']:32} {s['seconds']:9.1f} {s['peak_gb']:9.2f}")
    print(f"{'end to end (counted stages)':32} {figures['end_to_end_seconds']:9.1f} {figures['peak_gb']:9.2f}")
    print(f"linkage stage {linkage_seconds:.1f} s vs plain Splink {baseline:.1f} s → ratio "
          f"{figures['linkage_over_baseline']:.2f} (Splink given integer ids, as the project does: {baseline_ids:.1f} s "
          f"→ ratio {figures['linkage_over_integer_ids']:.2f})")
    print(f"pairwise F1 {figures['f1']:.4f} (precision {figures['precision']:.4f}, recall {figures['recall']:.4f})")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
