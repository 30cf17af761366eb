"""The pages on a small seeded demo commune: numbers, roles, masking, downloads and the review queue."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, PASSWORD, USERS, app_db, logged_in, texts  # noqa: F401  (app_db is a fixture)

from hssk import audit, auth, db, labels
from hssk.app import nav, privacy
from hssk.fmt import vn_int, vn_pct
from hssk.masking import mask_text

ROOT = Path(__file__).resolve().parent.parent
RESIDENTS = 400


def cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "hssk", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> dict:
    """A demo commune linked and measured by the command line, plus one account per role.

    Two KPI snapshots (an earlier date and today) give the progress chart a trend; the JSON of today's
    `python -m hssk kpi --json` is what the overview must show.
    """
    base = tmp_path_factory.mktemp("demo")
    path = base / "demo.duckdb"
    cli("demo", "--db", str(path), "--out", str(base / "files"), "--residents", str(RESIDENTS))
    cli("kpi", "--db", str(path), "--as-of", "2026-10-01")
    kpi_json = json.loads(cli("kpi", "--db", str(path), "--json"))
    pristine = base / "pristine.duckdb"  # no accounts yet, never opened by this process (browser test)
    shutil.copy(path, pristine)
    con = db.connect(path)
    auth.ensure_schema(con)
    auth.create_first_admin(con, USERS["truong_tram"], PASSWORD)
    for role, name in USERS.items():
        if role != "truong_tram":
            auth.create_user(con, name, PASSWORD, role)
    secrets = {value for (value,) in con.execute("""
        select distinct v from (
            select unnest([personal_id, personal_id_orig, old_id, insurance_card, social_insurance_no, phone,
                           phone_orig]) as v
            from clean)
        where length(regexp_replace(v, '[^0-9]', '', 'g')) >= 9""").fetchall()}
    con.close()
    return {"path": path, "pristine": pristine, "kpi": kpi_json, "secrets": secrets}


@pytest.fixture
def shared(demo, app_db, monkeypatch) -> Path:
    """The demo database itself, for tests that only read (page views still append to the audit log)."""
    monkeypatch.setenv("HSSK_DB", str(demo["path"]))
    return demo["path"]


@pytest.fixture
def fresh(demo, app_db, monkeypatch) -> Path:
    """A private copy of the demo database, for tests that decide or import."""
    shutil.copy(demo["path"], app_db)
    return app_db


@pytest.fixture
def downloads(monkeypatch) -> list[dict]:
    """Every download a page offers: the user, the file name and the very function that builds the file."""
    offered = []
    real = privacy.download_button

    def spy(user, label, build, file_name, what, **kwargs):
        offered.append({"user": user, "build": build, "file_name": file_name, "what": what})
        return real(user, label, build, file_name, what, **kwargs)

    monkeypatch.setattr(privacy, "download_button", spy)
    return offered


def screen(at: AppTest) -> str:
    """Every text the page shows, including chart data and widget options."""
    parts = [texts(at)]
    parts += [chart.proto.spec for chart in at.get("plotly_chart")]
    parts += [str(getattr(w, "options", "")) + str(getattr(w, "value", "")) for w in at.selectbox]
    parts += [str(e.proto) for kind in ("expander", "tab") for e in at.get(kind)]
    return "\n".join(parts)


def file_cells(data: bytes, file_name: str) -> list[str]:
    if file_name.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(data))
        return [c if isinstance(c, str) else str(c) for ws in book.worksheets
                for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    return [data.decode("utf-8-sig")]


def decode_plotly_array(value) -> list:
    """Plotly 7 stores numeric arrays as {"dtype", "bdata" (base64)}."""
    if isinstance(value, dict) and "bdata" in value:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def gauge_value(at: AppTest, index: int) -> float:
    return json.loads(at.get("plotly_chart")[index].proto.spec)["data"][0]["value"]


# --- numbers --------------------------------------------------------------------------------------

def test_overview_shows_the_numbers_of_kpi_json(shared, demo):
    overall = demo["kpi"]["overall"]
    at = logged_in("xem")
    assert not at.exception
    assert gauge_value(at, 0) == pytest.approx(overall["kpi_admin"] * 100)
    assert gauge_value(at, 1) == pytest.approx(overall["kpi_health"] * 100)
    names = labels.kpi_labels()
    shown = {m.label: m.value for m in at.metric}
    assert shown[names["coverage"]] == vn_pct(overall["coverage"])
    for key in ("residents_alive", "with_record", "missing_record", "duplicate_persons", "extra_records",
                "deceased_with_record", "off_register_records"):
        assert shown[names[key]] == vn_int(overall[key]), key
    bars = json.loads(at.get("plotly_chart")[2].proto.spec)["data"][0]
    assert set(bars["y"]) == {v for v, values in demo["kpi"]["villages"].items() if values["kpi_admin"] is not None}


def test_overview_draws_the_trend_with_targets_and_projection(shared):
    at = logged_in("truong_tram")
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    trend = specs[-1]
    names = [trace.get("name", "") for trace in trend["data"]]
    assert any("dự báo" in n for n in names) and any("chỉ tiêu" in n for n in names)
    assert any("hạn chót" in a.get("text", "") for a in trend["layout"].get("annotations", []))
    assert any("Đánh giá" in df.value.columns for df in at.dataframe)


def test_village_page_matches_the_village_figures(shared, demo):
    village, values = next((v, x) for v, x in demo["kpi"]["villages"].items() if x["residents_alive"])
    at = logged_in("phan_tich").switch_page("pages/thon.py").run()
    at.sidebar.selectbox(key="village_filter").select(village).run()
    assert not at.exception
    assert at.header[0].value == village
    assert gauge_value(at, 0) == pytest.approx(values["kpi_admin"] * 100)
    shown = {m.label: m.value for m in at.metric}
    assert shown[labels.kpi_labels()["residents_alive"]] == vn_int(values["residents_alive"])


# --- every page, every role -------------------------------------------------------------------------

@pytest.mark.parametrize("role", sorted(USERS))
def test_every_allowed_page_renders_with_data(shared, role):
    at = logged_in(role)
    for spec in nav.pages_for(role):
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.path, [e.value for e in at.exception])
        assert at.title[0].value == spec.title
        assert not at.error, (spec.path, [e.value for e in at.error])


def test_a_viewer_never_sees_an_identifier(shared, demo, downloads):
    """Every page, every worklist kind and every offered download, for the viewer role."""
    assert len(demo["secrets"]) > 100  # the demo has identifiers to leak
    at = logged_in("xem")
    seen = []
    for spec in nav.pages_for("xem"):
        at.switch_page(spec.path).run()
        seen.append(screen(at))
        if spec.path.endswith("cong_viec.py"):
            for kind in at.selectbox(key="worklist_kind").options[1:]:
                at.selectbox(key="worklist_kind").select(kind).run()
                seen.append(screen(at))
    text = "\n".join(seen)
    leaked = [s for s in demo["secrets"] if s in text]
    assert not leaked, leaked[:5]
    assert "******" in text  # identifiers are shown, masked

    assert {d["what"] for d in downloads} >= {"worklist:all", "report"}
    con = db.connect(shared)
    try:
        for offer in {d["file_name"]: d for d in downloads}.values():
            cells = file_cells(offer["build"](con), offer["file_name"])
            assert cells, offer["file_name"]
            assert not [s for s in demo["secrets"] if any(s in c for c in cells)], offer["file_name"]
            assert all(mask_text(c) == c for c in cells), offer["file_name"]
    finally:
        con.close()


def test_staff_see_identifiers_and_the_view_is_logged(shared, demo):
    at = logged_in("nhap_lieu").switch_page("pages/cong_viec.py").run()
    assert any(s in screen(at) for s in demo["secrets"])
    con = db.connect(shared)
    views = audit.read_log(con, user_name=USERS["nhap_lieu"], action="view_personal")
    con.close()
    assert any(t.startswith("worklist:") for t in views["target"])


def test_a_viewer_download_is_logged_when_built(shared, downloads):
    logged_in("xem").switch_page("pages/cong_viec.py").run()
    offer = next(d for d in downloads if d["what"].startswith("worklist:") and d["what"] != "worklist:all")
    con = db.connect(shared)
    try:
        before = len(audit.read_log(con, action="export"))
        # What the button runs on click: build, then append the export to the audit log.
        data = audit.audited_export(con, offer["user"].user_name, offer["user"].role, offer["what"],
                                    lambda: offer["build"](con))
        log = audit.read_log(con, action="export")
    finally:
        con.close()
    assert data[:2] == b"PK"  # an .xlsx
    assert len(log) == before + 1 and log.loc[0, "user_name"] == USERS["xem"]


# --- the review queue -------------------------------------------------------------------------------

def queue_pairs(path: Path) -> set[str]:
    con = db.connect(path)
    try:
        return {f"reason::{l}|{r}" for l, r in con.execute(
            "select record_key_l, record_key_r from review_queue").fetchall()}
    finally:
        con.close()


def current_pair(at: AppTest) -> str:
    return next(t for t in at.text_input if t.key.startswith("reason::")).key


def test_analyst_accepts_one_pair_and_rejects_another(fresh):
    start = queue_pairs(fresh)
    assert len(start) >= 2
    at = logged_in("phan_tich").switch_page("pages/doi_soat.py").run()
    first = current_pair(at)
    table = at.dataframe[0].value
    assert {"Hồ sơ A", "Hồ sơ B", "Khác"} <= set(table.columns)

    at.button(key="accept").click().run()  # no reason: refused
    assert "lý do" in at.error[0].value.lower()
    at.text_input(key=first).input("Cùng họ tên, ngày sinh và số định danh")
    at.button(key="accept").click().run()
    assert not at.exception
    assert any("cùng một người" in s.value for s in at.success)
    second = current_pair(at)
    assert second != first
    at.text_input(key=second).input("Khác năm sinh và khác mẹ")
    at.button(key="reject").click().run()
    assert not at.exception

    con = db.connect(fresh)
    decisions = con.execute("select action, user_name from decisions order by decision_id").fetchall()
    logged = audit.read_log(con, action="decision")["detail"].map(json.loads)
    con.close()
    assert decisions == [("accept", "phantich"), ("reject", "phantich")]
    assert [d["action"] for d in logged][::-1] == ["accept", "reject"]
    left = queue_pairs(fresh)
    assert first in start and second in start
    assert first not in left and second not in left


def test_the_pair_explanation_is_drawn_as_a_waterfall(shared, monkeypatch):
    """The review page draws whatever hssk.link explains for the pair (here a stand-in explanation)."""
    import pandas as pd

    from hssk import link

    calls = []

    def explain_pair(con, key_l, key_r):
        calls.append((key_l, key_r))
        return pd.DataFrame({"label": ["Xác suất ban đầu", "Họ tên", "Ngày sinh"],
                             "match_weight": [-8.0, 6.5, 4.0]})

    monkeypatch.setattr(link, "explain_pair", explain_pair, raising=False)
    at = logged_in("phan_tich").switch_page("pages/doi_soat.py").run()
    assert not at.exception
    key_l, key_r = current_pair(at).removeprefix("reason::").split("|")
    assert calls == [(key_l, key_r)]
    trace = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert trace["type"] == "waterfall"
    assert trace["y"] == ["Xác suất ban đầu", "Họ tên", "Ngày sinh", "Tổng trọng số"]


def test_the_real_model_explanation_adds_up_to_the_pair_weight(shared):
    """Without stand-ins: the waterfall of the first queued pair sums to its stored match weight."""
    at = logged_in("phan_tich").switch_page("pages/doi_soat.py").run()
    assert not at.exception
    key_l, key_r = current_pair(at).removeprefix("reason::").split("|")
    trace = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert trace["type"] == "waterfall"
    con = db.connect(shared)  # same configuration as the app's connection in this process
    stored = con.execute("select match_weight from link_predictions where record_key_l = ? and record_key_r = ?",
                         [min(key_l, key_r), max(key_l, key_r)]).fetchall()
    con.close()
    steps = decode_plotly_array(trace["x"])[:-1]  # the last bar is the total
    assert stored and abs(sum(steps) - stored[0][0]) < 1e-6


def test_skip_shows_the_next_pair_without_deciding(fresh):
    at = logged_in("truong_tram").switch_page("pages/doi_soat.py").run()
    first = current_pair(at)
    at.button(key="skip").click().run()
    assert current_pair(at) != first
    con = db.connect(fresh)
    assert con.execute("select count(*) from decisions").fetchone()[0] == 0
    con.close()


def test_a_split_and_its_undo_from_the_cluster_view(fresh):
    con = db.connect(fresh)
    person = con.execute("select person_id from person_records group by 1 having count(*) >= 3 "
                         "order by 1 limit 1").fetchone()[0]
    con.close()
    at = logged_in("phan_tich").switch_page("pages/doi_soat.py").run()
    at.text_input(key="person_lookup").input(person).run()
    box = at.selectbox(key="split_key")  # options read as "HSSK · HS… · name"; the value is the record key
    assert not [o for o in box.options if o.split(" · ")[0].endswith(":") or o.startswith(("hssk:", "care:"))]
    box.select_index(len(box.options) - 1).run()
    key = at.session_state["split_key"]
    at.text_input(key="split_reason").input("Hồ sơ của người khác cùng tên")
    at.button(key="split").click().run()
    assert not at.exception
    con = db.connect(fresh)
    assert con.execute("select person_id from person_records where record_key = ?", [key]).fetchone()[0] != person
    decision_id = con.execute("select max(decision_id) from decisions").fetchone()[0]
    con.close()
    at.selectbox(key="undo_id").select(decision_id)
    at.text_input(key="undo_reason").input("Tách nhầm")
    at.button(key="undo").click().run()
    assert not at.exception
    con = db.connect(fresh)
    assert con.execute("select person_id from person_records where record_key = ?", [key]).fetchone()[0] == person
    con.close()


# --- import ---------------------------------------------------------------------------------------------

POPULATION_CSV = (
    "Số định danh cá nhân,Họ và tên,Ngày sinh,Giới tính,Thôn,Số ĐT liên lạc\n"
    "001190000111,Nguyễn Văn An,01/02/1990,Nam,Giang Cao,0912345678\n"
    "001295000222,Trần Thị Bình,1995,Nữ,Khoan Tế,\n"
    "12345,Lê Văn Cường,15/06/1980,Nam,Giang Cao,0987654321\n"
).encode()


def test_import_with_a_fixed_column_then_undo(app_db):
    con = db.connect(app_db)
    auth.ensure_schema(con)
    auth.create_first_admin(con, USERS["truong_tram"], PASSWORD)
    con.close()
    at = logged_in("truong_tram").switch_page("pages/nhap_du_lieu.py").run()
    at.selectbox(key="import_kind").select("population")
    at.file_uploader(key="import_files").upload("dan_cu.csv", POPULATION_CSV, "text/csv")
    at.run()
    assert not at.exception
    unknown = at.selectbox(key="map::dan_cu.csv::Số ĐT liên lạc")
    unknown.select("phone").run()
    at.button(key="check_import").click().run()
    assert not at.exception
    assert "Đọc được 3 dòng" in at.success[0].value
    con = db.connect(app_db)
    assert con.execute("select count(*) from import_batches").fetchone()[0] == 0  # nothing committed yet
    con.close()

    at.button(key="commit_import").click().run()
    assert not at.exception
    con = db.connect(app_db)
    phones = con.execute("select phone from clean order by row_number").fetchall()
    assert con.execute("select count(*) from import_batches").fetchone()[0] == 1
    assert audit.read_log(con, action="import")["target"].tolist() == ["population"]
    con.close()
    assert phones[0] == ("0912345678",)  # the fixed column was used

    at.checkbox(key="undo_confirm").check().run()
    at.button(key="undo_import").click().run()
    assert not at.exception
    con = db.connect(app_db)
    assert con.execute("select count(*) from current_clean").fetchone()[0] == 0
    assert audit.read_log(con, action="undo_import")["target"].tolist() == ["1"]
    con.close()


def test_data_entry_cannot_undo_an_import(fresh):
    at = logged_in("nhap_lieu").switch_page("pages/nhap_du_lieu.py").run()
    assert not at.exception
    assert "undo_import" not in [b.key for b in at.button]
    assert not [c for c in at.checkbox if c.key == "undo_confirm"]


def test_uploaded_copies_leave_the_disk_after_import_and_after_cancel(app_db):
    con = db.connect(app_db)
    auth.ensure_schema(con)
    auth.create_first_admin(con, USERS["truong_tram"], PASSWORD)
    con.close()
    at = logged_in("truong_tram").switch_page("pages/nhap_du_lieu.py").run()
    at.selectbox(key="import_kind").select("population")
    at.file_uploader(key="import_files").upload("dan_cu.csv", POPULATION_CSV, "text/csv")
    at.run()
    folder = Path(at.session_state["_import_upload_dir"])
    copy = folder / "dan_cu.csv"
    assert copy.read_bytes() == POPULATION_CSV
    assert folder.name.startswith("hssk_upload_") and folder.stat().st_mode & 0o077 == 0
    assert copy.stat().st_mode & 0o777 == 0o600
    at.button(key="check_import").click().run()
    at.button(key="commit_import").click().run()
    assert not at.exception
    assert not folder.exists()  # imported: the copy is gone

    at.file_uploader(key="import_files").upload("dan_cu_2.csv", POPULATION_CSV, "text/csv")
    at.run()
    folder = Path(at.session_state["_import_upload_dir"])
    assert (folder / "dan_cu_2.csv").exists()
    at.file_uploader(key="import_files").set_value(None)
    at.run()
    assert not at.exception
    assert not folder.exists()  # cancelled: the copy is gone too
