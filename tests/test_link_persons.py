"""Stable person ids, events, reviewer decisions and the review queue — on hand-made rows and pairs.

Scored pairs are written straight into link_predictions (no Splink here), so every case is exact.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from hssk.errors import HsskError
from hssk.link import export_clusters, record_decision, resolve_person_id, undo_decision
from tests.sample import add_batch, scored_run

PID_AN = "001085000001"
PID_BINH = "001090000002"

REGISTER = [
    {"full_name": "Nguyễn Văn An", "birth": "1985-03-12", "sex": "M", "personal_id": PID_AN, "village": "Giang Cao"},
    {"full_name": "Trần Thị Bình", "birth": "1990-07-01", "sex": "F", "personal_id": PID_BINH, "village": "Giang Cao"},
]
HSSK = [
    {"record_id": "H1", "full_name": "Nguyễn Văn An", "birth": "1985-03-12", "sex": "M", "personal_id": PID_AN},
    {"record_id": "H2", "full_name": "Nguyễn An", "birth": "1985", "sex": "M"},
    {"record_id": "H3", "full_name": "Lê Văn Cường", "birth": "2001-05-05", "sex": "M"},
    {"record_id": "H4", "full_name": "Lê Văn Cường", "birth": "2001-05-05", "sex": "M"},
    {"record_id": "H5", "full_name": "Trần Thị Bình", "birth": "1990-07-01", "sex": "F"},
]
P_AN, P_BINH = f"population:{PID_AN}", f"population:{PID_BINH}"
PAIRS = [
    ("hssk:H1", P_AN, 0.9999),
    ("hssk:H1", "hssk:H2", 0.995),
    ("hssk:H3", "hssk:H4", 0.999),
    ("hssk:H5", P_BINH, 0.97),  # below upper: waits for a reviewer
]


def person_of(con, record_key: str) -> str:
    return con.execute("select person_id from person_records where record_key = ?", [record_key]).fetchall()[0][0]


def mapping(con) -> dict[str, str]:
    return dict(con.execute("select record_key, person_id from person_records").fetchall())


@pytest.fixture
def linked(con):
    add_batch(con, "population", REGISTER)
    add_batch(con, "hssk", HSSK)
    scored_run(con, PAIRS)
    return con


def test_register_anchored_person_uses_the_personal_id(linked):
    assert person_of(linked, P_AN) == "P" + PID_AN
    assert person_of(linked, "hssk:H1") == person_of(linked, "hssk:H2") == "P" + PID_AN


def test_hssk_only_person_gets_a_deterministic_generated_id(linked):
    expected = "G" + hashlib.sha1(b"hssk:H3").hexdigest()[:10].upper()
    assert person_of(linked, "hssk:H3") == person_of(linked, "hssk:H4") == expected


def test_pairs_below_upper_wait_in_the_review_queue(linked):
    queue = linked.execute("select record_key_l, record_key_r from review_queue").fetchall()
    assert queue == [("hssk:H5", P_BINH)]
    assert person_of(linked, "hssk:H5") != person_of(linked, P_BINH)


def test_every_record_has_exactly_one_person_and_export_lists_them(linked):
    frame = export_clusters(linked)
    assert len(frame) == len(REGISTER) + len(HSSK)
    assert frame["person_id"].notna().all()
    assert set(frame.columns) == {"source", "record_id", "person_id"}
    assert set(frame.loc[frame.source == "population", "record_id"]) == {PID_AN, PID_BINH}
    n_keys = linked.execute("select count(*), count(distinct record_key) from person_records").fetchall()[0]
    assert n_keys[0] == n_keys[1] == len(REGISTER) + len(HSSK)


def test_rerun_keeps_every_person_id_and_adds_no_events(linked):
    before = mapping(linked)
    n_events = linked.execute("select count(*) from person_events").fetchall()[0][0]
    scored_run(linked, PAIRS)
    assert mapping(linked) == before
    assert linked.execute("select count(*) from person_events").fetchall()[0][0] == n_events


def test_new_export_keeps_generated_ids_of_unchanged_people(linked):
    generated = person_of(linked, "hssk:H3")
    # next month's export: H3/H4 unchanged, a new record H6 that is H3 again, H1 dropped
    add_batch(linked, "hssk", HSSK[1:] + [{"record_id": "H6", "full_name": "Lê Văn Cường", "birth": "2001-05-05"}])
    scored_run(linked, [("hssk:H3", "hssk:H4", 0.999), ("hssk:H4", "hssk:H6", 0.999), ("hssk:H2", P_AN, 0.995)])
    assert person_of(linked, "hssk:H6") == person_of(linked, "hssk:H3") == generated
    assert person_of(linked, "hssk:H2") == "P" + PID_AN
    assert "hssk:H1" not in mapping(linked)


def test_generated_person_merged_into_register_person_is_resolvable(linked):
    generated = person_of(linked, "hssk:H3")
    add_batch(linked, "population", REGISTER + [
        {"full_name": "Lê Văn Cường", "birth": "2001-05-05", "sex": "M", "personal_id": "001201000003"}])
    scored_run(linked, PAIRS + [("hssk:H3", "population:001201000003", 0.9999)])
    assert person_of(linked, "hssk:H3") == "P001201000003"
    events = linked.execute("select event, person_id, record_key from person_events where other_person_id = ? "
                            "order by event_id", [generated]).fetchall()
    assert events == [("merged", "P001201000003", None), ("moved_record", "P001201000003", "hssk:H3"),
                      ("moved_record", "P001201000003", "hssk:H4")]
    assert resolve_person_id(linked, generated) == "P001201000003"
    assert linked.execute("select retired_at is not null from persons where person_id = ?",
                          [generated]).fetchall()[0][0]


def test_accept_links_and_survives_reruns(linked):
    record_decision(linked, "accept", "hssk:H5", P_BINH, user="lan", reason="Cùng CCCD trên giấy tờ")
    assert person_of(linked, "hssk:H5") == "P" + PID_BINH
    assert linked.execute("select count(*) from review_queue").fetchall()[0][0] == 0
    scored_run(linked, PAIRS)
    assert person_of(linked, "hssk:H5") == "P" + PID_BINH


def test_reject_separates_and_undo_restores(linked):
    decision = record_decision(linked, "reject", "hssk:H2", "hssk:H1", user="lan", reason="Khác cha mẹ")
    assert person_of(linked, "hssk:H2") != person_of(linked, "hssk:H1")
    split_id = person_of(linked, "hssk:H2")
    assert linked.execute("select count(*) from person_events where event = 'split' and other_person_id = ?",
                          [split_id]).fetchall()[0][0] == 1
    scored_run(linked, PAIRS)  # sticky: a re-run does not undo it
    assert person_of(linked, "hssk:H2") == split_id
    undo_decision(linked, decision, user="minh", reason="Nhầm hồ sơ")
    assert person_of(linked, "hssk:H2") == "P" + PID_AN
    assert resolve_person_id(linked, split_id) == "P" + PID_AN


def test_split_takes_one_record_out_of_its_person(linked):
    record_decision(linked, "split", "hssk:H4", user="lan", reason="Hồ sơ của người khác")
    assert person_of(linked, "hssk:H4") != person_of(linked, "hssk:H3")
    kept = person_of(linked, "hssk:H3")
    scored_run(linked, PAIRS)
    assert person_of(linked, "hssk:H3") == kept
    assert person_of(linked, "hssk:H4") != kept


def test_decisions_are_append_only_with_who_and_why(linked):
    first = record_decision(linked, "reject", "hssk:H3", "hssk:H4", user="lan", reason="Sinh đôi")
    undo_decision(linked, first, user="minh", reason="Không phải sinh đôi")
    rows = linked.execute("select decision_id, user_name, action, reason, undoes, \"at\" from decisions "
                          "order by decision_id").fetchall()
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        ("lan", "reject", "Sinh đôi", None), ("minh", "undo", "Không phải sinh đôi", first)]
    assert all(r[5] is not None for r in rows)
    assert person_of(linked, "hssk:H3") == person_of(linked, "hssk:H4")


@pytest.mark.parametrize("action,left,right,reason", [
    ("accept", P_AN, P_BINH, "hai người dân"),
    ("accept", "hssk:H1", None, "thiếu hồ sơ thứ hai"),
    ("merge", "hssk:H1", "hssk:H2", "sai loại"),
    ("reject", "hssk:H1", "hssk:H2", ""),
    ("reject", "hssk:H1", "hssk:NOPE", "không có hồ sơ"),
])
def test_bad_decisions_are_refused_in_vietnamese(linked, action, left, right, reason):
    with pytest.raises(HsskError) as info:
        record_decision(linked, action, left, right, user="lan", reason=reason)
    assert info.value.message
    assert linked.execute("select count(*) from decisions").fetchall()[0][0] == 0


def test_undo_of_unknown_decision_is_refused(linked):
    with pytest.raises(HsskError):
        undo_decision(linked, 999, user="lan", reason="thử")


def test_review_pairs_show_both_records_side_by_side(linked):
    from hssk.link.review import person_history, person_records, review_pairs

    pairs = review_pairs(linked)
    assert len(pairs) == 1
    row = pairs.iloc[0]
    assert (row.reason, row.record_key_l, row.record_key_r) == ("uncertain", "hssk:H5", P_BINH)
    assert row.full_name_l == row.full_name_r == "Trần Thị Bình"
    assert row.personal_id_r == PID_BINH and row.personal_id_l is None
    assert review_pairs(linked, reason="conflict").empty

    assert set(person_records(linked, "P" + PID_AN)["record_id"]) == {"H1", "H2", PID_AN}
    record_decision(linked, "accept", "hssk:H5", P_BINH, user="lan", reason="Cùng người")
    history = person_history(linked, "P" + PID_BINH)
    assert list(history["event"]) == ["created", "merged", "moved_record"]  # H5's own person merged in


def test_undo_of_an_accept_unmerges(linked):
    alone = person_of(linked, "hssk:H5")
    decision = record_decision(linked, "accept", "hssk:H5", P_BINH, user="lan", reason="Cùng người")
    assert person_of(linked, "hssk:H5") == "P" + PID_BINH
    undo_decision(linked, decision, user="minh", reason="Nhầm: khác ngày cấp CCCD")
    assert person_of(linked, "hssk:H5") == alone  # its old generated id comes back
    assert resolve_person_id(linked, alone) == alone
    assert linked.execute("select count(*) from review_queue where record_key_l = 'hssk:H5'").fetchall()[0][0] == 1


def test_the_queue_shows_first_the_pairs_that_change_a_kpi_and_says_what_waits(tmp_path):
    """An HSSK record that matches nobody (off the register) and a register person without a record, paired in
    the review band, come before a stronger pair that changes no count; queue_stakes counts them."""
    from hssk.db import connect
    from hssk.link.prepare import ensure_schema
    from hssk.link.review import queue_stakes, review_pairs

    con = connect(":memory:")
    queue = [("hssk:A", "population:111111111111", "hssk", "population", 0.70, 1.0),
             ("hssk:B", "population:222222222222", "hssk", "population", 0.95, 4.0)]
    ensure_schema(con)
    con.execute("insert into link_runs (run_id, started_at, thresholds, n_records, n_pairs) values "
                "(1, now()::timestamp, ?, 4, 2)", [json.dumps({"upper": 0.99, "lower": 0.5})])
    for key_l, key_r, kind_l, kind_r, p, w in queue:
        con.execute("insert into link_predictions values (1, ?, ?, ?, ?, ?, ?, false)", [key_l, key_r, kind_l, kind_r, p, w])
    # B already belongs to the register person 2 through another record; A and register person 1 are alone.
    con.execute("""insert into person_records values ('hssk:A', 'hssk', 'A', 'GA', 1),
        ('population:111111111111', 'population', '111111111111', 'P111111111111', 1),
        ('hssk:B', 'hssk', 'B', 'GB', 1), ('hssk:B2', 'hssk', 'B2', 'P222222222222', 1),
        ('population:222222222222', 'population', '222222222222', 'P222222222222', 1)""")
    pairs = review_pairs(con)
    assert list(pairs["record_key_l"]) == ["hssk:A", "hssk:B"]
    assert list(pairs["impact"]) == [2, 1]
    stakes = queue_stakes(con)
    assert stakes["residents_missing_record"] == 1 and stakes["records_off_register"] == 2
    assert stakes["coverage_points"] == 50.0
