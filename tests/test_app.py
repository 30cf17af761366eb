"""The Streamlit shell through AppTest: first run, login, logout, navigation and page guards per role."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hssk import audit, auth, config, db
from hssk.app import login as app_login
from hssk.app import nav, session

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PASSWORD = "mat-khau-du-dai"
USERS = {"truong_tram": "truongtram", "phan_tich": "phantich", "nhap_lieu": "nhaplieu", "xem": "chixem"}


@pytest.fixture
def app_db(tmp_path, monkeypatch) -> Path:
    """An empty workbench database in tmp_path, with config and reference files copied there too."""
    path = tmp_path / "hssk.duckdb"
    monkeypatch.setenv("HSSK_DB", str(path))
    shutil.copy(config.CONFIG_PATH, tmp_path / "config.toml")
    monkeypatch.setattr(config, "CONFIG_PATH", tmp_path / "config.toml")
    shutil.copytree(config.REFERENCE_DIR, tmp_path / "reference")
    monkeypatch.setattr(config, "REFERENCE_DIR", tmp_path / "reference")
    return path


@pytest.fixture(scope="session")
def accounts_template(tmp_path_factory) -> Path:
    """A database with one account per role, built once (argon2 hashing is slow on purpose)."""
    path = tmp_path_factory.mktemp("accounts") / "hssk.duckdb"
    con = db.connect(path)
    auth.ensure_schema(con)
    auth.create_first_admin(con, USERS["truong_tram"], PASSWORD, "Trưởng Trạm")
    audit.record(con, USERS["truong_tram"], "truong_tram", "first_run")  # as the app does: the log is never empty
    for role, name in USERS.items():
        if role != "truong_tram":
            # made by the head, but already past the forced first change (tests of that make their own account)
            auth.create_user(con, name, PASSWORD, role, created_by=USERS["truong_tram"], must_change_password=False)
    con.close()
    return path


@pytest.fixture
def accounts(app_db, accounts_template) -> Path:
    """An empty workbench with one account per role (with the files that belong to it: keys, the audit anchor)."""
    for part in accounts_template.parent.glob(accounts_template.name + "*"):
        shutil.copy(part, app_db.parent / (app_db.name + part.name[len(accounts_template.name):]))
    return app_db


def session_token(role: str) -> str:
    """A server-side session for the role's account, as a login opens one (the token the cookie would carry)."""
    con = db.connect(config.db_path())
    try:
        return auth.start_session(con, auth.get_user(con, USERS[role]))
    finally:
        con.close()


def logged_in(role: str, script: str = APP) -> AppTest:
    at = AppTest.from_file(script, default_timeout=30)
    at.session_state[app_login.SESSION_TOKEN] = session_token(role)
    return at.run()


def audit_actions(path: Path) -> list[tuple[str, str]]:
    con = db.connect(path)
    try:
        return [(a, u) for a, u in con.execute(
            "select action, user_name from audit_log order by audit_id").fetchall()]
    finally:
        con.close()


def texts(at: AppTest) -> str:
    """Everything a user reads on the page (for 'must not see' checks)."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                                  "warning", "error") for e in getattr(at, kind)]
    parts += [m.value for m in at.metric] + [m.label for m in at.metric]
    parts += [df.value.astype(str).to_string() for df in at.dataframe]
    return "\n".join(map(str, parts))


# --- first run and login ---------------------------------------------------------------------------

def fill_first_run(at: AppTest, user_name: str, password: str, confirm: str) -> AppTest:
    values = [user_name, "Nguyễn Thị Hoa", password, confirm]
    for widget, value in zip(at.text_input, values):
        widget.input(value)
    return at.button[0].click().run()


def test_first_run_creates_the_station_head_and_logs_in(app_db):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert [t.value for t in at.title] == ["Thiết lập lần đầu"]
    at = fill_first_run(at, "truongtram", PASSWORD, PASSWORD)
    assert not at.exception
    assert at.title[0].value == "Tổng quan"
    con = db.connect(app_db)
    assert con.execute("select user_name, role from users").fetchall() == [("truongtram", "truong_tram")]
    con.close()
    assert audit_actions(app_db) == [("first_run", "truongtram"), ("login", "truongtram")]


def test_first_run_refuses_mismatched_or_short_password(app_db):
    at = AppTest.from_file(APP, default_timeout=30).run()
    at = fill_first_run(at, "truongtram", PASSWORD, PASSWORD + "x")
    assert "không khớp" in at.error[0].value
    at = fill_first_run(at, "truongtram", "ngan", "ngan")
    assert "ít nhất" in at.error[0].value
    con = db.connect(app_db)
    assert not auth.has_users(con)
    con.close()


def login(at: AppTest, user_name: str, password: str) -> AppTest:
    at.text_input[0].input(user_name)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def test_login_refuses_a_wrong_password_and_logs_the_attempt(accounts):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert at.title[0].value == "Đăng nhập"
    at = login(at, "chixem", "sai-mat-khau-roi")
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in at.error[0].value  # auth.login's message, as is
    assert at.title[0].value == "Đăng nhập"
    assert session.SESSION_USER not in at.session_state
    assert audit_actions(accounts)[-1] == ("login_failed", "chixem")


def test_login_and_logout(accounts):
    at = AppTest.from_file(APP, default_timeout=30).run()
    at = login(at, "ChiXem", PASSWORD)
    assert at.title[0].value == "Tổng quan"
    assert at.session_state[session.SESSION_USER] == "chixem"
    at = at.sidebar.button(key="logout").click().run()
    assert at.title[0].value == "Đăng nhập"
    assert [a for a in audit_actions(accounts) if a[1] == "chixem"] == [("login", "chixem"), ("logout", "chixem")]


def test_a_deactivated_account_is_logged_out_on_the_next_run(accounts):
    at = logged_in("nhap_lieu")
    assert at.title[0].value == "Tổng quan"
    con = db.connect(accounts)
    auth.set_active(con, "nhaplieu", False)
    con.close()
    at.run()
    assert at.title[0].value == "Đăng nhập"


# --- navigation and guards per role -----------------------------------------------------------------

@pytest.mark.parametrize("role", sorted(USERS))
def test_navigation_offers_exactly_the_pages_of_the_role(accounts, role):
    at = logged_in(role)
    for spec in nav.PAGES:
        if auth.can(role, spec.permission):
            at.switch_page(spec.path).run()
            assert not at.exception, (spec.path, at.exception)
            assert at.title[0].value == spec.title
            assert not [e for e in at.error if "không có quyền" in e.value]
        else:
            # Not in the role's navigation; opened anyway (a direct link), the page itself refuses.
            try:
                at.switch_page(spec.path).run()
            except ValueError:
                continue
            assert [e for e in at.error if "không có quyền" in e.value], spec.path
            assert not at.dataframe and not at.get("plotly_chart"), spec.path


EXPECTED_PAGES = {
    "truong_tram": 9,
    "phan_tich": 8,  # no Quản trị
    "nhap_lieu": 7,  # no review queue, no Quản trị
    "xem": 5,  # no import, no person lookup, no review queue, no Quản trị
}


@pytest.mark.parametrize("role", sorted(USERS))
def test_pages_per_role(role):
    paths = [spec.path for spec in nav.pages_for(role)]
    assert len(paths) == EXPECTED_PAGES[role]
    assert ("pages/quan_tri.py" in paths) is (role == "truong_tram")
    assert ("pages/doi_soat.py" in paths) is (role in ("truong_tram", "phan_tich"))
    assert ("pages/nhap_du_lieu.py" in paths) is (role != "xem")
    assert ("pages/tra_cuu.py" in paths) is (role != "xem")


FORBIDDEN = [(role, spec) for role in sorted(USERS) for spec in nav.PAGES if not auth.can(role, spec.permission)]


@pytest.mark.parametrize("role, spec", FORBIDDEN, ids=[f"{r}-{Path(s.path).stem}" for r, s in FORBIDDEN])
def test_a_page_opened_directly_refuses_a_role_without_permission(accounts, role, spec):
    """Defence in depth: even outside the navigation, the page itself refuses and logs the attempt."""
    at = logged_in(role, str(ROOT / spec.path))
    assert not at.exception
    assert "không có quyền" in at.error[0].value
    assert not at.title and not at.dataframe and not at.button and not at.file_uploader
    assert audit_actions(accounts)[-1] == ("denied", USERS[role])


@pytest.mark.parametrize("spec", nav.PAGES, ids=[Path(s.path).stem for s in nav.PAGES])
def test_a_page_opened_without_login_shows_only_the_login_form(accounts, spec):
    at = AppTest.from_file(str(ROOT / spec.path), default_timeout=30).run()
    assert [t.value for t in at.title] == ["Đăng nhập"]
    assert not at.dataframe and not at.metric and not at.get("plotly_chart")


@pytest.mark.parametrize("path", ["pages/tong_quan.py", "pages/thon.py", "pages/chat_luong.py",
                                  "pages/doi_soat.py", "pages/cong_viec.py", "pages/bao_cao.py",
                                  "pages/tra_cuu.py"])
def test_pages_without_data_say_how_to_get_some(accounts, path):
    at = logged_in("truong_tram")
    at.switch_page(path).run()
    assert not at.exception
    assert at.info[0].value == session.NO_DATA


# --- Quản trị ------------------------------------------------------------------------------------------

def test_head_creates_an_account_and_the_log_records_it(accounts):
    at = logged_in("truong_tram").switch_page("pages/quan_tri.py").run()
    at.text_input(key="new_user_name").input("ytethon")
    at.text_input(key="new_user_display").input("Lê Văn Cường")
    at.selectbox(key="new_user_role").select("nhap_lieu")
    at.text_input(key="new_user_password").input(PASSWORD)
    at.button(key="create_user").click().run()
    assert not at.exception
    assert any("ytethon" in s.value for s in at.success)
    con = db.connect(accounts)
    assert auth.get_user(con, "ytethon").role == "nhap_lieu"
    assert audit.read_log(con, action="user_created")["target"].tolist() == ["ytethon"]
    con.close()


def test_head_changes_a_role_and_it_applies_at_once(accounts):
    at = logged_in("truong_tram").switch_page("pages/quan_tri.py").run()
    at.selectbox(key="edit_user").select("chixem").run()
    at.selectbox(key="edit_role::chixem").select("phan_tich")
    at.button(key="save_user").click().run()
    assert not at.exception
    viewer = logged_in("xem")  # the old viewer's session now has the analyst's pages
    viewer.switch_page("pages/doi_soat.py").run()
    assert viewer.title[0].value == "Đối soát / trùng lặp"


def test_head_saves_campaign_dates_and_thresholds(accounts):
    at = logged_in("truong_tram").switch_page("pages/quan_tri.py").run()
    at.number_input(key="target_admin").set_value(97.0)  # percent on screen, a fraction in the file
    at.number_input(key="lower").set_value(0.6)
    at.button(key="save_settings").click().run()
    assert not at.exception
    saved = config.load_config()
    assert saved["campaign"]["target_admin"] == pytest.approx(0.97)
    assert saved["linkage"]["lower"] == pytest.approx(0.6)
    assert saved["station"]["commune_code"] == "00583"  # other sections kept


def test_head_reads_the_audit_log(accounts):
    at = logged_in("truong_tram").switch_page("pages/quan_tri.py").run()
    log_tables = [df.value for df in at.dataframe if "Hành động" in df.value.columns]
    assert log_tables, "audit log table missing"
    at.button(key="verify_audit").click().run()  # the check walks the whole log: it runs when asked
    assert "nguyên vẹn" in texts(at)


def test_head_saves_the_village_list_to_the_station_file(accounts):
    before = (config.REFERENCE_DIR / "villages.csv").read_text(encoding="utf-8")
    (config.REFERENCE_DIR / "villages.csv").write_text(before.replace("Giang Cao,", " Giang Cao ,", 1),
                                                       encoding="utf-8")  # stray spaces, as typed by hand
    at = logged_in("truong_tram").switch_page("pages/quan_tri.py").run()
    at.button(key="save_villages").click().run()
    assert not at.exception
    saved = (config.REFERENCE_DIR / "villages.csv").read_text(encoding="utf-8")
    assert "\nGiang Cao," in saved and " Giang Cao ," not in saved
    assert saved.count("\n") == before.count("\n")
    con = db.connect(accounts)
    assert audit.read_log(con, action="settings_changed")["target"].tolist() == ["villages.csv"]
    con.close()


def test_a_database_held_by_another_process_gives_a_clear_message(app_db):
    """DuckDB lets one process write a file: while a command holds it, the app says so instead of crashing."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
                                "time.sleep(60)"), str(app_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        at = AppTest.from_file(APP, default_timeout=30).run()
        assert not at.exception
        assert "đang được một chương trình khác sử dụng" in at.error[0].value
        assert not at.title
    finally:
        holder.kill()
        holder.wait()
