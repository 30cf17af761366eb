"""Nhập dữ liệu in a real browser (Debian Chromium, Playwright) against a live `streamlit run app.py`:
- data entry imports a death list: the progress bar runs through the refresh, and Tổng quan shows the new figures
  without any other action;
- the tiny far-cell workbook (one cell at XFD1048576) uploaded in one session is refused with the Vietnamese
  limit message, while another logged-in session keeps working and the server stays up.
No request leaves 127.0.0.1."""

from __future__ import annotations

import re
import shutil
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from test_app import PASSWORD, USERS
from test_app_data import demo  # noqa: F401  (session fixture: demo database with one account per role)
from test_browser import ARTIFACTS, CHROMIUM, go, idle

from hssk import db
from hssk.fmt import vn_int
from tests.files import write_csv, write_raw_xlsx
from tests.live_app import serving

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ALIVE = "Dân số còn sống (theo DS dân cư)"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


def serve(db_file: Path, base: Path):
    """`streamlit run app.py` on `db_file` (tests.live_app.serving)."""
    return serving(db_file, base)


@pytest.fixture(scope="module")
def server(demo, tmp_path_factory):
    base = tmp_path_factory.mktemp("import_browser")
    db_file = base / "hssk.duckdb"
    shutil.copy(demo["path"], db_file)
    con = db.connect(db_file)  # one resident alive on the register, with an HSSK record: the death to import
    death = con.execute("""
        select c.full_name, strftime(c.birth_date, '%d/%m/%Y'), c.personal_id
        from current_clean c
        where c.kind = 'population' and c.personal_id is not null and c.birth_precision = 'day'
          and c.status = 'alive'
        order by c.personal_id limit 1""").fetchone()
    con.close()
    with serve(db_file, base) as running:
        yield {**running, "death": death}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def session(browser, server, role: str, requests: list[str]):
    context = browser.new_context(viewport={"width": 1280, "height": 1500}, locale="vi-VN")
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(server["url"])
    page.get_by_role("heading", name="Đăng nhập").wait_for()
    idle(page)
    page.get_by_label("Tên đăng nhập", exact=True).fill(USERS[role])
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("heading", name="Tổng quan").wait_for()
    idle(page)
    return context, page


def metric(page, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def choose_kind(page, kind_label: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text="Loại dữ liệu").first.click()
    page.get_by_role("option", name=kind_label).click()
    idle(page)


def upload(page, path: Path) -> None:
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_test_id("stFileChipName").filter(has_text=path.name).first.wait_for(state="attached")
    idle(page)


def only_local(requests: list[str]) -> list[str]:
    return [u for u in requests if urllib.parse.urlparse(u).hostname not in ("127.0.0.1", "localhost")]


def test_an_import_shows_its_progress_and_the_overview_shows_the_new_figures(server, browser, tmp_path):
    requests: list[str] = []
    context, page = session(browser, server, "nhap_lieu", requests)
    try:
        alive_before = metric(page, ALIVE)
        name, birth, pid = server["death"]
        deaths = write_csv(tmp_path / "khai_tu.csv", [["Họ và tên", "Ngày sinh", "Số định danh cá nhân", "Ngày mất"],
                                                      [name, birth, pid, "01/11/2026"]])
        go(page, "Nhập dữ liệu")
        choose_kind(page, "Khai tử")
        page.get_by_text("Nhận bảng tính Excel").first.wait_for()  # what this kind accepts
        upload(page, deaths)
        page.get_by_role("button", name="Kiểm tra").click()
        page.get_by_text("Đọc được 1 dòng").wait_for()
        idle(page)
        page.get_by_role("button", name="Nhập", exact=True).click()
        bar = page.get_by_test_id("stProgress")
        bar.first.wait_for(state="visible")  # the progress bar shows while the import and the refresh run
        page.get_by_text("Xong:").first.wait_for()  # the refresh's last step, on the bar
        idle(page)
        page.screenshot(path=str(ARTIFACTS / "import_10_done.png"))
        assert not page.get_by_test_id("stException").count()
        done = page.get_by_test_id("stAlertContentSuccess").all_inner_texts()
        assert any("Đã nhập 1 dòng (Khai tử)" in t for t in done), done
        assert any(re.search(r"Đã cập nhật số liệu: .* \d+,\d giây\)", t) for t in done), done
        go(page, "Tổng quan")
        page.screenshot(path=str(ARTIFACTS / "import_11_overview.png"))
        before = int(alive_before.replace(".", ""))
        assert metric(page, ALIVE) == vn_int(before - 1)  # no other action: the figures followed the import
    finally:
        context.close()
    assert not only_local(requests), only_local(requests)[:5]


def test_the_far_cell_workbook_is_refused_while_another_session_keeps_working(server, browser, tmp_path):
    far = write_raw_xlsx(tmp_path / "xa_xoi.xlsx", [["Mã HSSK", "Họ và tên", "Ngày sinh", "Giới tính"],
                                                    ["HS001", "Nguyễn Văn An", "05/03/1980", "Nam"]],
                         dimension="A1:XFD1048576", extra_cells=[(1048576, 16384, "x")])
    assert far.stat().st_size < 2500
    requests: list[str] = []
    head_context, head = session(browser, server, "truong_tram", requests)
    clerk_context, clerk = session(browser, server, "nhap_lieu", requests)
    try:
        go(clerk, "Nhập dữ liệu")
        choose_kind(clerk, "Hồ sơ sức khỏe (xuất từ hệ thống HSSK)")
        started = time.monotonic()
        upload(clerk, far)
        error = clerk.get_by_test_id("stAlertContentError").filter(has_text="xa_xoi.xlsx").first
        error.wait_for()
        refused_after = time.monotonic() - started
        message = error.inner_text()
        clerk.screenshot(path=str(ARTIFACTS / "import_20_far_cell.png"))
        assert re.search(r"200 cột", message) and "16.384" in message, message
        assert refused_after < 30, refused_after
        # The other session keeps working: pages open and show their figures, the server is up.
        for title in ("Chất lượng dữ liệu", "Danh sách công việc", "Tổng quan"):
            go(head, title)
            assert not head.get_by_test_id("stException").count()
        assert metric(head, ALIVE)
        assert server["proc"].poll() is None
        assert urllib.request.urlopen(f"{server['url']}/_stcore/health", timeout=5).read() == b"ok"
        # …and so does the clerk's own session.
        go(clerk, "Tổng quan")
        assert metric(clerk, ALIVE)
    finally:
        clerk_context.close()
        head_context.close()
    assert "memory allocation" not in server["log"].read_text()
    assert not only_local(requests), only_local(requests)[:5]


REGISTER = [["Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Thôn"],
            ["001080012345", "Nguyễn Văn An", "05/03/1980", "Nam", "Kinh", "Thôn Xuân Dục"],
            ["001180012346", "Lê Thị Bình", "06/04/1980", "Nữ", "Kinh", "Thôn Xuân Dục"]]
HSSK = [["Mã HSSK", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Dân tộc", "Thôn"],
        ["HS1", "Nguyễn Văn An", "05/03/1980", "Nam", "001080012345", "Kinh", "Xuân Dục"],
        ["HS2", "Lê Thị Bình", "06/04/1980", "Nữ", "001180012346", "Kinh", "Xuân Dụk"]]  # a typo: no village


def test_the_head_maps_a_village_spelling_in_one_click(browser, tmp_path):
    """A station whose villages are not in villages.csv, one HSSK record spelling its village wrong: the head
    sees it on Chất lượng with the suggested village and maps it with «Gán»; the village's figures follow."""
    from hssk import auth
    from hssk.ingest.store import import_files
    from hssk.refresh import bring_up_to_date

    db_file = tmp_path / "tram.duckdb"
    with db.connect(db_file) as con:
        auth.ensure_schema(con)
        auth.create_first_admin(con, USERS["truong_tram"], PASSWORD)
        import_files(con, [write_csv(tmp_path / "dc.csv", REGISTER)], "population")
        import_files(con, [write_csv(tmp_path / "hs.csv", HSSK)], "hssk")
        bring_up_to_date(con)
    requests: list[str] = []
    with serve(db_file, tmp_path) as running:
        context, page = session(browser, running, "truong_tram", requests)
        try:
            go(page, "Chất lượng dữ liệu")
            page.get_by_role("heading", name="Tên thôn chưa khớp với thôn nào").wait_for()
            page.get_by_test_id("stMarkdown").filter(has_text="Xuân Dụk — 1 hồ sơ").first.wait_for()
            page.screenshot(path=str(ARTIFACTS / "import_30_villages.png"))
            box = page.get_by_test_id("stSelectbox").filter(has_text="Gán «Xuân Dụk» cho thôn").first
            shown = box.evaluate("el => el.innerText + ' ' + [...el.querySelectorAll('input')]"
                                 ".map(i => i.value + ' ' + (i.getAttribute('aria-label') || '')).join(' ')")
            assert "Xuân Dục" in shown.replace("Gán «Xuân Dụk» cho thôn", ""), shown  # the suggestion, preselected
            page.get_by_role("button", name="Gán", exact=True).first.click()
            page.get_by_text("Đã gán «Xuân Dụk» cho thôn Xuân Dục").wait_for()
            idle(page)
            assert page.get_by_text("Mọi tên thôn trong các tệp đã nhập đều khớp với một thôn.").count() == 1
            page.screenshot(path=str(ARTIFACTS / "import_31_mapped.png"))
        finally:
            context.close()
    with db.connect(db_file, read_only=True) as con:
        from hssk import kpi

        assert kpi.compute(con)["villages"]["Xuân Dục"]["kpi_admin"] == 1.0  # both records now in Xuân Dục
    assert not only_local(requests), only_local(requests)[:5]
