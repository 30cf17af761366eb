"""Splink on Spark: the same saved model, scored by a Spark cluster instead of DuckDB.

Only worth it beyond one machine (a Spark job pays ~10–30 s of start-up and a second or so per
stage); the commune runs on DuckDB. The saved model's SQL was written for DuckDB, so
`spark_settings` rewrites the few functions the dialects spell differently, keeping every
trained m/u value: the same model takes the same decisions on both backends.

    spark = spark_session("spark://host:7077")
    session = open_spark_session(records, train.load_settings(model_path), spark=spark)
    pairs = predict.predict_pairs(session, lower)   # the same call as on DuckDB
    session.close()

This module knows nothing of hssk.link.predict: predict opens a Spark session here when asked for one, and the
session carries what predict needs from Spark (the names_differ guard in Spark SQL).
"""

from __future__ import annotations

import atexit
import copy
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import sqlglot
from sqlglot import exp

from hssk.errors import HsskError
from hssk.link import model

DIALECT = "spark"
LOCAL_MASTER = "local[*]"
# `hssk link --backend spark --spark-master URL` passes the master down through this variable.
MASTER_ENV = "HSSK_SPARK_MASTER"
# Name of the prepared records inside Spark.
INPUT_VIEW = "link_input"

# A local run shares one JVM with the driver: its heap holds every partition.
LOCAL_DRIVER_MEMORY = "4g"
# Shuffles of a commune's pairs are small: a few partitions per core, not Spark's 200.
LOCAL_SHUFFLE_PARTITIONS = 4
# For a big local run (hours, not minutes) drop these through extra_conf: C2 compiles hot loops better.
LOCAL_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def spark_session(master: str = LOCAL_MASTER, app_name: str = "hssk-link", extra_conf: dict | None = None,
                  *, checkpoint_dir: str | None = None):
    """A SparkSession with Splink's similarity jar (jaro_winkler) and settings for this machine.

    Local masters (`local[*]`, `local[2]`) get a small number of shuffle partitions, a 4 GB driver,
    no web UI and loopback-only networking; a cluster master (`spark://…`, `yarn`, `k8s://…`)
    keeps the cluster's own settings. `extra_conf` overrides anything (e.g.
    {"spark.executor.memory": "8g"}). Scratch files go to a temporary directory removed when
    Python exits; so does the checkpoint directory unless `checkpoint_dir` is given (on a cluster it
    must be shared storage, e.g. hdfs://…, for break_lineage_method="parquet").
    If this Python process already runs a SparkSession, Spark returns that one with its own settings.
    """
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:  # pyspark is optional
        raise HsskError("Chưa cài pyspark: hãy cài gói pyspark để dùng máy tính toán Spark.", str(exc)) from exc
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        raise HsskError("Không tìm thấy Java: Spark cần Java 17 (gói openjdk-17-jre-headless).", "java not on PATH")

    scratch = tempfile.mkdtemp(prefix="hssk-spark-")
    atexit.register(shutil.rmtree, scratch, True)
    conf = {
        "spark.jars": similarity_jar_location(),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": os.path.join(scratch, "warehouse"),  # not ./spark-warehouse
    }
    if master.startswith("local"):
        conf.update({
            "spark.driver.memory": LOCAL_DRIVER_MEMORY,
            "spark.sql.shuffle.partitions": str(LOCAL_SHUFFLE_PARTITIONS),
            "spark.default.parallelism": str(LOCAL_SHUFFLE_PARTITIONS),
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            # Short jobs: the quick JIT tier only and a serial GC start the JVM 2-3x faster.
            "spark.driver.extraJavaOptions": LOCAL_JAVA_OPTIONS,
        })
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no lookup of the machine's address
        os.environ.setdefault("SPARK_LOCAL_DIRS", os.path.join(scratch, "local"))  # shuffle files
    conf.update(extra_conf or {})

    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(checkpoint_dir or os.path.join(scratch, "checkpoints"))
    return spark


# --- DuckDB SQL of a saved model → Spark SQL -------------------------------------------------------

def hamming_sql(left: str, right: str) -> str:
    """Number of positions where two strings differ (Spark has no hamming()).

    Exactly DuckDB's hamming() on strings of equal length, which is how the model uses it (after
    a length check). Levenshtein would not do: on same-length strings it equals hamming only up
    to one edit, and `<= 2` would also accept a digit moved elsewhere as "two digits swapped".
    """
    return (f"aggregate(zip_with(split({left}, ''), split({right}, ''), (x, y) -> if(x = y, 0, 1)), "
            f"0, (n, d) -> n + d)")


def _spark_node(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hamming":
        left, right = (arg.sql(dialect=DIALECT) for arg in node.expressions)
        return sqlglot.parse_one(hamming_sql(left, right), read=DIALECT)
    if isinstance(node, exp.JarowinklerSimilarity):
        # Splink's jar registers the Jaro-Winkler similarity as jaro_winkler().
        return exp.Anonymous(this="jaro_winkler", expressions=[node.this, node.expression])
    if isinstance(node, exp.Split) and isinstance(node.expression, exp.Literal) and node.expression.this == "":
        # DuckDB splits on a string, Spark on a regex: '' means "into characters" in both.
        return exp.Anonymous(this="split", expressions=[node.this, node.expression])
    return node


def spark_sql(duckdb_sql: str) -> str:
    """One SQL condition written for DuckDB, rewritten for Spark."""
    if duckdb_sql.strip().upper() == "ELSE":
        return duckdb_sql
    tree = sqlglot.parse_one(duckdb_sql, read="duckdb").transform(_spark_node)
    return tree.sql(dialect=DIALECT)


def spark_settings(settings_dict: dict) -> dict:
    """A saved (DuckDB) model's settings for Spark: same levels, same m/u, Spark SQL.

    Rewrites hamming() (exactly, see hamming_sql), jaro_winkler_similarity → jaro_winkler,
    list_sort/string_split → array_sort/split, and the other spellings sqlglot knows
    (instr → locate, …) in comparison levels and blocking rules; sets sql_dialect to spark.
    """
    result = copy.deepcopy(settings_dict)
    result["sql_dialect"] = DIALECT
    for comparison in result.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            level["sql_condition"] = spark_sql(level["sql_condition"])
            if "sql_dialect" in level:
                level["sql_dialect"] = DIALECT
    rules = []
    for rule in result.get("blocking_rules_to_generate_predictions", []):
        if isinstance(rule, dict):
            rule = {**rule, "blocking_rule": spark_sql(rule["blocking_rule"])}
            rule.pop("sql_dialect", None)
        else:
            rule = spark_sql(rule)
        rules.append(rule)
    if "blocking_rules_to_generate_predictions" in result:
        result["blocking_rules_to_generate_predictions"] = rules
    return result


def _for_spark(settings):
    if isinstance(settings, (str, os.PathLike)):
        settings = json.loads(Path(settings).read_text(encoding="utf-8"))
    if not isinstance(settings, dict):  # a SettingsCreator: its DuckDB SQL, translated like a saved model's
        settings = settings.create_settings_dict("duckdb")
    return spark_settings(settings)


# --- A Splink session on Spark, shaped like predict.SplinkSession -----------------------------------

@dataclass
class SparkSplinkSession:
    """The Splink linker over one prepared input, in its own Spark session (own temp views)."""

    backend = "spark"
    keys = None  # Splink scores the record keys themselves (no integer ids on Spark)

    linker: object
    spark: object  # the SparkSession (a newSession() of the shared one)
    n_records: int
    sdf: object = None
    stop_spark: bool = False  # True when open_spark_session started Spark itself

    def use_settings(self, settings) -> object:
        from splink import Linker

        self.linker = Linker(self.sdf, _for_spark(settings), log_level=logging.ERROR)
        return self.linker

    @property
    def names_differ_sql(self) -> str:
        """The names_differ guard in Spark SQL: predict.predict_pairs computes it in Spark with the pairs."""
        return names_differ_spark_sql()

    def close(self) -> None:
        for table in self.spark.catalog.listTables():
            if table.isTemporary:
                self.spark.catalog.dropTempView(table.name)
        self.spark.catalog.clearCache()
        if self.stop_spark:
            self.spark.stop()


def open_spark_session(records: pa.Table, settings_dict, *, master: str | None = None, spark=None,
                       break_lineage_method: str | None = None) -> SparkSplinkSession:
    """Register the prepared records in Spark and build a Linker with the (DuckDB) model settings.

    settings_dict: a saved model's settings (a dict, or the path of its JSON), rewritten by
    spark_settings; a SettingsCreator (model.settings()) is translated the same way.
    `spark`: an existing SparkSession to reuse (its JVM stays up after close()); otherwise one is
    started on `master` (default: $HSSK_SPARK_MASTER, else local[*]) and stopped by close(). Splink's intermediate tables are cached by Spark
    (memory, spilling to disk: "persist"); pass break_lineage_method="parquet" to write them to the
    checkpoint directory instead (very large runs; shared storage on a cluster).
    """
    from splink import Linker
    from splink.backends.spark import SparkAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    owned = spark is None
    base = spark if spark is not None else spark_session(master or os.environ.get(MASTER_ENV) or LOCAL_MASTER)
    session = base.newSession()  # private temp views and UDF registrations
    frame = session.createDataFrame(records)
    frame.cache().createOrReplaceTempView(INPUT_VIEW)
    db_api = SparkAPI(spark_session=session, break_lineage_method=break_lineage_method or "persist")
    sdf = db_api.register(INPUT_VIEW, dataset_display_name="records")
    linker = Linker(sdf, _for_spark(settings_dict), log_level=logging.ERROR)
    return SparkSplinkSession(linker=linker, spark=session, n_records=records.num_rows, sdf=sdf,
                              stop_spark=owned)


def names_differ_spark_sql() -> str:
    """The DuckDB `names_differ` guard rewritten for Spark, so both backends flag the same pairs.

    (The guard's edit distance must count a swap of two letters as one edit on both backends; Splink's
    jar provides damerau_levenshtein() on Spark.)
    """
    return spark_sql(model.names_differ_sql())
