"""Per-field completeness, the four dimensions (đúng – đủ – sạch – sống) and the findings figure, on the tiny world.

HSSK records of the current snapshot: H1 H2 H3A H3B H5 H13 (Giang Cao, 6), H6 H7 H10 H11 (Khoan Tế, 4), H12 (village
unknown, 1) — 11 records.
"""

from __future__ import annotations

import pandas as pd
import pytest

from hssk import kpi
from hssk.errors import HsskError
from tests.kpi_world import AS_OF, GC, KT, UNKNOWN

FIELDS = pd.DataFrame([
    {"field": "full_name", "label_vi": "Họ và tên", "clean_column": "full_name", "required": "yes",
     "in_register": "yes"},
    {"field": "personal_id", "label_vi": "Số CCCD/CMND", "clean_column": "personal_id|old_id", "required": "yes",
     "in_register": "yes"},
    {"field": "phone", "label_vi": "Điện thoại", "clean_column": "phone", "required": "no", "in_register": "no"},
    {"field": "email", "label_vi": "Email", "clean_column": "", "required": "no", "in_register": "no"},
])


def completeness(con, fields=FIELDS):
    frame = kpi.field_completeness(con, fields)
    return {(r["field"], r["village"]): (r["count_filled"], r["count_records"]) for r in frame.to_dict("records")}


def test_field_completeness_counts_filled_records(shared_world):
    got = completeness(shared_world)
    # full_name: every record but H12 (''); personal_id: not H12 (''), not H13 (none); phone: record_like rows
    # (H1 H2 H3A H5 H6 H7 H10) — H3B has none
    assert got[("full_name", "")] == (10, 11)
    assert got[("full_name", UNKNOWN)] == (0, 1)
    assert got[("personal_id", "")] == (9, 11)
    assert got[("personal_id", GC)] == (5, 6)
    assert got[("phone", "")] == (7, 11)
    assert got[("phone", KT)] == (3, 4)
    assert not any(field == "email" for field, _ in got)  # no column: not measured


def test_an_old_cmnd_fills_the_id_field(world):
    world.execute("update clean set personal_id = null, old_id = '012345678' where record_id = 'H1'")
    assert completeness(world)[("personal_id", "")] == (9, 11)
    world.execute("update clean set old_id = null where record_id = 'H1'")
    assert completeness(world)[("personal_id", "")] == (8, 11)


def test_unknown_clean_column_is_a_clear_error(shared_world):
    bad = pd.concat([FIELDS, pd.DataFrame([{"field": "x", "label_vi": "X", "clean_column": "no_such_column",
                                            "required": "no", "in_register": "no"}])])
    with pytest.raises(HsskError, match="no_such_column"):
        kpi.field_completeness(shared_world, bad)


def test_the_reference_field_list_is_a_marked_draft():
    fields = kpi.admin_fields()
    assert {"full_name", "birth_date", "sex", "personal_id", "ethnicity", "insurance"} <= set(fields["field"])
    assert set(fields["required"]) <= {"yes", "no"} and set(fields["in_register"]) <= {"yes", "no"}
    assert fields["note"].str.contains("UNCONFIRMED").all()


def dims(con, **kwargs):
    frame = kpi.dimensions(con, AS_OF, **kwargs)
    return {r["village"]: (r["count_records"], r["dim_dung"], r["dim_du"], r["dim_sach"], r["dim_song"])
            for r in frame.to_dict("records")}


def test_dimensions_by_hand(shared_world):
    # đúng: H1 H3A H3B H6 (H2 no ethnicity, H5/H10 register year only, H7 year only, H11-13 off-register)
    # đủ:   H1 H5 H10 (required admin fields from hssk_admin_fields.csv + health categories)
    # sạch: H1 H2 H5 H6 H7 H10 (H3A/H3B duplicates, H11-13 off-register)
    # sống: H1 H2 H3B H6 H7 H11 H12 (H3A updated 2025-01-01 > 365 days, H5 dead, H10 moved, H13 death record)
    got = dims(shared_world)
    assert got[""] == pytest.approx((11, 4 / 11, 3 / 11, 6 / 11, 7 / 11))
    assert got[GC] == pytest.approx((6, 3 / 6, 2 / 6, 3 / 6, 3 / 6))
    assert got[KT] == pytest.approx((4, 1 / 4, 1 / 4, 3 / 4, 3 / 4))
    assert got[UNKNOWN] == pytest.approx((1, 0, 0, 0, 1))


def test_stale_days_sets_how_old_a_current_record_may_be(shared_world):
    assert dims(shared_world)[""][4] == pytest.approx(7 / 11)  # default: 365 days
    assert dims(shared_world, stale_days=10_000)[""][4] == pytest.approx(8 / 11)  # H3A is current again
    assert dims(shared_world, stale_days=1)[""][4] == pytest.approx(2 / 11)  # only H11 and H12 (no date)


def test_a_finding_makes_a_record_unclean_and_is_counted(world):
    world.execute("""insert into findings values
        ('hssk:3:1', 'hssk', 3, 'phone', 'invalid', '09123', null),
        ('hssk:3:1', 'hssk', 3, 'phone', 'missing', null, null),
        ('hssk:3:2', 'hssk', 3, 'full_name', 'missing', null, null)""")  # H1, H2
    assert dims(world)[""][3] == pytest.approx(5 / 11)  # H1 no longer clean; 'missing' does not count
    found = {(r["field"], r["code"], r["village"]): (r["count_flagged"], r["count_records"])
             for r in kpi.findings(world).to_dict("records")}
    assert found == {
        ("phone", "invalid", ""): (1, 11), ("phone", "invalid", GC): (1, 6),
        ("phone", "missing", ""): (1, 11), ("phone", "missing", GC): (1, 6),
        ("full_name", "missing", ""): (1, 11), ("full_name", "missing", GC): (1, 6),
    }
