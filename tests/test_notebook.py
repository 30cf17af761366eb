"""The analyst notebook runs end to end offline and saves the model and thresholds where it is told."""

from __future__ import annotations

import json
import os
import tomllib

import jupytext
import pytest
from nbclient import NotebookClient

from hssk.config import CONFIG_PATH, ROOT

NOTEBOOK = ROOT / "notebooks" / "linkage_tuning.py"
VEGA_LITE = "application/vnd.vegalite.v5+json"


@pytest.fixture
def notebook_env(tmp_path, monkeypatch):
    config = tomllib.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    config["linkage"]["model"] = str(tmp_path / "model" / "linkage_model.json")
    lines = ["# chú thích của trạm: phải còn sau khi lưu"]
    for section, values in config.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in values.items()]
    config_path = tmp_path / "config.toml"
    config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("HSSK_CONFIG", str(config_path))
    monkeypatch.setenv("HSSK_NOTEBOOK_RESIDENTS", "500")
    monkeypatch.setenv("HSSK_NOTEBOOK_SAVE", "1")  # the analyst asks for it; by default the notebook writes nothing
    monkeypatch.setenv("HSSK_NOTEBOOK_OUT", str(tmp_path / "charts"))
    monkeypatch.delenv("HSSK_DB", raising=False)
    monkeypatch.delenv("HSSK_TRUTH", raising=False)
    return tmp_path, config_path


def _outputs(nb) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def test_notebook_runs_offline_and_saves_model_and_thresholds(notebook_env):
    tmp_path, config_path = notebook_env
    shipped_config = CONFIG_PATH.read_bytes()
    shipped_model = (ROOT / "data" / "model" / "linkage_model.json").read_bytes()

    nb = jupytext.read(NOTEBOOK)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()

    # saved where the (test) configuration points, and nowhere else
    model_path = tmp_path / "model" / "linkage_model.json"
    assert model_path.exists() and (tmp_path / "model" / "linkage_model.meta.json").exists()
    settings = json.loads(model_path.read_text(encoding="utf-8"))
    assert settings["comparisons"] and settings["probability_two_random_records_match"] > 0
    linkage = tomllib.loads(config_path.read_text(encoding="utf-8"))["linkage"]
    assert 0 < linkage["lower"] <= linkage["upper"] <= 1
    assert config_path.read_text(encoding="utf-8").startswith("# chú thích của trạm")
    assert CONFIG_PATH.read_bytes() == shipped_config
    assert (ROOT / "data" / "model" / "linkage_model.json").read_bytes() == shipped_model

    # charts are drawn from Vega-Lite specs and saved as self-contained HTML: nothing from the internet
    outputs = _outputs(nb)
    specs = [out["data"][VEGA_LITE] for out in outputs if VEGA_LITE in out.get("data", {})]
    assert len(specs) >= 5
    text = json.dumps([out.get("data", {}) for out in outputs])
    assert "cdn.jsdelivr" not in text and "<script src=\"http" not in text
    charts = list((tmp_path / "charts").glob("*.html"))
    assert {"trong_so_khop.html", "tham_so_m_u.html", "thac_nuoc.html", "precision_recall.html"} <= {
        c.name for c in charts}
    for chart in charts:
        html = chart.read_text(encoding="utf-8")
        assert "cdn.jsdelivr" not in html and "<script src=\"http" not in html
        assert "vegaEmbed" in html or "vega-embed" in html
    assert not any(out.get("output_type") == "error" for out in outputs)
    # the blind labelling round's estimate, with its intervals and suggested thresholds
    printed = "".join(out.get("text", "") for out in outputs if out.get("output_type") == "stream")
    assert "Đợt gắn nhãn số 1" in printed and "Ngưỡng đề xuất (trên, dưới)" in printed


def test_notebook_is_a_percent_script_without_outputs():
    text = NOTEBOOK.read_text(encoding="utf-8")
    assert "format_name: percent" in text and "# %%" in text
    assert os.path.getsize(NOTEBOOK) < 50_000
