"""A person's claim visits and diagnoses (the Thôn person view), on hand-made people."""

from __future__ import annotations

from test_app import accounts, accounts_template, app_db  # noqa: F401  (fixtures)
from test_claims_health import NOTHING, visit, world_of

from hssk import visits
from tests.kpi_world import ensure_link_tables


def test_a_persons_visits_newest_first_with_their_categories(con):
    world_of(con, [
        ("001080000001", {}, [NOTHING], [visit("LK1", "2026-01-05", "I10;E11.9", text="Khám tăng huyết áp"),
                                          visit("LK2", "2026-03-01", "Z24.6", facility="01999"),
                                          visit("LK3", "2025-12-01", "R51")]),
        ("001080000002", {}, [NOTHING], [visit("LK9", "2026-02-01", "A09")]),
    ])
    seen = visits.person_visits(con, "P001080000001")
    assert seen["visit_key"].tolist() == ["LK2", "LK1", "LK3"]  # newest first; another person's visit is not listed
    first = seen.set_index("visit_key")
    assert first.loc["LK1", "diagnoses"] == "I10; E11.9"  # main diagnosis first
    assert first.loc["LK1", "categories"] == "Tăng huyết áp (I10); Đái tháo đường (E11.9)"
    assert first.loc["LK1", "event_description"] == "Khám tăng huyết áp"
    assert first.loc["LK2", "facility"] == "01999"
    assert first.loc["LK2", "categories"] == "Tiêm chủng phòng bệnh do virus (Z24.6)"
    assert first.loc["LK3", "categories"] == ""  # a symptom code fills no category


def test_no_visits_and_nothing_linked_yet_give_an_empty_list(con):
    assert visits.person_visits(con, "P1").empty  # no link tables yet
    ensure_link_tables(con)
    assert visits.person_visits(con, "P1").empty


def test_the_village_page_shows_a_persons_visits(accounts):
    from test_app import logged_in

    from hssk import db

    con = db.connect(accounts)
    world_of(con, [("001080000001", {}, [NOTHING], [visit("LK1", "2026-01-05", "I10;E11.9"),
                                                     visit("LK2", "2026-03-01", "Z24.6")])])
    con.close()
    at = logged_in("truong_tram")
    at.switch_page("pages/thon.py").run()
    assert not at.exception
    at.text_input(key="village_person").input("P001080000001").run()
    assert not at.exception
    shown = at.dataframe[-1].value
    assert shown["Mã lượt khám (MA_LK)"].tolist() == ["LK2", "LK1"]
    assert "Tăng huyết áp (I10)" in shown["Thông tin sức khỏe điền được"].iloc[1]
    assert shown["Ngày khám"].tolist() == ["01/03/2026", "05/01/2026"]
