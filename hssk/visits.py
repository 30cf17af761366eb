"""A person's visits from clinical software (BHYT claim XML, `kind = 'claims'`) and their diagnoses, for the person
view of *Thôn*: one row per visit, the ICD-10 codes with the health category each fills (data/reference/
icd10_categories.csv, editable by the station).

    >>> visits.person_visits(con, "P000123")   # date, facility, visit, diagnoses, categories
"""

from __future__ import annotations

import duckdb
import pandas as pd

from hssk import icd10
from hssk.queries import run_query

COLUMNS = ["event_date", "facility", "visit_key", "diagnoses", "categories", "event_description"]


def person_visits(con: duckdb.DuckDBPyConnection, person_id: str) -> pd.DataFrame:
    """event_date, facility, visit_key, diagnoses ('I10; E11', main first), categories (the Vietnamese names of the
    health categories the codes fill, e.g. 'Tăng huyết áp (I10)') and event_description, newest visit first.
    Empty before the first linkage run or for a person without claim visits."""
    try:
        rows = run_query(con, "person_visits", person_id=person_id)
    except duckdb.CatalogException:  # nothing linked yet
        return pd.DataFrame(columns=COLUMNS)
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    visits = []
    for (date, facility, visit), group in rows.groupby(["event_date", "facility", "visit_key"], sort=False,
                                                        dropna=False):
        codes = [str(c).strip() for c in group.sort_values("position")["code"] if str(c).strip()]
        named = [f"{name} ({code})" for code in codes for _, name in icd10.categories_of(code) if name]
        visits.append((date, facility, visit, "; ".join(codes), "; ".join(dict.fromkeys(named)),
                       group["event_description"].iloc[0]))
    return pd.DataFrame(visits, columns=COLUMNS)
