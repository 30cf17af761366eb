"""The linkage input (queries/link_input.sql) and the linkage tables (queries/link_schema.sql)."""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hssk.link import model
from hssk.queries import load_query

# Columns of link_input that the model compares, for profiling.
COMPARED_COLUMNS = [
    "family_key", "middle_key", "given_key", "birth_text", "sex", "personal_id", "old_id", "bhxh_no",
    "village", "household_code", "phone", "address_detail",
]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the linkage tables and views when missing (never drops anything), only when link_schema.sql changed
    since it was last applied (as hssk.db.ensure_schema does for the data layers): an up-to-date database is not
    written to, so sessions calling this at once do not conflict, and a read-only connection reads what is there."""
    schema = load_query("link_schema")
    digest = hashlib.sha256(schema.encode("utf-8")).hexdigest()
    try:
        if con.execute("select sha256 from link_schema_applied").fetchall() == [(digest,)]:
            return
    except duckdb.CatalogException:
        pass
    if con.execute("select readonly from duckdb_databases() where database_name = current_database()"
                   ).fetchall()[0][0]:
        return  # cannot write: callers find the linkage tables of the version that made them, or none (not linked)
    con.execute(schema)
    con.execute("create or replace table link_schema_applied as select ? as sha256", [digest])


def has_link_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """True once the linkage tables exist (a read-only connection cannot create them)."""
    return bool(con.execute(
        "select count(*) from duckdb_tables() where table_name = 'person_records' and schema_name = 'main'"
    ).fetchall()[0][0])


def input_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One row per record_key of the current snapshot, every kind, as Arrow (for Splink), with the blocking keys
    of the model's rules (model.blocking_keys) and `key_rank`: the record's place in record_key order (0 … n−1),
    Splink's integer id for it (predict.scoring_input) and its node number in hssk.link.persons. (Ranked here, not
    sorted: sorting the wide rows costs four times as much.)"""
    keys = ", ".join(f"{sql} as {name}" for name, sql in model.blocking_keys().items())
    records = con.sql(f"select *, {keys} from ({load_query('link_input')})").to_arrow_table()
    rank = pc.rank(records.column("unique_id"), sort_keys="ascending", tiebreaker="first")  # keys are unique
    return records.append_column("key_rank", pc.subtract(rank, 1).cast(pa.int64()))


def profile(records: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """Per source: record count and the share of each compared column that is filled."""
    frame = records.to_pandas() if isinstance(records, pa.Table) else records
    rows = []
    for source, group in frame.groupby("source", sort=True):
        row = {"source": source, "records": len(group)}
        for col in COMPARED_COLUMNS:
            row[col] = round(float(group[col].notna().mean()), 3)
        rows.append(row)
    return pd.DataFrame(rows)


# --- Shared values and the pair bound (a degenerate export must not explode the work) ------------------------

# A value held by more HSSK and register records than this is no evidence (queries/link_input.sql, CTE `shared`,
# holds the same number): a household of ten people, each on the register and with one or two HSSK records,
# stays well below it; a placeholder typed for everyone or a clinic's phone does not.
SHARED_VALUE_LIMIT = 50
SHARED_FIELDS = ("personal_id", "old_id", "bhxh_no", "phone", "household_code")
_SHARED_FIELD_VI = {"personal_id": "số định danh", "old_id": "số CMND", "bhxh_no": "mã số BHXH / số thẻ BHYT",
                    "phone": "số điện thoại", "household_code": "mã hộ"}


def shared_values(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The values link_input stopped using as evidence: field, value, n_records (HSSK and register records)."""
    sql = load_query("link_input")
    keyed = sql[:sql.index("-- Values shared by far more")].rstrip().rstrip(",")  # the CTEs up to `keyed`
    union = " union all ".join(f"select '{f}' as field, {f} as value from keyed where role in ('H', 'P')"
                               for f in SHARED_FIELDS)
    return con.execute(f"""{keyed}
        select field, value, count(*) as n_records from ({union})
        where value is not null group by all having count(*) > {SHARED_VALUE_LIMIT}
        order by n_records desc, field, value""").df()


def shared_value_findings(shared: pd.DataFrame) -> list[str]:
    """One Vietnamese sentence per shared value, for the run's message and summary."""
    return [f"{_SHARED_FIELD_VI.get(r.field, r.field)} '{r.value}' có ở {r.n_records:,} hồ sơ".replace(",", ".")
            + " (quá nhiều cho một hộ): không dùng làm bằng chứng ghép nối"
            for r in shared.itertuples()]


def pair_bound(records: pa.Table) -> list[tuple[str, int]]:
    """An upper bound of the candidate pairs each prediction rule finds: per rule, the sum over its key of
    (records with that key on the left) × (on the right). Cheap (one group-by per key column), exact enough to stop
    a run before Splink is asked for hundreds of millions of pairs."""
    counts: dict[str, pa.Table] = {}
    out = []
    for rule in model.prediction_blocking_rules(keyed=False):
        left, right = model._sides(rule.split(f" and {model.ELIGIBLE_PAIR_SQL}")[0])
        sides = []
        for cols in (left, right):
            name = model._key_name(cols)
            if name not in counts:
                column = records.column(name)
                counts[name] = pa.table({"k": column}).filter(pc.is_valid(column)).group_by("k").aggregate(
                    [("k", "count")])
            sides.append(counts[name])
        joined = sides[0].join(sides[1], "k", right_suffix="_r")
        products = pc.multiply(joined.column("k_count").cast(pa.int64()), joined.column("k_count_r").cast(pa.int64()))
        out.append((rule, int(pc.sum(products).as_py() or 0)))
    return out
