"""The register's villages: every village the register names is a village, whether villages.csv lists it or not.

villages.csv (editable, UNCONFIRMED) gives canonical names, aliases and old units; the standardiser sets `village`
from it at import. A record whose village it does not know keeps how it spells it (`village_spelled`) and the key
spellings of one village share (`village_key`). `resolve` then fills `village` on the data already imported —
without re-import, raw untouched:
1. a spelling the head mapped (`village_mappings`, newest mapping of a key wins);
2. else a village the current register names: its most common spelling there.
Only people the register itself does not place stay without a village ("Không rõ thôn" in the KPIs).
It runs inside every import and undo, and after each mapping; `village_from` says which rule filled a value, so
the next run can take it back when the register or a mapping changes.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
from rapidfuzz import fuzz, process

from hssk import audit, reference
from hssk.db import registered
from hssk.errors import HsskError
from hssk.normalize import match_village, village_key

_RESET_SQL = "update clean set village = null, village_from = null where village_from is not null"

_RESOLVE_SQL = """
create or replace temp table _village_names as
with mapped as (
    select village_key, arg_max(village, mapping_id) as village from village_mappings group by village_key
),
register as (
    -- the register's own spelling of each village it names (most common; ties by the spelling itself)
    select village_key, first(village_spelled order by n desc, village_spelled) as village
    from (select village_key, village_spelled, count(*) as n
          from current_clean where kind = 'population' and village is null and village_key is not null
          group by village_key, village_spelled)
    group by village_key
)
select coalesce(m.village_key, f.village_key, r.village_key) as village_key,
       coalesce(m.village, f.village, r.village) as village,
       case when m.village is not null then 'mapping' when f.village is not null then 'reference'
            else 'register' end as source
from mapped m full join _reference_names f using (village_key) full join register r using (village_key);

update clean set village = n.village, village_from = n.source
from _village_names n
where clean.village is null and clean.village_key = n.village_key;

drop table _village_names;
"""


def _reference_names(con) -> pd.DataFrame:
    """Spellings villages.csv now knows (an alias added after the import): key → its canonical village."""
    spelled = con.execute("select village_key, min(village_spelled) from clean "
                          "where village_key is not null and (village is null or village_from is not null) "
                          "group by village_key").fetchall()
    rows = [(key, found) for key, spelling in spelled if (found := match_village(spelling))]
    return pd.DataFrame(rows, columns=["village_key", "village"]).astype(str)


def resolve(con: duckdb.DuckDBPyConnection) -> None:
    """Fill `village` of every imported record from the head's mappings, then villages.csv (an alias added since the
    import applies to the data already imported), then the current register (inside the caller's transaction)."""
    names = _reference_names(con)
    con.execute(_RESET_SQL)
    with registered(con, "_reference_names", names):
        con.execute(_RESOLVE_SQL)


def known(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every village: villages.csv's, the register's and the mapped ones, sorted."""
    rows = con.execute("select distinct village from clean where village is not null "
                       "union select distinct village from village_mappings").fetchall()
    return sorted({r[0] for r in rows} | set(reference.villages()["village"]))


def unknown_spellings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Village names found in the files that match no village, with their counts per kind of file and the most
    similar known village: what the head maps on Chất lượng / Quản trị."""
    frame = con.execute("""
        select village_key, mode(village_spelled) as spelling, count(*) as n_records,
               string_agg(distinct kind, ',' order by kind) as kinds
        from current_clean
        where village is null and village_key is not null
        group by village_key order by n_records desc, spelling""").df()
    names = known(con)
    by_key = {village_key(name): name for name in names}
    frame["suggestion"] = [by_key.get(key) or _closest(key, by_key) for key in frame["village_key"]]
    return frame


def _closest(key: str, by_key: dict[str, str]) -> str | None:
    match = process.extractOne(key, list(by_key), scorer=fuzz.ratio, score_cutoff=70)
    return by_key[match[0]] if match else None


def map_spelling(con: duckdb.DuckDBPyConnection, spelling: str, village: str) -> int:
    """Map a spelling found in the files to a village (a known one, or a new name: that adds the village).
    Applies to the data already imported; returns how many records now have that village."""
    key = village_key(spelling)
    name = " ".join(str(village or "").split())
    if not key or not name:
        raise HsskError("Hãy nhập cả cách viết tìm thấy trong tệp và tên thôn cần gán.", "empty spelling or village")
    user_name, _ = audit.current_actor()
    con.execute("begin transaction")
    try:
        con.execute("insert into village_mappings (village_key, spelling, village, mapped_by, mapped_at) "
                    "values (?, ?, ?, ?, ?)", [key, spelling, name, user_name, datetime.now().replace(microsecond=0)])
        resolve(con)
        n = con.execute("select count(*) from current_clean where village = ?", [name]).fetchall()[0][0]
        audit.record_action(con, "settings_changed", target="thôn",
                            detail={"cách viết": spelling, "thôn": name, "số hồ sơ": n})
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return n
