"""kpi_admin case by case: one register person per case (each in its own village), its records differing from
the register in one way each."""

from __future__ import annotations

import pytest

from hssk import kpi
from tests.kpi_world import AS_OF, KT, birth_cols, case_world, single

# (case, register changes, record changes (one dict per record), counts as agreeing)
CASES = [
    ("identical", {}, [{}], True),
    ("capitals, double space (same name key)", {}, [{"full_name_orig": "NGUYỄN  THỊ AN"}], True),
    ("legacy encoding repaired (same key)", {}, [{"full_name_orig": "NguyÔn ThÞ An"}], True),
    ("sex as a code", {}, [{"sex_orig": "2"}], True),
    ("ethnicity as a name", {}, [{"ethnicity_orig": "kinh"}], True),
    ("lost leading zero restored", {}, [{"personal_id_orig": "1190000001"}], True),
    ("missing middle name", {}, [{"name_key": "nguyễn an"}], False),
    ("name without diacritics", {}, [{"name_key": "nguyen thi an"}], False),
    ("typo in the name", {}, [{"name_key": "nguyễn thị ân"}], False),
    ("birth date off by a day", {}, [birth_cols("1990-05-11")], False),
    ("birth year only", {}, [birth_cols("1990")], False),
    ("no birth date", {}, [{"birth_date": None, "birth_precision": None, "birth_text": None}], False),
    ("register knows the year only", birth_cols("1990"), [birth_cols("1990")], False),
    ("other sex", {}, [{"sex": "M"}], False),
    ("no sex", {}, [{"sex": ""}], False),
    ("CMND in place of the personal ID", {}, [{"personal_id": None, "old_id": "012345678"}], False),
    ("other personal ID", {}, [{"personal_id": "001190000009"}], False),
    ("no ethnicity", {}, [{"ethnicity_code": None}], False),
    ("other ethnicity", {}, [{"ethnicity_code": "02"}], False),
    ("register without ethnicity", {"ethnicity_code": None}, [{"ethnicity_code": None}], False),
    ("other village", {}, [{"village": KT}], False),
    ("no village", {}, [{"village": None}], False),
    ("two identical records", {}, [{}, {}], False),
    ("no record", {}, [], False),
]


@pytest.fixture(scope="module")
def admin_by_case():
    con = case_world([(name, {"register": register, "records": records}) for name, register, records, _ in CASES])
    frame = kpi.admin(con, AS_OF).set_index("village")
    con.close()
    return frame


@pytest.mark.parametrize(("name", "agrees"), [(c[0], c[3]) for c in CASES], ids=[c[0] for c in CASES])
def test_admin_agreement(admin_by_case, name, agrees):
    row = admin_by_case.loc[name]
    assert (row["kpi_admin_count"], row["kpi_admin"]) == ((1, 1.0) if agrees else (0, 0.0))


def test_overall_row_adds_up_the_cases(admin_by_case):
    agreeing = sum(1 for c in CASES if c[3])
    assert admin_by_case.loc["", "kpi_admin_count"] == agreeing
    assert admin_by_case.loc["", "kpi_admin"] == pytest.approx(agreeing / len(CASES))


def test_a_deceased_person_is_not_in_the_denominator(con):
    single(con, {"status": "dead"}, [{}])
    row = kpi.admin(con, AS_OF).set_index("village").loc[""]
    assert row["kpi_admin_count"] == 0 and row["kpi_admin"] != row["kpi_admin"]  # NaN: no resident alive
