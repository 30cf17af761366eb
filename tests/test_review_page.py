"""The review page (what waits in the queue, what a decision changes, preset reasons, one standing decision per
pair, the blind labelling round) and the person lookup (search before create), on the seeded demo commune."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app import USERS, app_db, logged_in  # noqa: F401  (app_db is a fixture)
from test_app_data import current_pair, demo, fresh, shared  # noqa: F401  (fixtures)
from test_app_words import everything, problems

from hssk import audit, config, db, link
from hssk.app import charts
from hssk.fmt import vn_decimal, vn_int, vn_pct
from hssk.link import labelling
from hssk.link.evaluate import _read_truth
from hssk.link.review import PRESET_REASONS, queue_stakes


def page_warnings(at):
    """The page's own warnings (the demo database's banner stands above every page)."""
    return [w for w in at.warning if "DỮ LIỆU MẪU" not in w.value]


def all_text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "success", "warning", "error")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


# --- the queue --------------------------------------------------------------------------------------------

def test_the_queue_says_what_waits_in_it_and_what_the_pair_changes(shared):
    con = db.connect(shared)
    stakes = queue_stakes(con)
    first = link.review_pairs(con, limit=1).iloc[0]
    con.close()
    assert stakes["pairs"] > 0
    at = logged_in("phan_tich").switch_page("pages/doi_soat.py").run()
    assert not at.exception
    top = at.info[0].value
    assert f"{vn_int(stakes['pairs'])} cặp chờ" in top
    assert (f"{vn_int(stakes['residents_missing_record'])} người dân đang bị tính là chưa có hồ sơ có ứng viên "
            f"trong hàng chờ (≈ {vn_decimal(stakes['coverage_points'], 1)} điểm % độ phủ)") in top
    assert current_pair(at) == f"reason::{first['record_key_l']}|{first['record_key_r']}"
    text = all_text(at)
    if first["impact"] > 0:  # the queue comes ordered by impact: the first pair says what deciding it changes
        assert "Quyết định cặp này thay đổi" in text
        assert ("chưa có hồ sơ" in text) is bool(first["resident_missing_record"])
    else:
        assert "không thay đổi chỉ tiêu nào" in text


def test_a_preset_reason_is_one_click_and_is_recorded(fresh):
    at = logged_in("phan_tich").switch_page("pages/doi_soat.py").run()
    pair = current_pair(at)
    at.button(key="preset_1").click().run()
    assert at.text_input(key=pair).value == PRESET_REASONS[1]
    at.text_input(key=pair).input(PRESET_REASONS[1] + "; đã hỏi trưởng thôn")
    at.button(key="preset_0").click().run()  # a second preset joins what is there
    assert at.text_input(key=pair).value == f"{PRESET_REASONS[1]}; đã hỏi trưởng thôn; {PRESET_REASONS[0]}"
    at.button(key="accept").click().run()
    assert not at.exception and not at.error
    con = db.connect(fresh)
    rows = con.execute("select action, reason, record_key_l, record_key_r from decisions").fetchall()
    con.close()
    key_l, key_r = pair.removeprefix("reason::").split("|")
    assert rows == [("accept", f"{PRESET_REASONS[1]}; đã hỏi trưởng thôn; {PRESET_REASONS[0]}", key_l, key_r)]


def test_a_pair_decided_meanwhile_warns_and_replacing_is_explicit(fresh):
    at = logged_in("phan_tich").switch_page("pages/doi_soat.py").run()
    pair = current_pair(at)
    key_l, key_r = pair.removeprefix("reason::").split("|")
    other = db.connect(fresh)  # another reviewer decides the pair on screen
    audit.set_actor("truongtram", "truong_tram")
    first = link.record_decision(other, "reject", key_l, key_r, user="truongtram", reason="Khác ngày sinh")
    other.close()

    at.text_input(key=pair).input("Cùng họ tên và ngày sinh")
    at.button(key="accept").click().run()
    assert not at.exception and not at.error
    warning = page_warnings(at)[0].value
    assert "vừa được quyết định trong lúc bạn xem" in warning and "truongtram" in warning
    assert "khác người" in warning and "chưa được ghi" in warning
    con = db.connect(fresh)
    standing = con.execute("select decision_id, action from decisions_standing").fetchall()
    con.close()
    assert standing == [(first, "reject")]
    assert not problems(everything(at))

    at.button(key="replace").click().run()
    assert not at.exception and not at.error and not page_warnings(at)
    con = db.connect(fresh)
    standing = con.execute("select action, user_name, reason from decisions_standing").fetchall()
    undone = con.execute("select undoes from decisions where action = 'undo'").fetchall()
    con.close()
    assert standing == [("accept", USERS["phan_tich"], "Cùng họ tên và ngày sinh")]
    assert undone == [(first,)]


def test_keeping_the_standing_decision_records_nothing(fresh):
    at = logged_in("phan_tich").switch_page("pages/doi_soat.py").run()
    pair = current_pair(at)
    key_l, key_r = pair.removeprefix("reason::").split("|")
    other = db.connect(fresh)
    audit.set_actor("truongtram", "truong_tram")
    link.record_decision(other, "accept", key_l, key_r, user="truongtram", reason="Trùng số định danh")
    other.close()
    at.text_input(key=pair).input("Khác mẹ")
    at.button(key="reject").click().run()
    assert page_warnings(at)
    at.button(key="keep_standing").click().run()
    assert not page_warnings(at) and not at.exception
    con = db.connect(fresh)
    assert con.execute("select count(*) from decisions").fetchone()[0] == 1
    con.close()


# --- the blind labelling round ----------------------------------------------------------------------------

def truth_of(demo_dir: Path, path: Path) -> dict[str, str]:
    """record_key → the generator's person, for the records of the demo database at `path`."""
    truth_dir = next(demo_dir.rglob("records.csv")).parent
    records, _ = _read_truth(truth_dir)
    con = db.connect(path)
    con.register("_truth", records)
    frame = con.execute("""
        select c.record_key, t.person_uid from current_clean c join import_files f using (file_id)
        join _truth t on t.source = c.kind and t.file = f.file_name and t.row_number = c.row_number
        where t.person_uid <> ''""").df()
    con.close()
    return dict(zip(frame["record_key"], frame["person_uid"]))


def shown_pair(path: Path, round_id: int) -> dict:
    con = db.connect(path)
    try:
        return labelling.next_pair(con, round_id)
    finally:
        con.close()


def test_a_blind_round_is_drawn_labelled_estimated_and_its_thresholds_saved(fresh, demo):
    person_of = truth_of(demo["path"].parent, fresh)
    at = logged_in("phan_tich").switch_page("pages/doi_soat.py").run()
    assert "Chưa có đợt gắn nhãn nào" in all_text(at)
    at.button(key="label_new_round").click().run()
    assert not at.exception and not at.error
    con = db.connect(fresh)
    round_id = labelling.latest_round(con)
    done, total = labelling.progress(con, round_id)
    con.close()
    assert done == 0 and total > 10
    assert any(f"đã gắn nhãn 0/{total}" in p.proto.text for p in at.get("progress"))
    # Shown side by side, nothing but the two records' fields (no score, no probability).
    table = at.dataframe[-1].value  # the labelling tab comes last
    assert list(table.columns) == ["Trường", "Hồ sơ A", "Hồ sơ B", "Khác"]
    assert not {"Xác suất", "Trọng số"} & set(table["Trường"])

    def truth(pair) -> str:
        person = person_of.get(pair["record_key_l"])
        return "same" if person is not None and person == person_of.get(pair["record_key_r"]) else "different"

    # A labeller who knows the truth clicks through the first pairs (each click labels the pair on screen and
    # shows the next one), then the rest of the round is labelled the same way without the page, to save time.
    for i in range(12):
        pair = shown_pair(fresh, round_id)
        at.button(key=f"label_{truth(pair)}").click().run()
        assert not at.exception
        assert shown_pair(fresh, round_id) != pair
        assert any(f"đã gắn nhãn {i + 1}/{total}" in p.proto.text for p in at.get("progress"))
    con = db.connect(fresh)
    while (pair := labelling.next_pair(con, round_id)) is not None:
        labelling.record_label(con, round_id, pair["position"], truth(pair), USERS["phan_tich"])
    con.close()
    at.run()
    assert any(f"đã gắn nhãn {total}/{total}" in p.proto.text for p in at.get("progress"))
    assert "Đã gắn nhãn hết" in all_text(at)

    at.button(key="label_estimate").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    precision = next(v for k, v in metrics.items() if k.startswith("Độ chính xác của ghép tự động"))
    assert precision.endswith(" %") and "," in precision
    chart = json.loads(at.get("plotly_chart")[-1].proto.spec)
    names = [trace.get("name") for trace in chart["data"]]
    assert "Độ chính xác (ghép đúng)" in names and "Độ bao phủ (không bỏ sót)" in names
    assert not problems(everything(at))

    con = db.connect(fresh)
    est = labelling.estimate(con, round_id)
    con.close()
    upper, lower = labelling.suggest_thresholds(est)
    before = link.linkage_config()
    # On this seeded commune, labelled by the truth, some thresholds reach the goal and differ from those in force.
    assert est.at(upper)["precision"] >= 0.999 and est.at(lower)["recall"] >= 0.995
    assert (upper, lower) != (before["upper"], before["lower"])
    assert f"Ngưỡng đề xuất:** trên {vn_pct(upper, 2)}, dưới {vn_pct(lower, 2)}" in all_text(at)
    at.button(key="label_save_thresholds").click().run(timeout=300)
    assert not at.exception and not at.error
    saved = tomllib.loads(config.CONFIG_PATH.read_text(encoding="utf-8"))["linkage"]
    assert (saved["upper"], saved["lower"]) == (upper, lower)
    assert "#" in config.CONFIG_PATH.read_text(encoding="utf-8")  # comments kept
    con = db.connect(fresh)
    thresholds = json.loads(con.execute("select thresholds from link_runs where n_pairs is not null "
                                        "order by run_id desc limit 1").fetchone()[0])
    changed = audit.read_log(con, action="settings_changed")
    con.close()
    # the figures were brought up to date with them (the other thresholds are kept valid around them)
    assert (thresholds["upper"], thresholds["lower"]) == (upper, lower)
    assert len(changed) == 1 and changed.loc[0, "user_name"] == USERS["phan_tich"]


# --- search before create -----------------------------------------------------------------------------------

def test_the_lookup_finds_the_typed_person_and_opens_their_records(shared):
    con = db.connect(shared)
    person_id, name, birth, n_records = con.execute("""
        select p.person_id, c.full_name, c.birth_text,
               (select count(*) from person_records q where q.person_id = p.person_id)
        from current_clean c join person_records p using (record_key)
        where c.kind = 'population' and c.birth_precision = 'day' order by c.record_key limit 1 offset 17
    """).fetchone()
    con.close()
    year, month, day = birth.split("-")
    at = logged_in("nhap_lieu").switch_page("pages/tra_cuu.py").run()
    assert not at.exception and at.title[0].value == "Tra cứu người"
    at.text_input(key="lookup_full_name").input(name)
    at.text_input(key="lookup_birth").input(f"{day}/{month}/{year}")
    next(b for b in at.button if b.label == "Tìm").click().run(timeout=120)
    assert not at.exception and not at.error
    found = at.dataframe[0].value
    assert 1 <= len(found) <= 5
    assert found["Mã người"].iloc[0] == person_id
    assert found["Xác suất là người này"].iloc[0].endswith(" %")
    why = next(m.value for m in at.markdown if m.value.startswith(f"**1. {person_id} — "))
    assert "Ngày sinh" in why
    assert "đã có hồ sơ" in page_warnings(at)[0].value
    cells = " ".join(" ".join(map(str, row)) for row in found.itertuples(index=False))
    assert not problems(everything(at) + "\n" + cells)
    at.button(key="lookup_open_0").click().run()
    records = at.dataframe[1].value
    assert len(records) == n_records and name in set(records["Họ và tên"])
    con = db.connect(shared)
    views = set(audit.read_log(con, action="view_personal", user_name=USERS["nhap_lieu"])["target"])
    con.close()
    assert f"person:{person_id}" in views and any(t.startswith("lookup:" + person_id) for t in views)
    assert not [b for b in at.button if b.key == "lookup_to_review"]  # data entry does not review


def test_an_analyst_goes_from_the_lookup_to_the_person_on_the_review_page(shared):
    con = db.connect(shared)
    person_id, pid = con.execute("select p.person_id, c.personal_id from current_clean c join person_records p "
                                 "using (record_key) where c.kind = 'population' order by 1 limit 1 offset 5"
                                 ).fetchone()
    con.close()
    at = logged_in("phan_tich").switch_page("pages/tra_cuu.py").run()
    at.text_input(key="lookup_personal_id").input(pid)
    next(b for b in at.button if b.label == "Tìm").click().run(timeout=120)
    assert at.dataframe[0].value["Mã người"].iloc[0] == person_id
    at.button(key="lookup_open_0").click().run()
    at.button(key="lookup_to_review").click().run()
    assert not at.exception
    assert at.title[0].value == "Đối soát / trùng lặp"
    assert at.text_input(key="person_lookup").value == person_id


def test_the_lookup_with_nothing_typed_says_so(shared):
    at = logged_in("phan_tich").switch_page("pages/tra_cuu.py").run()
    next(b for b in at.button if b.label == "Tìm").click().run()
    assert not at.exception
    assert "ít nhất một thông tin" in at.error[0].value


def test_the_accuracy_chart_is_drawn_from_the_estimate():
    import pandas as pd

    table = pd.DataFrame({"threshold": [0.9, 0.5, 0.99], "precision": [0.97, 0.9, 1.0],
                          "precision_lo": [0.93, 0.85, 0.98], "precision_hi": [0.99, 0.94, 1.0],
                          "recall": [0.95, 1.0, 0.8], "recall_lo": [0.9, 0.97, 0.7], "recall_hi": [0.98, 1.0, 0.88]})
    fig = charts.accuracy_chart(table, upper=0.99, lower=0.5)
    lines = {trace.name: trace for trace in fig.data if trace.mode == "lines+markers"}
    x = list(lines["Độ chính xác (ghép đúng)"].x)  # sorted by threshold, on a log-odds axis
    assert x == pytest.approx([0.0, math.log10(9), math.log10(99)])
    assert list(lines["Độ chính xác (ghép đúng)"].customdata) == ["50 %", "90 %", "99 %"]
    assert list(fig.layout.xaxis.ticktext) == ["1 %", "10 %", "50 %", "90 %", "99 %", "99,9 %", "99,99 %"]
    assert list(lines["Độ chính xác (ghép đúng)"].y) == [90.0, 97.0, 100.0]
    assert list(lines["Độ bao phủ (không bỏ sót)"].y) == [100.0, 95.0, 80.0]
    band = next(trace for trace in fig.data if trace.fill == "toself" and "chính xác" in trace.name)
    assert list(band.y) == [94.0, 99.0, 100.0, 98.0, 93.0, 85.0]  # upper edge, then the lower edge back
    assert [shape.x0 for shape in fig.layout.shapes] == pytest.approx([math.log10(99), 0.0])
    assert not problems(" ".join(a.text for a in fig.layout.annotations))


def test_no_threshold_reaching_the_goal_is_said_and_nothing_is_offered(fresh):
    """A round whose labels say every strong pair is wrong: no threshold is precise, nothing is offered."""
    at = logged_in("truong_tram").switch_page("pages/doi_soat.py").run()
    at.button(key="label_new_round").click().run()
    con = db.connect(fresh)
    round_id = labelling.latest_round(con)
    for position, p in con.execute("select position, match_probability from label_pairs where round_id = ?",
                                   [round_id]).fetchall():
        labelling.record_label(con, round_id, position, "different" if p >= 0.99 else "same", "truongtram")
    con.close()
    at.run()
    at.button(key="label_estimate").click().run()
    assert not at.exception
    assert "không ngưỡng nào đạt mục tiêu về độ chính xác" in page_warnings(at)[0].value
    assert not [b for b in at.button if b.key == "label_save_thresholds"]
    assert not problems(everything(at))
