"""Accounts, password hashes, the roles matrix and the one masking rule."""

import pandas as pd
import pytest
from argon2 import PasswordHasher

from hssk import auth, db
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
