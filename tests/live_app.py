"""A live `streamlit run app.py` for the browser tests: one home for starting it on a free loopback port, waiting
for its health check and ending its process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from hssk import config

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(db_file: Path, base: Path):
    """The app on `db_file`, with a copy of data/config.toml in `base` (its server.log there too). Yields
    {"url", "db", "env", "dir", "log", "proc", "stop"}; `stop()` ends the server early (DuckDB lets one process
    open the file: a test reads it once the app has stopped)."""
    config_copy = base / "config.toml"
    if not config_copy.exists():
        config_copy.write_bytes(config.CONFIG_PATH.read_bytes())
    port = free_port()
    env = {**os.environ, "HSSK_DB": str(db_file), "HSSK_CONFIG": str(config_copy)}
    with open(base / "server.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

        def stop():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)

        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.25)
            else:
                pytest.fail("streamlit did not start: " + (base / "server.log").read_text())
            yield {"url": url, "db": db_file, "env": env, "dir": base, "log": base / "server.log", "proc": proc,
                   "stop": stop}
        finally:
            stop()
