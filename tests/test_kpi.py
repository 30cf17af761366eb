"""Every KPI figure on the tiny world of tests/kpi_world.py; expected numbers worked out by hand there."""

from __future__ import annotations

import json

import pytest

from hssk import kpi
from hssk.errors import HsskError
from tests.kpi_world import AS_OF, GC, KT, UNKNOWN


def by_village(frame, *columns):
    return {row["village"]: tuple(row[c] for c in columns) for row in frame.to_dict("records")}


def test_coverage_counts_alive_register_people_and_their_current_records(shared_world):
    # residents: P1 P2 P3 P4 P6 P7 P9 (P5 dead in the register, P8 has a death registration, P10 moved away)
    got = by_village(kpi.coverage(shared_world, AS_OF),
                     "residents_alive", "with_record", "missing_record", "coverage")
    assert got == {
        "": (7, 5, 2, 5 / 7),
        GC: (4, 3, 1, 0.75),  # P4's only record is in an old batch
        KT: (2, 2, 0, 1.0),
        UNKNOWN: (1, 0, 1, 0.0),  # the NULL register row
    }


def test_duplicates_counts_people_and_extra_records(shared_world):
    got = by_village(kpi.duplicates(shared_world, AS_OF), "duplicate_persons", "extra_records")
    assert got == {"": (1, 1), GC: (1, 1), KT: (0, 0), UNKNOWN: (0, 0)}


def test_deceased_with_record_uses_register_status_and_death_registrations(shared_world):
    got = by_village(kpi.deceased_with_record(shared_world, AS_OF), "deceased_with_record")
    # P5 (status dead) has H5; P8 (death registration) has no record; G2 is not a register person
    assert got == {"": (1,), GC: (1,), KT: (0,), UNKNOWN: (0,)}


def test_off_register_records_are_counted_in_their_own_village(shared_world):
    got = by_village(kpi.off_register_records(shared_world), "off_register_records")
    assert got == {"": (3,), GC: (1,), KT: (1,), UNKNOWN: (1,)}  # H13, H11, H12


def test_admin_kpi(shared_world):
    # P1 and P6 agree on every field; P2 lacks ethnicity, P3 has two records, P7's record has a year only
    got = by_village(kpi.admin(shared_world, AS_OF), "kpi_admin_count", "kpi_admin")
    assert got == {"": (2, 2 / 7), GC: (1, 0.25), KT: (1, 0.5), UNKNOWN: (0, 0.0)}


def test_health_kpi(shared_world):
    # P1, P2, P3 (categories split over two records) complete; P6 lacks reproductive health (F, 26),
    # P7 lacks vaccination ('') and infectious disease
    got = by_village(kpi.health(shared_world, AS_OF), "kpi_health_count", "kpi_health")
    assert got == {"": (3, 3 / 7), GC: (3, 0.75), KT: (0, 0.0), UNKNOWN: (0, 0.0)}


def test_health_per_category_ratios(shared_world):
    row = kpi.health(shared_world, AS_OF).set_index("village").loc[""]
    assert row["count_with_record"] == 5
    assert row["vaccination_ratio"] == pytest.approx(4 / 5)  # P7
    assert row["infectious_disease_ratio"] == pytest.approx(4 / 5)  # P7
    assert row["reproductive_health_ratio"] == pytest.approx(1 / 2)  # P1 yes, P6 no


def test_compute_has_the_documented_shape(shared_world):
    result = kpi.compute(shared_world, AS_OF)
    assert result["as_of"] == "2026-03-31"
    assert set(result["villages"]) == {GC, KT, UNKNOWN}
    keys = list(result["overall"])
    assert keys[: len(kpi.CORE_KEYS)] == list(kpi.CORE_KEYS)
    assert {"dim_dung", "dim_du", "dim_sach", "dim_song", "field_full_name", "field_insurance"} <= set(keys)
    assert "field_email" not in keys  # no clean column: not measured
    for values in [result["overall"], *result["villages"].values()]:
        assert list(values) == keys
        for key, value in values.items():
            if kpi.is_ratio(key):
                assert value is None or 0.0 <= value <= 1.0, key
            else:
                assert isinstance(value, int), key
    json.dumps(result)  # serialisable as printed


def test_compute_matches_the_single_figures(shared_world):
    result = kpi.compute(shared_world, AS_OF)
    assert result["overall"]["coverage"] == round(5 / 7, 6)  # ratios are rounded to 6 decimals
    assert result["villages"][KT]["kpi_admin_count"] == 1
    assert result["villages"][GC]["off_register_records"] == 1
    assert result["villages"][GC]["kpi_health"] == 0.75


def test_a_village_with_no_off_register_record_gets_zero(world):
    world.execute("delete from clean where record_id in ('H11', 'H12')")
    result = kpi.compute(world, AS_OF)
    assert result["villages"][KT]["off_register_records"] == 0
    assert result["overall"]["off_register_records"] == 1


def test_as_of_changes_who_needs_reproductive_health(shared_world):
    # P6 was born 2000-03-31: on 2015-03-30 she was 14, so reproductive health did not apply yet
    assert kpi.compute(shared_world, "2015-03-30")["villages"][KT]["kpi_health_count"] == 1
    assert kpi.compute(shared_world, AS_OF)["villages"][KT]["kpi_health_count"] == 0


def test_empty_database_gives_zero_counts_and_no_ratios(con):
    con.execute("create table person_records (record_key varchar, kind varchar, record_id varchar, "
                "person_id varchar, run_id integer)")
    result = kpi.compute(con, AS_OF)
    assert result["villages"] == {}
    assert result["overall"]["residents_alive"] == 0 and result["overall"]["coverage"] is None


def test_without_linkage_the_error_is_in_vietnamese(con):
    with pytest.raises(HsskError, match="ghép nối"):
        kpi.coverage(con, AS_OF)


@pytest.mark.parametrize("text", ["2026-13-01", "31/03/2026", "hôm qua"])
def test_bad_reference_date_is_a_clear_error(text):
    with pytest.raises(HsskError, match="không hợp lệ"):
        kpi.resolve_as_of(text)
