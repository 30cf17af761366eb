"""A station without internet: `make wheels` on a machine that has it, then an install that never touches the network.

The install runs in a network namespace of its own (`unshare -n`: no interface but loopback), so a package missing
from the wheel folder fails here exactly as it would at the station. pip resolves every requirement from the folder
(`--dry-run`: what `make run OFFLINE=1` installs, without spending the minutes of a real install)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(cmd, **kwargs):
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, capture_output=True, text=True, timeout=900, **kwargs)


def test_the_wheel_folder_installs_the_app_with_the_network_cut(tmp_path):
    wheels = tmp_path / "wheels"
    made = run(["make", "wheels", f"WHEELS={wheels}", f"PYTHON={sys.executable}"])
    assert made.returncode == 0, made.stdout + made.stderr
    assert any(p.name.startswith("splink-") for p in wheels.iterdir())
    no_net = run(["unshare", "-n", sys.executable, "-c", "import socket; socket.create_connection(('1.1.1.1', 80), 2)"])
    assert no_net.returncode != 0  # the namespace really has no network
    venv = tmp_path / "venv"
    assert run(["unshare", "-n", sys.executable, "-m", "venv", venv]).returncode == 0
    resolved = run(["unshare", "-n", venv / "bin" / "python", "-m", "pip", "install", "--dry-run", "--no-index",
                    "--find-links", wheels, "-r", ROOT / "requirements.txt"])
    assert resolved.returncode == 0, resolved.stdout + resolved.stderr
    assert "Would install" in resolved.stdout and "streamlit" in resolved.stdout
