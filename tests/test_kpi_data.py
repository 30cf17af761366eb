"""The tiny world of tests/kpi_world.py itself: what the KPI, worklist and report tests build on."""

from __future__ import annotations


def test_every_current_record_maps_to_one_person_except_the_unlinked_one(world):
    unmapped = world.execute("""
        select c.record_id from current_clean c left join person_records p using (record_key)
        where p.person_id is null""").fetchall()
    assert unmapped == [("H12",)]


def test_the_old_hssk_batch_is_not_current(world):
    current = {r[0] for r in world.execute("select record_id from current_clean where kind = 'hssk'").fetchall()}
    assert "H99" not in current and {"H1", "H3A", "H3B", "H13"} <= current
