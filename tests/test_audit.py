"""The append-only audit log and its hash chain."""

import inspect
import re
from datetime import datetime

import duckdb
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


# --- the anchor and `verify`: every kind of tampering is found ------------------------------------------------

@pytest.fixture
def file_con(tmp_path, monkeypatch):
    """A database file: the audit key and the anchor file live next to it."""
    monkeypatch.delenv("HSSK_KEY_DIR", raising=False)
    con = db.connect(tmp_path / "tram.duckdb")
    auth.ensure_schema(con)
    yield con
    con.close()


def _events(con, n=6):
    for i in range(n):
        audit.record(con, "an", "truong_tram", "export", target=f"t{i}", detail={"rows": i})


def _kinds(con):
    return {b.kind for b in audit.verify(con).breaks}


@pytest.mark.parametrize("fixture", ["con", "file_con"])
def test_untouched_log_verifies(request, fixture):
    con = request.getfixturevalue(fixture)
    _events(con)
    check = audit.verify(con)
    assert check.ok and check.breaks == () and check.n_events == 6 and check.last_audit_id == 6
    ok, lines = audit.verify_report(con)
    assert ok and lines[-1] == "Không phát hiện sửa, xóa hay cắt bớt."
    assert "6 sự kiện" in lines[0] and check.checkpoint in lines[0]


def test_an_empty_new_database_verifies(con):
    assert audit.verify(con).ok


TAMPERING = {
    "edit": ("update audit_log set target = 'khác' where audit_id = 3", "edited"),
    "delete a middle row": ("delete from audit_log where audit_id = 3", "deleted"),
    "cut the tail": ("delete from audit_log where audit_id >= 5", "cut_tail"),
    "empty the log": ("delete from audit_log", "emptied"),
    "remove the anchor": ("delete from audit_anchor", "anchor_missing"),
    "forge the anchor": (("update audit_anchor set n_events = 4, last_audit_id = 4,"
                          " head_hash = (select row_hash from audit_log where audit_id = 4)"), "anchor_invalid"),
}


@pytest.mark.parametrize("fixture", ["con", "file_con"])
@pytest.mark.parametrize("name", sorted(TAMPERING))
def test_each_kind_of_tampering_is_found_and_said_in_vietnamese(request, fixture, name):
    con = request.getfixturevalue(fixture)
    _events(con)
    sql, kind = TAMPERING[name]
    con.execute(sql)
    check = audit.verify(con)
    assert not check.ok
    assert kind in {b.kind for b in check.breaks}
    ok, lines = audit.verify_report(con)
    assert not ok and "PHÁT HIỆN" in lines[-1 - len(check.breaks)]
    assert any(audit.BREAK_KINDS[kind] in line for line in lines)


def test_the_cut_tail_is_said_with_the_lost_event_numbers(con):
    _events(con)
    con.execute("delete from audit_log where audit_id >= 5")
    assert audit.verify_chain(con) == []  # the bare hash chain cannot see a cut tail …
    (cut,) = [b for b in audit.verify(con).breaks if b.kind == "cut_tail"]
    assert "#6" in cut.message and "#4" in cut.message  # … the anchor can


def test_a_chain_recomputed_without_the_key_is_found(con):
    """An edit followed by recomputing every later hash passes the bare chain but not the signatures."""
    _events(con)
    rows = con.execute("select audit_id, logged_at, user_name, role, action, target, detail, prev_hash"
                       " from audit_log order by audit_id").fetchall()
    prev = ""
    for audit_id, at, user_name, role, action, target, detail, _ in rows:
        target = "giả mạo" if audit_id == 3 else target
        row_hash = audit._row_hash(prev, audit_id, at, user_name, role, action, target, detail)
        con.execute("update audit_log set target = ?, prev_hash = ?, row_hash = ? where audit_id = ?",
                    [target, prev, row_hash, audit_id])
        prev = row_hash
    breaks = audit.verify(con).breaks
    assert {b.kind for b in breaks} >= {"bad_signature", "anchor_mismatch"}
    assert [b.audit_id for b in breaks if b.kind == "bad_signature"] == [3]  # one range: #3 to #6
    assert "#3 đến #6" in next(b.message for b in breaks if b.kind == "bad_signature")


def test_a_row_inserted_without_the_key_is_found(con):
    _events(con, 3)
    prev = con.execute("select row_hash from audit_log where audit_id = 3").fetchone()[0]
    at = con.execute("select logged_at from audit_log where audit_id = 3").fetchone()[0]
    row_hash = audit._row_hash(prev, 4, at, "ke_gian", "xem", "login", None, "{}")
    con.execute("insert into audit_log (audit_id, logged_at, user_name, role, action, target, detail, prev_hash,"
                " row_hash) values (4, ?, 'ke_gian', 'xem', 'login', null, '{}', ?, ?)", [at, prev, row_hash])
    assert {"unsigned", "added_after_anchor"} <= _kinds(con)


def test_emptied_log_and_anchor_are_found_by_the_anchor_file(file_con):
    _events(file_con)
    file_con.execute("delete from audit_log")
    file_con.execute("delete from audit_anchor")
    kinds = _kinds(file_con)
    assert {"emptied", "anchor_missing"} <= kinds


def test_emptied_log_and_anchor_in_memory_are_found_when_accounts_exist(con):
    auth.create_first_admin(con, "truongtram", "Hoa-Nguyen-7x!q", "Nguyễn Thị Hoa")
    _events(con)
    con.execute("delete from audit_log")
    con.execute("delete from audit_anchor")
    assert "emptied" in _kinds(con)


def test_a_database_rolled_back_to_an_old_copy_is_found_by_the_anchor_file(file_con, tmp_path):
    _events(file_con, 3)
    file_con.execute("checkpoint")
    old = (tmp_path / "tram.duckdb").read_bytes()
    _events(file_con, 3)
    file_con.close()
    (tmp_path / "tram.duckdb").write_bytes(old)  # the database file put back as it was after 3 events
    con = db.connect(tmp_path / "tram.duckdb")
    try:
        assert "cut_tail" in _kinds(con)
    finally:
        con.close()


def test_a_break_found_at_the_next_append_stays_in_the_log(con):
    """Cutting the tail and letting the app write again does not hide the cut: the append records it."""
    _events(con)
    con.execute("delete from audit_log where audit_id >= 5")
    audit.record(con, "an", "truong_tram", "login")
    check = audit.verify(con)
    assert [b.kind for b in check.breaks] == ["found_at_append"]
    assert "#6" in check.breaks[0].message
    assert audit.read_log(con, action="audit_break")["target"].tolist() == ["cut_tail"]


def test_a_missing_key_file_is_said_not_replaced(file_con, tmp_path):
    _events(file_con)
    (tmp_path / "tram.duckdb.audit.key").unlink()
    check = audit.verify(file_con)
    assert not check.ok and "anchor_invalid" in {b.kind for b in check.breaks}
    assert not (tmp_path / "tram.duckdb.audit.key").exists()  # verify never writes


def test_key_and_anchor_files_are_owner_only(file_con, tmp_path):
    _events(file_con, 1)
    for name in ("tram.duckdb.audit.key", "tram.duckdb.audit.anchor"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600


def test_checkpoint_code_proves_an_event_is_still_there(con):
    _events(con, 4)
    code = audit.verify(con).checkpoint
    _events(con, 2)
    assert audit.verify(con, checkpoints=[code]).ok
    con.execute("delete from audit_log where audit_id >= 4")
    con.execute("delete from audit_anchor")
    breaks = audit.verify(con, checkpoints=[code]).breaks
    assert any(b.kind == "checkpoint" and "#4" in b.message for b in breaks)


def test_a_log_from_before_signatures_is_anchored_not_flagged(con):
    """Databases made before this version have unsigned rows and no anchor: they verify, and are said to be older."""
    _events(con, 3)
    con.execute("update audit_log set row_mac = null")
    con.execute("delete from audit_anchor")
    check = audit.verify(con)
    assert check.ok and check.unsigned_before_anchor == 3
    audit.record(con, "an", "truong_tram", "login")
    check = audit.verify(con)
    assert check.ok and check.n_events == 4 and check.unsigned_before_anchor == 3


@pytest.mark.parametrize("fixture", ["con", "file_con"])
def test_record_inside_the_callers_transaction_rolls_back_with_it(request, fixture):
    con = request.getfixturevalue(fixture)
    _events(con, 2)
    con.execute("begin")
    audit.record(con, "an", "truong_tram", "login")
    con.execute("rollback")
    assert audit.verify(con).ok and audit.verify(con).n_events == 2
    con.execute("begin")
    audit.record(con, "an", "truong_tram", "login")
    con.execute("commit")
    assert audit.verify(con).ok and audit.verify(con).n_events == 3


def test_every_new_action_has_vietnamese_words():
    for action in ("password_changed", "password_reset", "lockout", "lockout_cleared", "session_ended",
                   "audit_break"):
        assert audit.ACTIONS[action] and not audit.ACTIONS[action].isascii()


def test_an_append_to_a_log_made_by_an_older_version_adds_what_is_missing(tmp_path):
    """The command line opens databases without the app's schema: its first record must still work."""
    old = duckdb.connect(str(tmp_path / "cu.duckdb"))  # made by an older version: only its own tables
    old.execute("create sequence seq_audit start 1")
    old.execute("create table audit_log (audit_id bigint not null, logged_at timestamp not null, user_name varchar,"
                " role varchar, action varchar not null, target varchar, detail json, prev_hash varchar,"
                " row_hash varchar not null)")
    old.close()
    con = db.connect(tmp_path / "cu.duckdb")
    with audit.acting_as("an", "truong_tram"):
        audit.record_action(con, "import", target="dan_cu")
    check = audit.verify(con)
    assert check.ok and check.n_events == 1
    con.close()


def test_verify_reads_an_older_database_opened_read_only(tmp_path):
    path = tmp_path / "cu.duckdb"
    old = duckdb.connect(str(path))  # made by an older version: only its own tables
    old.execute("create sequence seq_audit start 1")
    old.execute("create table audit_log (audit_id bigint not null, logged_at timestamp not null, user_name varchar,"
                " role varchar, action varchar not null, target varchar, detail json, prev_hash varchar,"
                " row_hash varchar not null)")
    at = datetime(2026, 1, 5, 8, 0)
    row_hash = audit._row_hash("", 1, at, "an", "truong_tram", "login", None, "{}")
    old.execute("insert into audit_log values (1, ?, 'an', 'truong_tram', 'login', null, '{}', '', ?)", [at, row_hash])
    old.close()
    con = db.connect(path, read_only=True)
    try:
        check = audit.verify(con)
        assert check.ok and check.n_events == 1 and check.unsigned_before_anchor == 1
        assert not (tmp_path / "cu.duckdb.audit.key").exists()
    finally:
        con.close()


def test_appends_from_many_sessions_at_once_keep_one_chain(file_con):
    import threading

    start = threading.Barrier(6)

    def write(i):
        cursor = file_con.cursor()
        start.wait()
        for j in range(5):
            audit.record(cursor, f"u{i}", "xem", "view_personal", target=str(j))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check = audit.verify(file_con)
    assert check.ok and check.n_events == 30


def test_the_key_folder_can_be_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv("HSSK_KEY_DIR", str(tmp_path / "khoa"))
    con = db.connect(tmp_path / "tram.duckdb")
    auth.ensure_schema(con)
    _events(con, 2)
    assert sorted(p.name for p in (tmp_path / "khoa").iterdir()) == ["tram.duckdb.audit.anchor",
                                                                     "tram.duckdb.audit.key"]
    assert not (tmp_path / "tram.duckdb.audit.key").exists()
    assert audit.verify(con).ok
    con.close()
