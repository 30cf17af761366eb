"""Saving settings keeps the file's comments and layout (the head edits them on Quản trị, the analyst in a notebook)."""

from __future__ import annotations

import tomllib

from hssk import config

TEXT = """# Cấu hình của trạm
[campaign]
# hạn chót của chiến dịch
deadline = "2026-12-31"
target_admin = 0.95  # mục tiêu hành chính

[linkage]
upper = 0.99
lower = 0.5
"""


def test_save_config_keeps_comments_and_changes_only_what_changed(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(TEXT, encoding="utf-8")
    cfg = config.load_config(path)
    cfg["linkage"]["upper"] = 0.995
    cfg["campaign"]["target_health"] = 0.9
    cfg["new_section"] = {"flag": True}
    config.save_config(cfg, path)
    text = path.read_text(encoding="utf-8")
    for comment in ("# Cấu hình của trạm", "# hạn chót của chiến dịch", "# mục tiêu hành chính"):
        assert comment in text
    again = tomllib.loads(text)
    assert again["linkage"] == {"upper": 0.995, "lower": 0.5}
    assert again["campaign"]["deadline"] == "2026-12-31" and again["campaign"]["target_health"] == 0.9
    assert again["new_section"] == {"flag": True}
    assert text.index("[campaign]") < text.index("[linkage]") < text.index("[new_section]")


def test_saving_unchanged_settings_leaves_the_file_byte_for_byte(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(TEXT, encoding="utf-8")
    config.save_config(config.load_config(path), path)
    assert path.read_text(encoding="utf-8") == TEXT


def test_a_retrained_model_never_overwrites_the_shipped_one(tmp_path):
    assert config.station_model_path(config.SHIPPED_MODEL) == config.STATION_DIR / "linkage_model.json"
    own = tmp_path / "m.json"
    assert config.station_model_path(own) == own


def test_retraining_writes_the_station_model_and_it_is_used_from_then_on(tmp_path, monkeypatch):
    from hssk.link.run import linkage_config

    monkeypatch.setattr(config, "STATION_DIR", tmp_path / "local")
    settings = linkage_config({"linkage": {}})
    assert settings["model_path"] == config.SHIPPED_MODEL  # nothing trained here yet: the shipped model
    assert settings["train_path"] == tmp_path / "local" / "linkage_model.json"  # where --retrain writes
    settings["train_path"].parent.mkdir()
    settings["train_path"].write_text("{}", encoding="utf-8")
    assert linkage_config({"linkage": {}})["model_path"] == settings["train_path"]
