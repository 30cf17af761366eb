"""The append-only audit log and its hash chain."""

import inspect
import re

import pytest

from hssk import audit, auth, db


@pytest.fixture
def con():
    con = db.connect(":memory:")
    auth.ensure_schema(con)
    yield con
    con.close()


def test_record_appends_in_order_with_detail(con):
    first = audit.record(con, "an", "truong_tram", "login")
    second = audit.record(con, "an", "truong_tram", "export", target="worklist",
                          detail={"rows": 12, "masked": False, "thôn": "Giang Cao"})
    assert second > first
    log = audit.read_log(con)
    assert log["action"].tolist() == ["export", "login"]  # newest first
    assert '"thôn": "Giang Cao"' in log.loc[0, "detail"]
    assert log.loc[0, "target"] == "worklist"


def test_read_log_filters_by_user_and_action(con):
    audit.record(con, "an", "truong_tram", "login")
    audit.record(con, "binh", "xem", "login")
    audit.record(con, "binh", "xem", "export", target="report")
    assert audit.read_log(con, user_name="binh")["action"].tolist() == ["export", "login"]
    assert audit.read_log(con, action="login")["user_name"].tolist() == ["binh", "an"]


def test_unknown_action_is_refused(con):
    with pytest.raises(ValueError):
        audit.record(con, "an", "xem", "delete_everything")


def test_chain_is_intact_after_appends(con):
    for i in range(5):
        audit.record(con, f"u{i}", "xem", "login", detail={"i": i})
    assert audit.verify_chain(con) == []


@pytest.mark.parametrize("tamper", [
    "update audit_log set target = 'khác' where audit_id = 2",
    "update audit_log set detail = '{\"rows\": 99}' where audit_id = 2",
    "update audit_log set user_name = 'ke_gian' where audit_id = 2",
    "delete from audit_log where audit_id = 2",
])
def test_edit_or_delete_breaks_the_chain(con, tamper):
    for i in range(4):
        audit.record(con, "an", "truong_tram", "export", target=f"t{i}", detail={"rows": i})
    con.execute(tamper)
    assert audit.verify_chain(con) != []


def test_audited_export_logs_only_a_built_file(con):
    data = audit.audited_export(con, "an", "xem", "worklist", lambda: b"abc", detail={"masked": True})
    assert data == b"abc"
    with pytest.raises(RuntimeError):
        audit.audited_export(con, "an", "xem", "worklist", _failing_build)
    log = audit.read_log(con)
    assert len(log) == 1
    assert '"bytes": 3' in log.loc[0, "detail"] and '"masked": true' in log.loc[0, "detail"]


def _failing_build():
    raise RuntimeError("disk full")


def test_module_never_updates_or_deletes_the_log():
    source = inspect.getsource(audit)
    assert not re.search(r"\b(update|delete\s+from|truncate|drop)\b[^\n]*audit_log", source, re.IGNORECASE)
