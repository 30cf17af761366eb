"""The app's layout: only hssk/app imports streamlit, pages hold no SQL and no importlib, pages import what they
use directly, app modules stay small, and the charts are built from data without streamlit."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "pages").glob("*.py"))
LIBRARY = sorted(p for p in (ROOT / "hssk").rglob("*.py") if "app" not in p.relative_to(ROOT / "hssk").parts)
SQL = re.compile(r"\b(select|insert|update|delete|create)\b[^\n]*\b(from|into|set|table|view)\b", re.IGNORECASE)


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def strings(path: Path) -> list[str]:
    return [n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant) and isinstance(n.value, str)]


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_app_package_imports_streamlit(path):
    assert not {m for m in imported(path) if m.split(".")[0] == "streamlit"}


@pytest.mark.parametrize("path", PAGES + [ROOT / "app.py"], ids=lambda p: p.name)
def test_pages_hold_no_sql_no_importlib_and_no_hssk_ui(path):
    assert not [s for s in strings(path) if SQL.search(s)], "SQL text in a page"
    assert "importlib" not in path.read_text(encoding="utf-8")
    assert "hssk.ui" not in imported(path) and not (ROOT / "hssk" / "ui.py").exists()


@pytest.mark.parametrize("path", sorted((ROOT / "hssk" / "app").glob("*.py")), ids=lambda p: p.name)
def test_app_modules_are_small_and_static(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 300
    assert "importlib" not in text


def test_the_charts_need_no_streamlit():
    code = ("import sys, hssk.app.charts; "
            "print(any(m == 'streamlit' or m.startswith('streamlit.') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_charts_are_built_from_data():
    from hssk.app import charts

    gauge = json.loads(charts.gauge(0.953, 0.95, "Hành chính").to_json())["data"][0]
    assert gauge["value"] == pytest.approx(95.3) and gauge["gauge"]["bar"]["color"] == charts.GREEN
    assert json.loads(charts.gauge(0.5, 0.95, "x").to_json())["data"][0]["gauge"]["bar"]["color"] == charts.ORANGE
    frame = pd.DataFrame({"village": ["A", "B", "C"], "kpi_admin": [0.99, 0.5, None]})
    bars = json.loads(charts.village_gap_bars(frame, "kpi_admin", 0.95, "t").to_json())["data"][0]
    assert bars["y"] == ["A", "B"]  # the furthest from the target last (drawn on top)
    assert bars["text"] == ["99,0 %", "50,0 %"]
    steps = pd.DataFrame({"label": ["Xác suất ban đầu", "Họ tên"], "match_weight": [-8.0, 6.5],
                          "detail": ["trước khi so sánh", "1.86% hồ sơ, 2026-12-02"]})
    fall = json.loads(charts.waterfall_chart(steps).to_json())["data"][0]
    assert fall["y"] == ["Xác suất ban đầu", "Họ tên", "Tổng trọng số"]
    assert fall["text"][:2] == ["-8,00", "+6,50"] and fall["hovertext"][1] == "1,86 % hồ sơ, 02/12/2026"
    completeness = pd.DataFrame({"village": ["", "A"], "field": ["full_name", "full_name"],
                                 "filled_ratio": [0.9, 0.8]})
    heat = json.loads(charts.completeness_heatmap(completeness).to_json())["data"][0]
    assert heat["x"] == ["Toàn xã", "A"] and heat["y"] == ["Họ và tên"]


def test_upload_copies_go_when_the_session_state_is_dropped(tmp_path):
    """A session that ends (its state dropped) or an app that stops takes its upload folder with it."""
    import gc

    from hssk.app import uploads

    folder = tmp_path / "hssk_upload_x"
    folder.mkdir()
    (folder / "dan_cu.csv").write_text("personal data")
    state = {"guard": uploads._Guard(str(folder))}
    gc.collect()
    assert folder.exists()  # held while the session lives
    state.clear()
    gc.collect()
    assert not folder.exists()
