"""Figures computed once per data state: the data-state token, stored KPI figures, the pace to the deadline."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from hssk import data_state, kpi, progress, refresh
from hssk.db import connect
from hssk.demo import generate
from hssk.ingest.store import import_files, undo_last_import
from hssk.link import record_decision


def split_one(con) -> None:
    """A reviewer's decision: one record of a person with several is split off."""
    key = con.execute("""select record_key from person_records where person_id in (
                             select person_id from person_records group by all having count(*) > 1)
                         order by record_key limit 1""").fetchall()[0][0]
    record_decision(con, "split", key, None, user="t", reason="không cùng người")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("per_state"), residents=500, seed=43)


@pytest.fixture
def station(made):
    con = connect(":memory:")
    for kind in ("population", "hssk", "deaths"):
        import_files(con, made["files"][kind], kind)
    refresh.bring_up_to_date(con)
    return con


def test_the_token_changes_with_every_kind_of_change(station, made):
    con = station
    seen = [data_state.version(con)]
    assert data_state.version(con) == seen[-1]  # nothing changed: the same token

    split_one(con)
    seen.append(data_state.version(con))
    assert seen[-1][0] != seen[-2][0]  # a decision

    import_files(con, made["files"]["population"][:1], "population", note="again")  # same file: skipped
    undo_last_import(con)
    seen.append(data_state.version(con))
    assert seen[-1][0] != seen[-2][0]  # an undo

    refresh.record_state_snapshot(con)
    seen.append(data_state.version(con))
    assert seen[-1][0] == seen[-2][0] and seen[-1][1] != seen[-2][1]  # a snapshot changes the history only


def test_stored_figures_equal_computed_ones_and_follow_the_data(station, made):
    con = station
    as_of = "2026-11-30"
    first = kpi.compute_current(con, as_of)
    assert first == kpi.compute(con, as_of)
    assert con.execute("select count(*) from kpi_results where as_of = ?", [as_of]).fetchall()[0][0] == 1
    again = kpi.compute_current(con, as_of)
    assert json.dumps(again) == json.dumps(first)  # read back: same keys, order and values

    # A direct change of the persons (as a decision makes) is a new state: the figures are computed again.
    split_one(con)
    after = kpi.compute_current(con, as_of)
    assert after == kpi.compute(con, as_of)
    assert con.execute("select count(distinct state) from kpi_results").fetchall()[0][0] == 1  # old state gone


def test_the_refresh_stores_the_figures_pages_read(made):
    con = connect(":memory:")
    for kind in ("population", "hssk"):
        import_files(con, made["files"][kind], kind)
    refresh.bring_up_to_date(con)
    stored = con.execute("select state, result from kpi_results").fetchall()
    assert len(stored) == 1 and stored[0][0] == kpi.result_state(con)
    assert json.loads(stored[0][1]) == kpi.compute(con)


def test_completeness_from_the_kpis_equals_the_measured_shares(station):
    result = kpi.compute(station)
    village = next(iter(result["villages"]))
    measured = kpi.field_completeness(station)
    measured = measured[measured["village"].isin([kpi.OVERALL, village])].dropna(subset=["filled_ratio"])
    derived = kpi.completeness_from_result(result, [kpi.OVERALL, village])
    merged = measured.merge(derived, on=["village", "field"], suffixes=("_m", "_d"))
    assert len(merged) == len(measured) == len(derived) > 0
    assert ((merged["filled_ratio_m"] - merged["filled_ratio_d"]).abs() < 1e-6).all()


def test_a_passed_deadline_is_said_plainly():
    assert progress.deadline_note(date(2026, 4, 30), date(2026, 12, 2)) == (
        True, "Đã quá hạn chiến dịch (30/04/2026) 216 ngày.")
    assert progress.deadline_note(date(2026, 12, 31), date(2026, 12, 2)) == (
        False, "Còn 29 ngày đến hạn chót 31/12/2026.")
    assert progress.deadline_note(date(2026, 12, 2), date(2026, 12, 2))[0] is False


def test_the_pace_to_the_deadline():
    projected = pd.DataFrame([
        {"village": "", "key": "kpi_admin", "target": 0.95, "last_value": 0.65, "slope_per_day": 0.002},
        {"village": "", "key": "kpi_health", "target": 0.90, "last_value": 0.95, "slope_per_day": None},
        {"village": "Thôn 1", "key": "kpi_admin", "target": 0.95, "last_value": 0.1, "slope_per_day": 0.0},
    ])
    pace = progress.pace(projected, deadline=date(2026, 12, 31), today=date(2026, 12, 1)).set_index("key")
    assert list(pace.index) == ["kpi_admin", "kpi_health"]
    assert pace.loc["kpi_admin", "days_left"] == 30
    assert pace.loc["kpi_admin", "needed_per_month"] == pytest.approx(0.30)  # 30 points in 30 days
    assert pace.loc["kpi_admin", "observed_per_month"] == pytest.approx(0.06)
    assert pace.loc["kpi_health", "needed_per_month"] == 0.0  # reached
    assert pd.isna(pace.loc["kpi_health", "observed_per_month"])
    late = progress.pace(projected, deadline=date(2026, 11, 1), today=date(2026, 12, 1)).set_index("key")
    assert pd.isna(late.loc["kpi_admin", "needed_per_month"])  # the deadline passed: no pace can reach it
