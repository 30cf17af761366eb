"""Search before create: a clerk's typed details find the person already known, with why."""

from __future__ import annotations

import pytest

from hssk.db import connect
from hssk.demo import generate
from hssk.errors import HsskError
from hssk.ingest.store import import_files
from hssk.link import run_linkage
from hssk.link.lookup import find_persons
from hssk.normalize import strip_accents


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    made = generate(tmp_path_factory.mktemp("lookup"), residents=1200, seed=808)
    con = connect(":memory:")
    for kind in ("population", "hssk", "insurance"):
        import_files(con, made["files"][kind], kind)
    run_linkage(con)
    return con


def test_typed_name_and_birth_date_find_the_person_first(con):
    people = con.execute("""
        select p.person_id, c.full_name, c.birth_text from current_clean c join person_records p using (record_key)
        where c.kind = 'population' and c.birth_precision = 'day' order by c.record_key limit 12 offset 40""").fetchall()
    for person_id, name, birth in people:
        year, month, day = birth.split("-")
        typed = {"full_name": strip_accents(name).replace("đ", "d").replace("Đ", "D").upper(),
                 "birth_date": f"{day}/{month}/{year}"}
        found = find_persons(con, typed)
        assert found["person_id"][0] == person_id, (typed, found.head(2).to_dict("records"))
        assert found["match_probability"][0] > 0.9
        assert any("Ngày sinh" in phrase for phrase in found["explanation"][0])
    assert len(found) <= 5 and found["person_id"].is_unique


def test_a_personal_id_alone_finds_its_person(con):
    person_id, pid = con.execute("select p.person_id, c.personal_id from current_clean c join person_records p "
                                 "using (record_key) where c.kind = 'population' limit 1 offset 99").fetchall()[0]
    assert find_persons(con, {"personal_id": pid})["person_id"][0] == person_id


def test_nothing_typed_is_a_clear_error(con):
    with pytest.raises(HsskError, match="ít nhất một thông tin"):
        find_persons(con, {"full_name": "  "})
