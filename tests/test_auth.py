"""Accounts, password hashes, the roles matrix and the one masking rule."""

from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest
from argon2 import PasswordHasher

from hssk import audit, auth, db
from hssk.errors import HsskError
from hssk.masking import mask_frame, mask_id, mask_text

PASSWORD = "mat-khau-du-dai"


PRODUCTION_HASHER = auth._hasher


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """Cheap argon2id parameters keep these tests fast; test_production_hash_parameters checks the real ones."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_production_hash_parameters():
    # OWASP's minimum for argon2id is 19 MiB memory with 2 iterations.
    assert PRODUCTION_HASHER.memory_cost >= 19 * 1024 and PRODUCTION_HASHER.time_cost >= 2
    assert PRODUCTION_HASHER.hash("mat-khau-du-dai").startswith("$argon2id$")


def test_a_hash_made_with_older_parameters_is_upgraded_at_login(con, monkeypatch):
    auth.create_user(con, "canbo", PASSWORD, "xem")
    monkeypatch.setattr(auth, "_hasher", PRODUCTION_HASHER)
    assert auth.authenticate(con, "canbo", PASSWORD).user_name == "canbo"
    stored = con.execute("select password_hash from users").fetchone()[0]
    assert f"m={PRODUCTION_HASHER.memory_cost}" in stored


@pytest.fixture
def con():
    con = db.connect(":memory:")
    auth.ensure_schema(con)
    yield con
    con.close()


@pytest.fixture
def head(con):
    return auth.create_first_admin(con, "truongtram", PASSWORD, "Nguyễn Thị Hoa")


# --- first run and login ---------------------------------------------------------------------------

def test_empty_database_has_no_account_and_no_default_password(con):
    assert not auth.has_users(con)
    for name, password in [("admin", "admin"), ("admin", ""), ("truongtram", "123456")]:
        assert auth.authenticate(con, name, password) is None


def test_first_admin_is_station_head_and_only_once(con, head):
    assert (head.role, head.display_name) == ("truong_tram", "Nguyễn Thị Hoa")
    with pytest.raises(HsskError):
        auth.create_first_admin(con, "other", PASSWORD)


def test_password_is_stored_as_salted_argon2_hash(con, head):
    auth.create_user(con, "canbo", PASSWORD, "xem")
    hashes = [h for (h,) in con.execute("select password_hash from users order by user_name").fetchall()]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert PASSWORD not in "".join(hashes)
    assert hashes[0] != hashes[1]  # same password, different salt


def test_authenticate_accepts_right_password_only(con, head):
    assert auth.authenticate(con, "truongtram", PASSWORD) == head
    assert auth.authenticate(con, " TruongTram ", PASSWORD) == head  # names are case-insensitive
    assert auth.authenticate(con, "truongtram", PASSWORD.upper()) is None
    assert auth.authenticate(con, "nobody", PASSWORD) is None
    last_login = con.execute("select last_login_at from users").fetchone()[0]
    assert last_login is not None


def test_inactive_account_cannot_log_in(con, head):
    auth.create_user(con, "nhaplieu", PASSWORD, "nhap_lieu")
    auth.set_active(con, "nhaplieu", False)
    assert auth.authenticate(con, "nhaplieu", PASSWORD) is None


@pytest.mark.parametrize("user_name, password, role, message", [
    ("ab", PASSWORD, "xem", "Tên đăng nhập"),
    ("Có Dấu", PASSWORD, "xem", "Tên đăng nhập"),
    ("canbo", "ngan", "xem", "ít nhất 10"),
    ("canbo12345", "canbo12345", "xem", "trùng tên"),
    ("canbo", PASSWORD, "admin", "Vai trò"),
])
def test_bad_accounts_are_refused_in_vietnamese(con, user_name, password, role, message):
    with pytest.raises(HsskError, match=message):
        auth.create_user(con, user_name, password, role)


def test_duplicate_name_is_refused(con, head):
    with pytest.raises(HsskError, match="đã tồn tại"):
        auth.create_user(con, "TRUONGTRAM", PASSWORD, "xem")


def test_last_station_head_cannot_be_demoted_or_disabled(con, head):
    with pytest.raises(HsskError, match="trưởng trạm"):
        auth.set_role(con, "truongtram", "xem")
    with pytest.raises(HsskError, match="trưởng trạm"):
        auth.set_active(con, "truongtram", False)
    auth.create_user(con, "pho", PASSWORD, "truong_tram")
    auth.set_role(con, "truongtram", "phan_tich")  # another head remains
    assert auth.get_user(con, "truongtram").role == "phan_tich"


def test_password_change_takes_effect(con, head):
    auth.set_password(con, "truongtram", "mat-khau-moi-2026")
    assert auth.authenticate(con, "truongtram", PASSWORD) is None
    assert auth.authenticate(con, "truongtram", "mat-khau-moi-2026") == head


def test_list_users_never_returns_hashes(con, head):
    frame = auth.list_users(con)
    assert "password_hash" not in frame.columns
    assert frame["user_name"].tolist() == ["truongtram"]


# --- roles matrix ----------------------------------------------------------------------------------

# permission → roles that must hold it; every other role must not.
EXPECTED = {
    "view_overview": {"truong_tram", "phan_tich", "nhap_lieu", "xem"},
    "view_worklists": {"truong_tram", "phan_tich", "nhap_lieu", "xem"},
    "import_data": {"truong_tram", "phan_tich", "nhap_lieu"},
    "undo_import": {"truong_tram", "phan_tich"},
    "review_pairs": {"truong_tram", "phan_tich"},
    "unmerge": {"truong_tram", "phan_tich"},
    "see_personal_data": {"truong_tram", "phan_tich", "nhap_lieu"},
    "manage_users": {"truong_tram"},
    "edit_settings": {"truong_tram"},
    "view_audit": {"truong_tram"},
}


@pytest.mark.parametrize("permission", sorted(EXPECTED))
@pytest.mark.parametrize("role", sorted(auth.ROLES))
def test_roles_matrix(role, permission):
    assert auth.can(role, permission) is (role in EXPECTED[permission])


def test_unknown_role_or_permission_holds_nothing():
    assert not auth.can("admin", "view_overview")
    assert not auth.can("truong_tram", "drop_everything")


def test_inactive_user_holds_no_permission():
    assert not auth.User("a", "A", "truong_tram", active=False).can("view_overview")


# --- masking -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, masked", [
    ("001215000345", "001******345"),
    ("020093001656", "020******656"),
    ("0912345678", "091****678"),
    ("HS4010120878811", "HS4*********811"),
    (1215000345.0, "121****345"),  # a CCCD that Excel turned into a number
    ("12345", "****5"),
    ("", ""),
    (None, ""),
])
def test_mask_id(value, masked):
    assert mask_id(value) == masked


@pytest.mark.parametrize("text, masked", [
    ("population:001215000345", "population:001******345"),
    ("P001215000345", "P001******345"),
    ('{"Số CCCD": "001215000345"}', '{"Số CCCD": "001******345"}'),
    ("gọi 0912 345 678", "gọi 091****678"),
    ("HS4 01 0120878811", "HS4*********811"),
    ("2026-01-31 10:15:00", "2026-01-31 10:15:00"),  # dates and times stay readable
    ("hssk:HS-000123", "hssk:HS-000123"),
])
def test_mask_text_finds_identifiers_inside_text(text, masked):
    assert mask_text(text) == masked


def test_mask_frame_accepts_empty_and_all_missing_nullable_columns():
    frame = pd.DataFrame({"undoes": pd.array([None, None], dtype="Int64"), "n": pd.array([1, None], dtype="Int64")})
    assert mask_frame(frame).equals(frame)
    assert mask_frame(frame.iloc[:0]).empty


def test_mask_frame_leaves_no_identifier_behind():
    frame = pd.DataFrame({
        "personal_id": ["001215000345", None],
        "phone": ["0912345678", ""],
        "record_key": ["population:001215000345", "hssk:H1"],
        "full_name": ["Nguyễn Văn An", "Trần Thị Bình"],
        "cccd_as_number": [1215000345, 7],
        "age": [45, 3],
    })
    masked = mask_frame(frame)
    text = masked.astype(str).to_string()
    for secret in ("001215000345", "0912345678", "1215000345"):
        assert secret not in text
    assert masked["full_name"].tolist() == frame["full_name"].tolist()
    assert masked["age"].tolist() == [45, 3]
    assert frame["personal_id"][0] == "001215000345"  # the input is not modified


# --- passwords that resist guessing ----------------------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "1111111111", "matkhau123", "Matkhau@2026", "mật khẩu 2026", "truongtram1", "          ", " " * 12,
    "1234567890", "0987654321", "qwertyuiop", "abcabcabcabc", "password123",
    "0912345678",            # a phone number
    "battrang2026",          # the commune of data/config.toml
    "Trạm Y tế xã Bát Tràng",  # the station's name
    "nguyenthihoa1985",      # the person's name and a birth year
    "canbo.yte99",
])
def test_common_and_context_passwords_are_refused_whatever_their_length(con, head, password):
    with pytest.raises(HsskError, match="Mật khẩu"):
        auth.create_user(con, "canbo", password, "xem", "Nguyễn Thị Hoa")
    with pytest.raises(HsskError):
        auth.validate_password(password, "truongtram", display_name="Nguyễn Thị Hoa")


@pytest.mark.parametrize("password", [
    "con mèo tam thể ăn cá kho", "Mk!7qz#p02Lw", "ngoc lan 8301 5527 9", "mat-khau-du-dai", "Hoa-Nguyen-7x!q",
])
def test_long_unguessable_passwords_are_accepted(password):
    auth.validate_password(password, "truongtram", display_name="Nguyễn Thị Hoa")


def test_the_users_own_names_are_refused_with_decorations(con, head):
    with pytest.raises(HsskError, match="ghép từ"):
        auth.validate_password("Le.Van.Khiem.88", "khiem", display_name="Lê Văn Khiêm")
    auth.validate_password("Le.Van.Khiem.88", "an", display_name="Trần An")  # somebody else's name: fine


def test_spaces_in_a_row_count_as_one_for_the_length():
    with pytest.raises(HsskError, match="ít nhất 10"):
        auth.validate_password("mèo     cá  ko")  # 14 characters, 9 once the runs of spaces are folded


def test_the_common_list_is_an_editable_reference_file(monkeypatch, tmp_path):
    listed = tmp_path / "common_passwords.txt"
    listed.write_text("# a comment\ncon mèo tam thể ăn cá kho\n", encoding="utf-8")
    monkeypatch.setattr(auth, "COMMON_PASSWORDS", listed)
    with pytest.raises(HsskError, match="phổ biến"):
        auth.validate_password("Con Meo Tam The An Ca Kho")  # case, diacritics and spaces do not matter
    shipped = (auth.REFERENCE_DIR / "common_passwords.txt").read_text(encoding="utf-8").splitlines()
    assert {"matkhau", "1111111111", "truongtram", "anhyeuem"} <= set(shipped)


# --- the first password is changed; users change their own --------------------------------------------------

def test_an_account_made_by_the_head_must_change_its_password_at_first_login(con, head):
    auth.create_user(con, "canbo", PASSWORD, "xem", created_by="truongtram")
    result = auth.login(con, "canbo", PASSWORD)
    assert result.ok and result.status == "must_change_password" and result.user.must_change_password
    auth.change_password(con, "canbo", PASSWORD, "con mèo tam thể ăn cá kho")
    result = auth.login(con, "canbo", "con mèo tam thể ăn cá kho")
    assert result.status == "ok" and not result.user.must_change_password
    assert not auth.login(con, "truongtram", PASSWORD).user.must_change_password  # the head chose it


def test_a_reset_by_the_head_forces_a_change_again_and_is_audited(con, head):
    auth.create_user(con, "canbo", PASSWORD, "xem", created_by="truongtram", must_change_password=False)
    assert not auth.get_user(con, "canbo").must_change_password
    with audit.acting_as("truongtram", "truong_tram"):
        auth.set_password(con, "canbo", "con mèo tam thể ăn cá kho")
    assert auth.get_user(con, "canbo").must_change_password
    frame = auth.list_users(con, password_state=True).set_index("user_name")
    assert frame["must_change_password"].to_dict() == {"canbo": True, "truongtram": False}
    assert "must_change_password" not in auth.list_users(con).columns  # the page's table stays as it was
    log = audit.read_log(con, action="password_reset")
    assert log[["user_name", "target"]].values.tolist() == [["truongtram", "canbo"]]


def test_change_password_needs_the_old_one_and_a_good_new_one(con, head):
    with pytest.raises(HsskError, match="hiện tại không đúng"):
        auth.change_password(con, "truongtram", "sai-mat-khau-roi", "con mèo tam thể ăn cá kho")
    with pytest.raises(HsskError, match="phổ biến"):
        auth.change_password(con, "truongtram", PASSWORD, "matkhau1234")
    with pytest.raises(HsskError, match="khác mật khẩu"):
        auth.change_password(con, "truongtram", PASSWORD, PASSWORD)
    auth.change_password(con, "truongtram", PASSWORD, "con mèo tam thể ăn cá kho")
    assert auth.authenticate(con, "truongtram", PASSWORD) is None
    assert auth.authenticate(con, "truongtram", "con mèo tam thể ăn cá kho") == head
    assert audit.read_log(con, action="password_changed")["user_name"].tolist() == ["truongtram"]


# --- throttling and lockout ----------------------------------------------------------------------------------

T0 = datetime(2026, 3, 2, 8, 0, 0)


def test_brute_force_is_throttled_then_locked_and_the_right_password_waits(con, head):
    """The trial's attack: 40 wrong passwords in 29 s, then the right one. It must not get in."""
    statuses = [auth.login(con, "truongtram", f"doan-sai-{i:02d}", client="10.0.0.9",
                           now=T0 + timedelta(seconds=0.7 * i)).status for i in range(40)]
    # failures at 0 / 0.7 / 1.4 s are free; then waits of 2, 4, 8, 16 s: only 6 of the 40 tries are even checked
    assert statuses[:3] == ["refused"] * 3 and statuses.count("refused") == 6 and statuses[-10:] == ["wait"] * 10
    right = auth.login(con, "truongtram", PASSWORD, client="10.0.0.9", now=T0 + timedelta(seconds=29))
    assert not right.ok and right.status == "wait" and right.wait_seconds > 0 and "giây" in right.message


def test_the_delay_grows_and_the_account_locks_then_unlocks_by_itself(con, head):
    now, waits = T0, []
    for _ in range(10):  # an attacker who always waits exactly as long as told
        result = auth.login(con, "truongtram", "doan-sai-mai", now=now)
        while result.status == "wait":
            waits.append(result.wait_seconds)
            now += timedelta(seconds=result.wait_seconds)
            result = auth.login(con, "truongtram", "doan-sai-mai", now=now)
        assert result.status == "refused"
    assert waits == [2, 4, 8, 16, 32, 60, 60]  # [security]: 3 free, 2 s doubling, capped at 60 s
    locked = auth.login(con, "truongtram", PASSWORD, now=now + timedelta(minutes=14))
    assert locked.status == "locked" and not locked.ok and "phút" in locked.message
    assert audit.read_log(con, action="lockout")["target"].tolist() == ["account:truongtram"]
    assert auth.login(con, "truongtram", PASSWORD, now=now + timedelta(minutes=15, seconds=1)).status == "ok"


def test_lockouts_are_listed_for_the_head_and_can_be_lifted(con, head):
    now = T0
    for i in range(10):
        auth.authenticate(con, "truongtram", "doan-sai-mai", now=now)
        now += timedelta(minutes=2)  # past any delay
    frame = auth.list_lockouts(con, now=now)
    assert frame[["scope", "subject", "failures"]].values.tolist() == [["account", "truongtram", 10]]
    assert frame["minutes_left"].tolist() == [13]
    assert auth.list_lockouts(con, now=now + timedelta(minutes=16)).empty
    with audit.acting_as("pho", "truong_tram"):
        assert auth.clear_lockout(con, "account", "truongtram")
    assert auth.authenticate(con, "truongtram", PASSWORD, now=now) == head
    assert audit.read_log(con, action="lockout_cleared")["user_name"].tolist() == ["pho"]


def test_one_client_trying_many_accounts_is_locked_but_others_can_log_in(con, head):
    now = T0
    for i in range(30):  # 30 names, one wrong password each: no account reaches its limit
        auth.login(con, f"ten{i:02d}", "doan-sai-mai", client="may-la", now=now)
        now += timedelta(minutes=2)
    assert auth.login(con, "truongtram", PASSWORD, client="may-la", now=now).status == "locked"
    assert auth.login(con, "truongtram", PASSWORD, client="may-tram", now=now).status == "ok"
    assert "client:may-la" in audit.read_log(con, action="lockout")["target"].tolist()


def test_a_right_password_resets_the_account_count_and_old_failures_are_forgotten(con, head):
    for i in range(3):
        assert auth.login(con, "truongtram", "doan-sai-mai", now=T0).status == "refused"
    assert auth.login(con, "truongtram", PASSWORD, now=T0).status == "wait"  # 3 free failures used up
    assert auth.authenticate(con, "truongtram", PASSWORD, now=T0 + timedelta(seconds=2)) == head
    for i in range(3):  # counted from zero again
        assert auth.login(con, "truongtram", "doan-sai-mai", now=T0 + timedelta(seconds=2)).status == "refused"
    later = T0 + timedelta(minutes=62)  # past [security] failure_window_minutes: the failures are forgotten
    assert [auth.login(con, "truongtram", "doan-sai-mai", now=later).status for _ in range(4)] == \
        ["refused"] * 3 + ["wait"]


def test_unknown_names_are_throttled_like_real_ones(con, head):
    """Otherwise the lockout would tell an attacker which names exist."""
    for i in range(4):
        auth.authenticate(con, "khongco", "doan-sai-mai", now=T0)
    assert auth.login(con, "khongco", "doan-sai-mai", now=T0).status == "wait"


def test_login_audits_success_and_failure_with_the_client(con, head):
    auth.login(con, "truongtram", "doan-sai-mai", client="10.0.0.9")
    auth.login(con, "truongtram", PASSWORD, client="10.0.0.9")
    log = audit.read_log(con)
    assert log["action"].tolist() == ["login", "login_failed"]
    assert all('"client": "10.0.0.9"' in d for d in log["detail"])


# --- server-side sessions ------------------------------------------------------------------------------------

def test_a_session_survives_until_logout(con, head):
    token = auth.start_session(con, head, client="10.0.0.9")
    assert auth.session_user(con, token) == head
    assert auth.session_user(con, token) == head  # a refresh is just another call
    assert auth.end_session(con, token)
    assert auth.session_user(con, token) is None
    assert not auth.end_session(con, token)


def test_tokens_are_random_signed_and_stored_only_as_a_hash(con, head):
    first, second = auth.start_session(con, head), auth.start_session(con, head)
    assert first != second and len(first.split(".")[0]) >= 43
    stored = " ".join(str(v) for row in con.execute("select * from sessions").fetchall() for v in row)
    assert first.split(".")[0] not in stored and second.split(".")[0] not in stored
    raw, signature = first.split(".")
    forged = [f"{raw}.{signature[:-1]}{'0' if signature[-1] != '0' else '1'}", raw, f"{raw}.", "", None,
              "a.b.c", f"{raw[:-1]}x.{signature}"]
    assert [auth.session_user(con, t) for t in forged] == [None] * len(forged)


def test_sessions_expire_after_inactivity_and_absolutely(con, head):
    token = auth.start_session(con, head, now=T0)
    assert auth.session_user(con, token, now=T0 + timedelta(minutes=29)) == head
    assert auth.session_user(con, token, now=T0 + timedelta(minutes=58)) == head  # active 29 min ago
    assert auth.session_user(con, token, now=T0 + timedelta(minutes=89)) is None  # idle 31 min
    busy = auth.start_session(con, head, now=T0)
    for minute in range(20, 720, 20):
        assert auth.session_user(con, busy, now=T0 + timedelta(minutes=minute)) == head
    assert auth.session_user(con, busy, now=T0 + timedelta(minutes=721)) is None  # a working day at most
    ends = con.execute("select end_reason from sessions order by started_at, end_reason").fetchall()
    assert sorted(r for (r,) in ends) == ["expired", "idle"]
    assert audit.read_log(con, action="session_ended")["target"].tolist() == ["expired", "idle"]


def test_a_reset_or_deactivation_ends_the_users_open_sessions(con, head):
    user = auth.create_user(con, "canbo", PASSWORD, "nhap_lieu")
    token = auth.start_session(con, user)
    auth.set_password(con, "canbo", "con mèo tam thể ăn cá kho")
    assert auth.session_user(con, token) is None
    auth.change_password(con, "canbo", "con mèo tam thể ăn cá kho", "trời xanh mây trắng 7")
    token = auth.start_session(con, auth.get_user(con, "canbo"))
    auth.set_active(con, "canbo", False)
    assert auth.session_user(con, token) is None
    auth.set_active(con, "canbo", True)
    assert auth.session_user(con, token) is None  # an ended session stays ended


def test_changing_ones_own_password_ends_the_other_sessions_only(con, head):
    here, elsewhere = auth.start_session(con, head), auth.start_session(con, head)
    auth.change_password(con, "truongtram", PASSWORD, "con mèo tam thể ăn cá kho", keep_token=here)
    assert auth.session_user(con, here) == head
    assert auth.session_user(con, elsewhere) is None


def test_a_role_change_applies_to_an_open_session(con, head):
    auth.create_user(con, "pho", PASSWORD, "truong_tram")
    token = auth.start_session(con, auth.get_user(con, "pho"))
    auth.set_role(con, "pho", "xem")
    assert auth.session_user(con, token).role == "xem"


def test_the_session_key_is_an_owner_only_file_next_to_the_database(tmp_path, monkeypatch):
    monkeypatch.delenv("HSSK_KEY_DIR", raising=False)
    con = db.connect(tmp_path / "tram.duckdb")
    auth.ensure_schema(con)
    head = auth.create_first_admin(con, "truongtram", PASSWORD)
    token = auth.start_session(con, head)
    key_file = tmp_path / "tram.duckdb.session.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key_file.unlink()  # a new key: every token signed with the old one is refused
    assert auth.session_user(con, token) is None
    con.close()


def test_an_old_database_gets_the_new_columns_and_tables(tmp_path):
    path = tmp_path / "cu.duckdb"
    old = duckdb.connect(str(path))
    old.execute("create sequence seq_audit start 1")
    old.execute("create table users (user_name varchar primary key, display_name varchar not null,"
                " role varchar not null, password_hash varchar not null, active boolean not null,"
                " created_at timestamp not null, created_by varchar, last_login_at timestamp)")
    old.execute("create table audit_log (audit_id bigint not null, logged_at timestamp not null, user_name varchar,"
                " role varchar, action varchar not null, target varchar, detail json, prev_hash varchar,"
                " row_hash varchar not null)")
    old.execute("insert into users values ('truongtram', 'Hoa', 'truong_tram', ?, true, now(), null, null)",
                [auth._hasher.hash(PASSWORD)])
    old.close()
    con = db.connect(path)
    auth.ensure_schema(con)
    assert auth.login(con, "truongtram", PASSWORD).status == "ok"
    token = auth.start_session(con, auth.get_user(con, "truongtram"))
    assert auth.session_user(con, token).user_name == "truongtram"
    assert audit.verify(con).ok
    con.close()


def test_security_settings_come_from_the_config_with_defaults_and_refuse_typos():
    from hssk.config import security_settings

    shipped = security_settings()
    assert (shipped.session_idle_minutes, shipped.account_lockout_failures, shipped.min_password_length) == (30, 10, 10)
    assert security_settings({"security": {"lockout_minutes": 5}}).lockout_minutes == 5
    assert security_settings({}).client_lockout_failures == 30
    for bad in ({"lockout_minutes": "năm"}, {"lockout_minutes": -1}, {"lockout_minute": 5}):
        with pytest.raises(HsskError, match=r"\[security\]"):
            security_settings({"security": bad})


def test_a_shorter_minimum_from_the_settings_applies():
    from hssk.config import SecuritySettings

    auth.validate_password("ca kho to", settings=SecuritySettings(min_password_length=8))
    with pytest.raises(HsskError, match="ít nhất 10"):
        auth.validate_password("ca kho to")


def test_tries_at_the_same_moment_from_many_sessions_do_not_slip_past_the_throttle(con, head):
    """Eight browser sessions (cursors of the one process connection) guess at once: only the free tries are checked."""
    import threading

    results, start = [], threading.Barrier(8)

    def guess(i):
        cursor = con.cursor()
        start.wait()
        results.append(auth.login(cursor, "truongtram", f"doan-sai-{i}", now=T0).status)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["refused"] * 3 + ["wait"] * 5
    assert auth.authenticate(con, "truongtram", PASSWORD, now=T0) is None  # the right password waits too


def test_the_app_today_calls_authenticate_and_is_throttled_as_well(con, head):
    for i in range(40):
        auth.authenticate(con, "truongtram", f"doan-sai-{i:02d}", now=T0 + timedelta(seconds=0.7 * i))
    assert auth.authenticate(con, "truongtram", PASSWORD, now=T0 + timedelta(seconds=29)) is None
