"""`kpi --json` against the generator's truth on a commune the model has never seen.

Ratios must be within 1 percentage point overall and 3 per village; counts are compared the same way, as a
share of the residents they are counted over.
"""

from __future__ import annotations

import json

import pytest

from hssk.db import connect
from hssk.demo import generate
from hssk.ingest.store import import_files
from hssk.kpi import compute
from hssk.link import run_linkage

RATIOS = ("coverage", "kpi_admin", "kpi_health")
COUNTS = ("residents_alive", "with_record", "missing_record", "duplicate_persons", "extra_records",
          "deceased_with_record", "off_register_records", "kpi_admin_count", "kpi_health_count")


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    root = tmp_path_factory.mktemp("kpi_truth")
    made = generate(root / "files", residents=2500, seed=9191)
    truth = json.loads((made["truth_dir"] / "kpi_truth.json").read_text())
    with connect(root / "db.duckdb") as con:
        for kind in ("population", "hssk", "deaths", "insurance", "care"):
            import_files(con, made["files"][kind], kind)
        run_linkage(con)
        kpis = compute(con, as_of=truth["as_of"])
    return kpis, truth


def _gaps(ours: dict, truth: dict) -> dict[str, float]:
    base = max(truth["residents_alive"], 1)
    gaps = {key: abs(ours[key] - truth[key]) for key in RATIOS}
    gaps.update({key: abs(ours[key] - truth[key]) / base for key in COUNTS})
    return gaps


def test_overall_figures_are_within_one_point_of_the_truth(measured):
    ours, truth = measured
    gaps = _gaps(ours["overall"], truth["overall"])
    assert max(gaps.values()) <= 0.01, {k: round(v, 4) for k, v in gaps.items() if v > 0.01}


def test_every_village_is_within_three_points_of_the_truth(measured):
    ours, truth = measured
    assert set(truth["villages"]) <= set(ours["villages"])
    for village, figures in truth["villages"].items():
        gaps = _gaps(ours["villages"][village], figures)
        assert max(gaps.values()) <= 0.03, (village, {k: round(v, 4) for k, v in gaps.items() if v > 0.03})
