"""Snapshots, trend and projection (hssk.progress, queries/kpi_snapshot_*.sql, queries/kpi_projection.sql)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hssk import kpi, progress

TARGETS = {"kpi_admin": 0.95, "kpi_health": 0.90}
DEADLINE = date(2026, 4, 30)


def result(as_of: str, overall: dict, **villages) -> dict:
    return {"as_of": as_of, "overall": overall, "villages": villages}


@pytest.fixture
def history(con):
    kpi.ensure_schema(con)
    # Giang Cao: admin 0.50 → 0.60 in 28 days; health reaches 0.90. Khoan Tế: admin falls. Bát Tràng: one date.
    progress.record_snapshot(con, result("2026-01-31", {"kpi_admin": 0.40, "kpi_health": 0.50, "residents_alive": 9},
                                         **{"Giang Cao": {"kpi_admin": 0.50, "kpi_health": 0.80},
                                            "Khoan Tế": {"kpi_admin": 0.70, "kpi_health": 0.60}}),
                             taken_at=datetime(2026, 2, 1, 8))
    progress.record_snapshot(con, result("2026-02-28", {"kpi_admin": 0.99, "kpi_health": 0.10}),
                             taken_at=datetime(2026, 3, 1, 8))  # superseded below
    progress.record_snapshot(con, result("2026-02-28", {"kpi_admin": 0.54, "kpi_health": 0.58},
                                         **{"Giang Cao": {"kpi_admin": 0.60, "kpi_health": 0.90},
                                            "Khoan Tế": {"kpi_admin": 0.65, "kpi_health": 0.60},
                                            "Bát Tràng": {"kpi_admin": 0.30, "kpi_health": None}}),
                             taken_at=datetime(2026, 3, 1, 9))
    return con


def test_snapshots_are_long_format_with_one_id_per_run(history):
    rows = history.execute("select snapshot_id, count(*) from kpi_snapshots group by 1 order by 1").fetchall()
    assert rows == [(1, 7), (2, 2), (3, 8)]
    assert history.execute("select village, value from kpi_snapshots where key = 'residents_alive'").fetchall() == \
        [("", 9.0)]


def test_trend_keeps_the_latest_snapshot_per_reference_date(history):
    frame = progress.trend(history, village="", keys=("kpi_admin",))
    assert [(d.isoformat(), v) for d, v in zip(frame["as_of"].dt.date, frame["value"])] == \
        [("2026-01-31", 0.40), ("2026-02-28", 0.54)]


def test_values_before_a_date(history):
    before = progress.values_before(history, date(2026, 2, 27))
    assert before[("", "kpi_admin")] == 0.40 and before[("Giang Cao", "kpi_health")] == 0.80
    assert progress.values_before(history, date(2026, 3, 31))[("", "kpi_admin")] == 0.54
    assert progress.values_before(history, date(2026, 1, 1)) == {}


def projected(history):
    frame = progress.projection(history, DEADLINE, TARGETS)
    return {(r["village"], r["key"]): r for r in frame.to_dict("records")}


def test_projection_of_a_rising_village(history):
    row = projected(history)[("Giang Cao", "kpi_admin")]
    slope = 0.10 / 28  # per day
    assert row["slope_per_day"] == pytest.approx(slope)
    assert row["projected_at_deadline"] == pytest.approx(0.60 + slope * 61)  # 28/02 → 30/04 = 61 days
    # 0.35 to go at 0.1 per 28 days = 98 days after 28/02 → 06/06/2026, after the deadline
    assert row["reach_date"].date() == date(2026, 6, 6)
    assert row["status"] == "late"


def test_projection_statuses(history):
    got = {key: row["status"] for key, row in projected(history).items()}
    assert got[("Giang Cao", "kpi_health")] == "reached"
    assert got[("Khoan Tế", "kpi_admin")] == "not_progressing"
    assert got[("Bát Tràng", "kpi_admin")] == "insufficient_data"
    assert ("Bát Tràng", "kpi_health") not in got  # no value recorded
    # the commune: 0.40 → 0.54 in 28 days reaches 0.95 after 82 more days (21/05): late; health 0.50 → 0.58 too
    assert got[("", "kpi_admin")] == "late"


def test_a_faster_pace_is_on_track(history):
    row = projected(history)[("", "kpi_admin")]
    assert row["reach_date"].date() == date(2026, 5, 21)
    fast = progress.projection(history, date(2026, 6, 30), TARGETS)
    assert fast.set_index(["village", "key"]).loc[("", "kpi_admin"), "status"] == "on_track"


def test_chart_frame_has_observed_projected_and_target_lines(history):
    frame = progress.chart_frame(history, "Giang Cao", DEADLINE, TARGETS)
    admin = frame[frame["key"] == "kpi_admin"]
    assert sorted(set(admin["series"])) == ["observed", "projected", "target"]
    projected_line = admin[admin["series"] == "projected"]
    assert projected_line["date"].dt.date.tolist() == [date(2026, 2, 28), DEADLINE]
    assert projected_line["value"].iloc[1] == pytest.approx(0.60 + 0.10 / 28 * 61)


def test_without_snapshots_everything_is_empty(con):
    assert progress.trend(con).empty
    assert progress.projection(con, DEADLINE, TARGETS).empty
    assert progress.values_before(con, DEADLINE) == {}


def test_campaign_settings_come_from_the_config():
    settings = progress.campaign_settings({"campaign": {"deadline": "2026-04-30", "target_admin": 0.95,
                                                        "target_health": 0.9}})
    assert settings == {"deadline": DEADLINE, "targets": TARGETS}
