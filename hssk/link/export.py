"""`export clusters`: which person every record of the current snapshot belongs to."""

from __future__ import annotations

import duckdb
import pandas as pd

from hssk.link.prepare import has_link_tables
from hssk.queries import load_query


def export_clusters(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Columns source, record_id, person_id: one row per record of current_clean, every kind.

    A record that has not been linked yet (imported after the last run) has an empty person_id.
    """
    if not has_link_tables(con):
        return con.execute(
            "select kind as source, record_id, null::varchar as person_id from current_clean "
            "order by kind, file_id, row_number"
        ).df()
    return con.execute(load_query("link_clusters")).df()
