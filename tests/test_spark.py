"""Splink's Spark backend with the saved DuckDB model: same pairs, same probabilities, same persons.

One small generated commune is linked on DuckDB (run_linkage), then the same prepared records are
scored on a local Spark with the same model file; the Spark pairs are fed through the project's
own persons/clustering step and must give the very same person for every record.
Spark start-up dominates (~10–40 s on 2 cores); everything Spark shares one module fixture.
"""

from __future__ import annotations

import json
import shutil

import pytest

from hssk.db import connect
from hssk.demo.generator import generate
from hssk.ingest.store import import_files
from hssk.link import persons, predict, prepare, run_linkage, train
from hssk.link.run import linkage_config
from hssk.link.spark import hamming_sql, spark_settings, spark_sql

RESIDENTS = 800
SEED = 5150
KINDS = ("population", "hssk", "deaths", "insurance", "care")
PROBABILITY_TOLERANCE = 1e-9

needs_java = pytest.mark.skipif(shutil.which("java") is None,
                                reason="Java không có trên máy (make test cài openjdk-17-jre-headless)")


@pytest.fixture(scope="module")
def saved_settings():
    return train.load_settings(linkage_config()["model_path"])


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None:
        pytest.skip("Java không có trên máy (make test cài openjdk-17-jre-headless)")
    from hssk.link.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def linked(tmp_path_factory, spark, saved_settings):
    """The demo linked on DuckDB, and the same records scored on Spark with the same model."""
    from hssk.link.predict import predict_pairs
    from hssk.link.spark import open_spark_session

    root = tmp_path_factory.mktemp("spark_demo")
    made = generate(root / "files", residents=RESIDENTS, seed=SEED)
    con = connect(root / "demo.duckdb")
    for kind in KINDS:
        if made["files"].get(kind):
            import_files(con, made["files"][kind], kind, note="demo", progress=None)
    result = run_linkage(con, full=True)
    config = linkage_config()
    records = prepare.input_table(con)
    session = open_spark_session(records, saved_settings, spark=spark)
    try:
        spark_pairs = predict_pairs(session, config["lower"])
    finally:
        session.close()
    yield {"con": con, "run": result, "records": records, "spark_pairs": spark_pairs, "config": config}
    con.close()


def _by_pair(table) -> dict:
    rows = table.to_pylist()
    return {(r["record_key_l"], r["record_key_r"]): r for r in rows}


def test_translated_model_keeps_levels_and_trained_values(saved_settings):
    translated = spark_settings(saved_settings)
    assert translated["sql_dialect"] == "spark"
    text = json.dumps(translated["comparisons"]).lower()
    for duckdb_only in ("hamming(", "jaro_winkler_similarity", "list_sort", "string_split"):
        assert duckdb_only not in text
    for before, after in zip(saved_settings["comparisons"], translated["comparisons"]):
        assert len(before["comparison_levels"]) == len(after["comparison_levels"])
        for old, new in zip(before["comparison_levels"], after["comparison_levels"]):
            assert (old.get("m_probability"), old.get("u_probability"), old.get("label_for_charts")) == \
                   (new.get("m_probability"), new.get("u_probability"), new.get("label_for_charts"))
    assert translated["probability_two_random_records_match"] == saved_settings["probability_two_random_records_match"]
    assert saved_settings["sql_dialect"] == "duckdb"  # the input is not modified


@needs_java
def test_spark_hamming_equals_duckdb_hamming(spark, con):
    # The last pair has one digit moved: Levenshtein 2, but 6 positions differ (not "two swapped").
    words = [("012345678901", "012345678901"), ("012345678901", "012345678911"),
             ("012345678901", "012345678910"), ("123456", "234561")]
    expected = [con.execute("select hamming(?, ?)", list(w)).fetchall()[0][0] for w in words]
    got = [spark.sql(f"select {hamming_sql(repr(a), repr(b))} as d").collect()[0]["d"] for a, b in words]
    assert got == expected
    swapped = spark_sql("length(a_l) = length(a_r) and hamming(a_l, a_r) <= 2 and "
                        "list_sort(string_split(a_l, '')) = list_sort(string_split(a_r, ''))")
    check = spark.sql(f"select {swapped} as swapped from values ('123456', '213456'), ('123456', '234561') "
                      "as t(a_l, a_r)").collect()
    assert [row["swapped"] for row in check] == [True, False]


@needs_java
def test_spark_scores_the_same_pairs_as_duckdb(linked):
    con, run = linked["con"], linked["run"]
    duckdb_pairs = _by_pair(con.sql(
        f"select {', '.join(predict.PAIR_COLUMNS)} from link_predictions where run_id = {int(run.run_id)}"
    ).to_arrow_table())
    spark_pairs = _by_pair(linked["spark_pairs"])
    assert len(duckdb_pairs) > 100  # a demo with real duplicates to find
    assert set(spark_pairs) == set(duckdb_pairs)
    for key, row in duckdb_pairs.items():
        other = spark_pairs[key]
        assert abs(other["match_probability"] - row["match_probability"]) <= PROBABILITY_TOLERANCE, key
        assert (other["kind_l"], other["kind_r"], other["names_differ"]) == \
               (row["kind_l"], row["kind_r"], row["names_differ"]), key


@needs_java
def test_spark_pairs_give_the_same_persons(linked):
    con, run, config = linked["con"], linked["run"], linked["config"]
    duckdb_persons = dict(con.execute("select record_key, person_id from person_records").fetchall())
    assert len(set(duckdb_persons.values())) < len(duckdb_persons)  # records were really merged

    # Replace the run's pairs by Spark's and let the project's persons step cluster them again.
    con.register("_spark_pairs", linked["spark_pairs"])
    con.execute("delete from link_predictions where run_id = ?", [run.run_id])
    con.execute(f"insert into link_predictions select ?, {', '.join(predict.PAIR_COLUMNS)} from _spark_pairs",
                [run.run_id])
    con.unregister("_spark_pairs")
    counts = persons.rebuild(con, run.run_id, config["upper"], records=linked["records"])
    spark_persons = dict(con.execute("select record_key, person_id from person_records").fetchall())
    assert counts["n_persons"] == run.n_persons
    assert spark_persons == duckdb_persons


def test_link_command_runs_on_spark(tmp_path):
    """`python -m hssk link --backend spark` end to end: same persons as the DuckDB run before it."""
    import subprocess
    import sys

    from hssk.config import ROOT

    if shutil.which("java") is None:
        pytest.skip("Java 17 is missing (make test installs it)")
    made = generate(tmp_path / "files", residents=300, seed=77)
    db_file = tmp_path / "spark.duckdb"
    with connect(db_file) as con:
        for kind in ("population", "hssk", "deaths", "insurance", "care"):
            import_files(con, made["files"][kind], kind)
        run_linkage(con)
        before = dict(con.execute("select record_key, person_id from person_records").fetchall())
    done = subprocess.run([sys.executable, "-m", "hssk", "link", "--backend", "spark", "--spark-master", "local[2]",
                           "--db", str(db_file)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    with connect(db_file) as con:
        after = dict(con.execute("select record_key, person_id from person_records").fetchall())
    assert after == before
