"""Claim XML of a generated commune (hssk.demo.claims, four HIS products): every visit is one row, visits link to the
right person, and kpi_health_if_filled equals the KPI once the suggestions are entered into the HSSK export."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from hssk import kpi
from hssk.db import connect
from hssk.demo import generate
from hssk.demo.layouts import HSSK_PART1, HSSK_PART2
from hssk.ingest.store import import_files
from hssk.link import run_linkage

KINDS = ("population", "hssk", "deaths", "insurance", "care", "claims")


@pytest.fixture(scope="module")
def commune(tmp_path_factory):
    root = tmp_path_factory.mktemp("claims_demo")
    made = generate(root / "files", residents=1200, seed=4130, fmt="csv", claims=True)
    truth = made["truth_dir"]
    as_of = json.loads((truth / "kpi_truth.json").read_text())["as_of"]
    con = connect(root / "db.duckdb")
    for kind in KINDS:
        import_files(con, made["files"][kind], kind)
    run_linkage(con)
    yield {"con": con, "made": made, "truth": truth, "as_of": as_of,
           "visits": pd.read_csv(truth / "claims_visits.csv", dtype=str, keep_default_na=False),
           "records": pd.read_csv(truth / "records.csv", dtype=str, keep_default_na=False)}
    con.close()


def test_the_folder_holds_every_shape(commune):
    folder = commune["made"]["files"]["claims"][0]
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
    assert {p.suffix for p in files} == {".xml", ".zip"}
    texts = [p.read_bytes() for p in files if p.suffix == ".xml"]
    for p in files:
        if p.suffix == ".zip":
            with zipfile.ZipFile(p) as zf:
                texts += [zf.read(n) for n in zf.namelist()]
    assert any(b"<GIAMDINHHS>" in t for t in texts) and any(b"<GIAMDINHHS>" not in t for t in texts)
    import base64
    import re

    inner = [base64.b64decode(m) for t in texts for m in re.findall(rb"<NOIDUNGFILE>([^<]+)<", t)]
    everything = b"".join(texts + inner)
    for tag in (b"<MA_THE_BHYT>", b"<MA_THE>", b"<MA_BENH_CHINH>", b"<MA_BENH>", b"<MA_BENHKHAC>", b"<SO_CCCD>"):
        assert tag in everything, tag
    visits = commune["visits"]
    assert (visits["person_uid"] == "").sum() > 0  # outsiders
    assert ((visits["on_register"] == "0") & (visits["person_uid"] != "")).sum() > 0  # known, not registered


def test_every_visit_is_one_row(commune):
    con, visits = commune["con"], commune["visits"]
    keys = [r[0] for r in con.execute("select record_key from current_clean where kind = 'claims'").fetchall()]
    assert len(keys) == len(visits) == len(set(keys))
    assert set(keys) == set(visits["record_key"])
    n_raw = con.execute("select count(*) from raw_rows where kind = 'claims'").fetchall()[0][0]
    assert n_raw == len(visits)


def _persons(commune) -> tuple[pd.DataFrame, dict[str, str]]:
    con = commune["con"]
    links = con.execute("select record_key, kind, record_id, person_id from person_records").df()
    registered = links[links["kind"] == "population"]
    records = commune["records"]
    pop = records[records["source"] == "population"].merge(registered, on="record_id")
    return links, dict(zip(pop["person_uid"], pop["person_id"]))


def test_visits_of_register_residents_link_to_the_right_person(commune):
    links, person_of_uid = _persons(commune)
    visits = commune["visits"]
    mine = visits[visits["on_register"] == "1"].merge(links, on="record_key", how="left")
    right = (mine["person_id"] == mine["person_uid"].map(person_of_uid)).mean()
    assert len(mine) > 300
    assert right >= 0.99, mine.loc[mine["person_id"] != mine["person_uid"].map(person_of_uid)].head()


def test_visits_of_people_not_on_the_register_link_to_nobody_on_it(commune):
    links, _ = _persons(commune)
    registered_people = set(links.loc[links["kind"] == "population", "person_id"])
    visits = commune["visits"]
    others = visits[visits["on_register"] == "0"].merge(links, on="record_key", how="left")
    assert len(others) >= 10
    assert not set(others["person_id"]) & registered_people


def test_kpi_health_if_filled_equals_the_kpi_after_entering_the_suggestions(commune, tmp_path):
    con, as_of = commune["con"], commune["as_of"]
    before = kpi.compute(con, as_of)
    suggestions = kpi.health_suggestions(con, as_of)
    assert len(suggestions) > 50
    assert before["overall"]["kpi_health_if_filled"] > before["overall"]["kpi_health"]

    values = {(r.record_id, r.category): r.value_to_enter for r in suggestions.itertuples(index=False)}
    entered, paths = 0, []
    for path, headers in zip(commune["made"]["files"]["hssk"], (HSSK_PART1, HSSK_PART2)):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for category in ("chronic_disease", "vaccination", "medical_history", "reproductive_health",
                         "infectious_disease"):
            column = headers[category]
            for i, record_id in enumerate(frame[headers["record_id"]].str.strip()):
                value = values.get((record_id, category))
                if value is not None:
                    frame.loc[i, column] = value
                    entered += 1
        out = tmp_path / path.name
        frame.to_csv(out, index=False, encoding="utf-8")
        paths.append(out)
    assert entered == len(suggestions)
    import_files(con, paths, "hssk", note="gợi ý đã nhập")
    run_linkage(con)
    after = kpi.compute(con, as_of)
    assert after["overall"]["kpi_health"] == before["overall"]["kpi_health_if_filled"]
    assert after["overall"]["kpi_health_count"] == before["overall"]["kpi_health_if_filled_count"]
    for village, figures in before["villages"].items():
        assert after["villages"][village]["kpi_health"] == figures["kpi_health_if_filled"], village
    # nothing is left to suggest where every suggestion was entered
    assert kpi.health_suggestions(con, as_of).empty


def test_the_same_arguments_write_the_same_bytes(commune, tmp_path):
    from hssk.demo.claims import write_claims

    def digest(folder):
        return {p.relative_to(folder): p.read_bytes() for p in Path(folder).rglob("*") if p.is_file()}

    first = write_claims(tmp_path / "a", commune["truth"], seed=4130)["dir"]
    assert digest(first) == digest(commune["made"]["files"]["claims"][0])


def test_the_record_to_enter_covers_every_register_resident(commune, tmp_path):
    import openpyxl

    from hssk import golden

    con, as_of = commune["con"], commune["as_of"]
    long = golden.records(con, as_of)
    kpi.prepare(con)
    register = {r[0] for r in con.execute("select person_id from kpi_register_core where is_resident").fetchall()}
    gone = {r[0] for r in con.execute("select person_id from kpi_register_core where not is_resident").fetchall()}
    assert register <= set(long["person_id"])
    assert gone and not gone & set(long["person_id"])  # the deceased and the moved get no record to enter
    names = long[long["field"] == "full_name"]
    assert names["person_id"].is_unique
    # identity comes from the register: a name differs from HSSK only where the HSSK record is wrong or missing
    assert (names.loc[names["person_id"].isin(register), "source"] == "population").all()
    book = openpyxl.load_workbook(golden.export(con, tmp_path / "nhap.xlsx", as_of=as_of), read_only=True)
    villages = sorted(long["village"].dropna().unique())
    assert book.sheetnames == [*villages, "Nguồn từng trường"]
    n_rows = sum(sum(1 for _ in book[v].iter_rows(min_row=2)) for v in villages)
    assert n_rows == long["person_id"].nunique()
