"""Page times in a real browser (Playwright + Debian Chromium) against a live `streamlit run app.py`.

    .venv/bin/python -m hssk demo --residents 50000 --db benchmarks/out/demo50k.duckdb --out benchmarks/out/demo50k
    .venv/bin/python benchmarks/pages.py --db benchmarks/out/demo50k.duckdb   # a copy is used; the file is kept

For each role a fresh server is started (its caches are empty), the role logs in and opens every page it may see
from the sidebar: the first visit is "cold", a second round is "warm". A page counts as shown when its title,
every chart and the end of its script run are on screen: from the click on the navigation link (from the login
button for the first page) to that moment. On *Đối soát* the step from "Cùng một người" to the next pair is timed
too. `--root` measures another checkout of the workbench (e.g. the code before a change) on the same copy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "benchmark-password-2026"
REASON_LABEL = "Lý do (bắt buộc khi chấp nhận hoặc từ chối)"
SHOWN = """title => {
    const app = document.querySelector('[data-testid=stApp]');
    const heading = [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === title);
    const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
    const drawn = charts.every(c => c.querySelector('.main-svg'));
    return heading && drawn && app?.dataset.testScriptState === 'notRunning';
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(source: Path, work: Path) -> tuple[Path, Path, dict[str, str]]:
    """A copy of the database (and its audit key files) with one account per role, and a copy of the settings."""
    from hssk import auth, config, db

    db_file = work / "bench.duckdb"
    for path in source.parent.glob(source.name + "*"):
        shutil.copyfile(path, work / path.name.replace(source.name, db_file.name, 1))
    settings = work / "config.toml"
    shutil.copyfile(config.CONFIG_PATH, settings)
    con = db.connect(db_file)
    auth.ensure_schema(con)
    names = {}
    for role in auth.ROLES:
        names[role] = f"bench_{role}"
        if auth.get_user(con, names[role]) is None:
            if role == auth.ADMIN_ROLE and not auth.has_users(con):
                auth.create_first_admin(con, names[role], PASSWORD)
            else:
                auth.create_user(con, names[role], PASSWORD, role, must_change_password=False)
    con.close()
    return db_file, settings, names


class Server:
    """`streamlit run app.py` of `root` on `db_file`, on a free loopback port."""

    def __init__(self, root: Path, db_file: Path, settings: Path, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "HSSK_DB": str(db_file), "HSSK_CONFIG": str(settings), "PYTHONPATH": str(root)}
        self.log = open(log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
             "--server.port", str(self.port), "--server.headless", "true"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(240):
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1).read() == b"ok":
                    return
            except OSError:
                time.sleep(0.25)
        self.stop()
        raise SystemExit("streamlit did not start: " + log.read_text())

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def shown(page, title: str) -> None:
    page.wait_for_function(SHOWN, arg=title, polling=25, timeout=120_000)


def idle(page) -> None:
    page.wait_for_timeout(100)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'",
        polling=25, timeout=120_000)


def open_page(page, title: str) -> float:
    start = time.perf_counter()
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    shown(page, title)
    return time.perf_counter() - start


def accept_next(page, rounds: int) -> list[float]:
    """Seconds from "Cùng một people" to the next pair on screen, `rounds` times."""
    times = []
    for _ in range(rounds):
        pair = page.locator("strong", has_text="Cặp ").first.inner_text()
        box = page.get_by_label(REASON_LABEL, exact=True)
        box.fill("Đo thời gian")
        box.press("Enter")
        idle(page)
        start = time.perf_counter()
        page.get_by_role("button", name="Cùng một người").click()
        page.wait_for_function(
            """before => {
                const app = document.querySelector('[data-testid=stApp]');
                const pair = [...document.querySelectorAll('strong')].find(s => s.innerText.startsWith('Cặp '));
                return app?.dataset.testScriptState === 'notRunning' && pair && pair.innerText !== before;
            }""", arg=pair, polling=25, timeout=120_000)
        times.append(time.perf_counter() - start)
    return times


def measure_role(browser, server: Server, user_name: str, pages: list) -> tuple[list[tuple[str, float, float]],
                                                                               list[float]]:
    context = browser.new_context(viewport={"width": 1280, "height": 1500}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(server.url)
    page.get_by_role("heading", name="Đăng nhập").wait_for()
    idle(page)
    page.get_by_label("Tên đăng nhập", exact=True).fill(user_name)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    start = time.perf_counter()
    page.get_by_role("button", name="Đăng nhập").click()
    shown(page, pages[0].title)
    cold = {pages[0].title: time.perf_counter() - start}
    for spec in pages[1:]:
        cold[spec.title] = open_page(page, spec.title)
    warm = {spec.title: open_page(page, spec.title) for spec in pages[1:] + pages[:1]}
    steps = []
    if any(spec.path.endswith("doi_soat.py") for spec in pages):
        doi_soat = next(spec.title for spec in pages if spec.path.endswith("doi_soat.py"))
        open_page(page, doi_soat)
        steps = accept_next(page, 4)
    context.close()
    return [(spec.title, cold[spec.title], warm[spec.title]) for spec in pages], steps


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(ROOT / "benchmarks" / "out" / "demo50k.duckdb"))
    parser.add_argument("--root", default=str(ROOT), help="the checkout whose app.py is measured")
    parser.add_argument("--roles", nargs="*", help="only these roles (default: every role)")
    args = parser.parse_args(argv)
    source, root = Path(args.db), Path(args.root)
    if not source.exists():
        raise SystemExit(f"Không có tệp {source}: hãy tạo bằng `python -m hssk demo --residents 50000 --db {source}`.")

    from playwright.sync_api import sync_playwright

    from hssk import auth
    from hssk.app import nav

    work = Path(tempfile.mkdtemp(prefix="hssk-pages-"))
    rows, steps = [], []
    try:
        db_file, settings, names = prepare(source, work)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
            for role in args.roles or list(auth.ROLES):
                server = Server(root, db_file, settings, work / f"server_{role}.log")
                try:
                    measured, accepted = measure_role(browser, server, names[role], nav.pages_for(role))
                finally:
                    server.stop()
                rows += [(auth.ROLES[role], *row) for row in measured]
                steps += accepted
            browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("| Vai trò | Trang | Lần đầu (s) | Lần sau (s) |\n|---|---|---:|---:|")
    for role, title, cold, warm in rows:
        print(f"| {role} | {title} | {cold:.2f} | {warm:.2f} |".replace(".", ","))
    print(f"\nSlowest cold page: {max(r[2] for r in rows):.2f} s; slowest warm page: {max(r[3] for r in rows):.2f} s")
    if steps:
        print(f"Đối soát, accept → next pair: median {statistics.median(steps):.2f} s, max {max(steps):.2f} s "
              f"({len(steps)} steps)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
