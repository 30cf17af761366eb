"""kpi_health case by case (one register person per case, each in its own village): which categories apply and
what counts as filled. Reference date 2026-03-31."""

from __future__ import annotations

import pytest

from hssk import kpi
from tests.kpi_world import AS_OF, FULL_HEALTH, case_world, single

NO_REPRO = {**FULL_HEALTH, "reproductive_health": None}
UNKNOWN_BIRTH = {"birth_date": None, "birth_year": None, "birth_precision": None, "birth_text": None}

# (case, birth, sex, records (changes per record), complete)
CASES = [
    ("man, four categories", "1980-01-01", "M", [NO_REPRO], True),
    ("'Không' everywhere is filled", "1980-01-01", "M", [dict.fromkeys(FULL_HEALTH, "Không")], True),
    ("one category empty text", "1980-01-01", "M", [{**NO_REPRO, "vaccination": ""}], False),
    ("one category blank spaces", "1980-01-01", "M", [{**NO_REPRO, "medical_history": "   "}], False),
    ("one category NULL", "1980-01-01", "M", [{**NO_REPRO, "infectious_disease": None}], False),
    ("categories split over two records", "1980-01-01", "M",
     [{"chronic_disease": "Không", "vaccination": "Không"},
      {"medical_history": "Không", "infectious_disease": "Không"}], True),
    ("woman turning 15 on the reference date", "2011-03-31", "F", [NO_REPRO], False),
    ("woman of 15 with reproductive health", "2011-03-31", "F", [FULL_HEALTH], True),
    ("girl of 14 (15 tomorrow)", "2011-04-01", "F", [NO_REPRO], True),
    ("woman of 49 (50 tomorrow)", "1976-04-01", "F", [NO_REPRO], False),
    ("woman of 50", "1976-03-31", "F", [NO_REPRO], True),
    ("man of 30 needs no reproductive health", "1996-01-01", "M", [NO_REPRO], True),
    ("woman with birth year only (36)", "1990", "F", [NO_REPRO], False),
    ("woman with unknown birth: not applicable", None, "F", [NO_REPRO], True),
    ("register says woman of 30, record says man", "1996-01-01", "F", [{**NO_REPRO, "sex": "M"}], False),
    ("no record", "1980-01-01", "M", [], False),
]


@pytest.fixture(scope="module")
def health_by_case():
    con = case_world([(name, {"register": {} if birth else UNKNOWN_BIRTH, "records": records,
                              "birth": birth or "1990-05-10", "sex": sex})
                      for name, birth, sex, records, _ in CASES])
    frame = kpi.health(con, AS_OF).set_index("village")
    con.close()
    return frame


@pytest.mark.parametrize(("name", "complete"), [(c[0], c[4]) for c in CASES], ids=[c[0] for c in CASES])
def test_health_completeness(health_by_case, name, complete):
    row = health_by_case.loc[name]
    assert (row["kpi_health_count"], row["kpi_health"]) == ((1, 1.0) if complete else (0, 0.0))


def test_a_deceased_person_is_not_counted(con):
    single(con, {"status": "dead"}, [FULL_HEALTH])
    assert kpi.health(con, AS_OF).set_index("village").loc["", "kpi_health_count"] == 0
