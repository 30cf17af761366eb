"""Stable person ids: cluster the latest run's pairs with the standing decisions, name each cluster,
record what changed as events.

Naming, in order of priority:
1. a cluster holding a register record with a valid personal ID is 'P' + that ID;
2. otherwise it keeps the person id most of its records had before (if no other cluster has a
   better claim on it), so worklists keep pointing at the same person;
3. otherwise it gets 'G' + 10 hex digits of sha1(smallest record_key) — the same on any machine;
   a retired id that comes back (e.g. after an undo) is reactivated.
"""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pyarrow as pa

from hssk.db import replace_rows
from hssk.link import cluster as clustering
from hssk.queries import load_query

# Records are numbered in record_key order (ties among equal weights are then broken as by key, on any machine):
# prepare.input_table has done it (key_rank); a re-read of link_input numbers them here.
_NODES_SQL = """
create or replace temp table _link_nodes as
select
    {node}::integer as node,
    unique_id as record_key,
    source as kind,
    record_id,
    role,
    case when role = 'P' then personal_id end as anchor_id
from ({link_input})
"""

# Pairs above the upper threshold, strongest first: from link_predictions (joined to the nodes by key), or from
# the run's pairs when they carry the nodes (predict.pairs_from_predictions' node_l, node_r).
# One register person per HSSK record: an HSSK record's register candidates (its HSSK–register pairs, every
# stored pair being above the lower threshold) are ranked by weight. With `$sole` set (the run's
# thresholds.sole), a best candidate at least $margin stronger than the second (or the only one) is linked even
# below the upper threshold, as long as it reaches $sole; and an HSSK record whose two best candidates are
# within $margin is linked to neither, whatever their scores (it waits for a reviewer instead of being guessed).
_EDGES_SQL = """
with
candidates as (
    select
        p.node_l as a, p.node_r as b, p.match_weight as weight, p.match_probability,
        case when p.kind_l = 'hssk' and p.kind_r = 'population' then p.node_l
             when p.kind_r = 'hssk' and p.kind_l = 'population' then p.node_r end as h_node
    from {pairs} as p
    where not p.names_differ
        and not exists (
            select 1 from decisions_standing as s
            where s.action = 'split' and s.record_key_l in (p.record_key_l, p.record_key_r)
        )
),
ranked as (
    select
        a, b, h_node, weight, match_probability,
        row_number() over (partition by h_node order by weight desc, a, b) as rank,
        lead(weight) over (partition by h_node order by weight desc, a, b) as next_weight
    from candidates
    where h_node is not null and $sole is not null
),
best as (
    select a, b, h_node, match_probability, next_weight is null or weight - next_weight >= $margin as clear
    from ranked
    where rank = 1
)
select c.a, c.b, c.weight
from candidates as c
left join best on best.h_node = c.h_node
where (c.match_probability >= $upper and (best.h_node is null or best.clear))
    or (best.clear and best.a = c.a and best.b = c.b and c.match_probability >= $sole)
order by c.weight desc, c.a, c.b
"""
_STORED_PAIRS = """(
    select p.*, nl.node as node_l, nr.node as node_r
    from link_predictions as p
    join _link_nodes as nl on nl.record_key = p.record_key_l
    join _link_nodes as nr on nr.record_key = p.record_key_r
    where p.run_id = {run_id}
)"""

# Standing decisions between records of the snapshot. An accept given before a standing split of
# one of its records no longer holds: the split took that record out.
_DECISIONS_SQL = """
select nl.node as a, nr.node as b
from pair_decisions as d
join _link_nodes as nl on nl.record_key = d.key_a
join _link_nodes as nr on nr.record_key = d.key_b
where d.action = $action
    and not exists (
        select 1 from decisions_standing as s
        where s.action = 'split' and s.record_key_l in (d.key_a, d.key_b) and s.decision_id > d.decision_id
    )
order by d.decision_id
"""

_CLAIMS_SQL = """
create or replace temp table _link_claims as
with
anchors as (
    select cluster, 'P' || min(anchor_id) as person_id
    from _link_assigned
    where anchor_id is not null
    group by cluster
),
previous as (
    select a.cluster, pr.person_id, count(*) as n_records
    from _link_assigned as a
    join person_records as pr on pr.record_key = a.record_key
    where a.cluster not in (select cluster from anchors)
        and pr.person_id not in (select person_id from anchors)
    group by a.cluster, pr.person_id
),
ranked as (
    select
        *,
        row_number() over (partition by cluster order by n_records desc, person_id) as rank_in_cluster,
        row_number() over (partition by person_id order by n_records desc, cluster) as rank_for_person
    from previous
)
select cluster, person_id from anchors
union all
select cluster, person_id from ranked where rank_in_cluster = 1 and rank_for_person = 1
"""


def _generated_id(seed_key: str, attempt: int) -> str:
    text = seed_key if attempt == 0 else f"{seed_key}#{attempt}"
    return "G" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10].upper()


def rebuild(con: duckdb.DuckDBPyConnection, run_id: int, upper: float, records: pa.Table | None = None,
            pairs: pa.Table | None = None, *, sole: float | None = None,
            margin: float = clustering.AMBIGUITY_MARGIN) -> dict:
    """Recompute person_records from link_predictions of `run_id` and the standing decisions.

    `sole`: the lowest probability at which an HSSK record's one clear register candidate is linked (None: only
    pairs above `upper` link, `_EDGES_SQL`).

    `records` is the prepared linkage input when the caller already has it (else it is re-read), and `pairs` the
    run's pairs with their nodes (else they are read back from link_predictions).
    Writes persons, person_records and person_events in one transaction; returns counts.
    """
    if records is None:
        con.execute(_NODES_SQL.format(node="row_number() over (order by unique_id) - 1",
                                      link_input=load_query("link_input")))
    else:
        con.register("_link_input_arrow", records)
        try:
            con.execute(_NODES_SQL.format(node="key_rank", link_input="select * from _link_input_arrow"))
        finally:
            con.unregister("_link_input_arrow")
    roles = con.execute(
        "select case role when 'H' then 0 when 'P' then 1 else 2 end::tinyint as code from _link_nodes order by node"
    ).fetchnumpy()["code"]
    if pairs is not None:
        con.register("_link_pairs_arrow", pairs)
    try:
        source = "_link_pairs_arrow" if pairs is not None else _STORED_PAIRS.format(run_id=int(run_id))
        edges = con.execute(_EDGES_SQL.format(pairs=source),
                            {"upper": upper, "sole": sole, "margin": margin}).fetchnumpy()
    finally:
        if pairs is not None:
            con.unregister("_link_pairs_arrow")
    accepts = con.execute(_DECISIONS_SQL, {"action": "accept"}).fetchall()
    rejects = con.execute(_DECISIONS_SQL, {"action": "reject"}).fetchall()

    labels = clustering.cluster(np.asarray(roles), (np.asarray(edges["a"]), np.asarray(edges["b"]),
                                                    np.asarray(edges["weight"])),
                                accepts=accepts, rejects=rejects)
    label_table = pa.table({"node": pa.array(np.arange(len(labels), dtype=np.int32)),
                            "cluster": pa.array(labels.astype(np.int32))})
    con.register("_link_labels_arrow", label_table)
    con.execute("create or replace temp table _link_labels as select * from _link_labels_arrow")
    con.unregister("_link_labels_arrow")
    con.execute("""
        create or replace temp table _link_assigned as
        select n.*, l.cluster from _link_nodes as n join _link_labels as l using (node)""")
    con.execute(_CLAIMS_SQL)
    _name_clusters(con)

    con.execute("begin transaction")
    try:
        counts = _write(con, run_id)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    for table in ("_link_nodes", "_link_labels", "_link_assigned", "_link_claims", "_link_names"):
        con.execute(f"drop table if exists {table}")
    return counts


_GENERATED_SQL = """
create or replace temp table _link_names as
with
unnamed as (
    select cluster, min(record_key) as seed_key
    from _link_assigned
    where cluster not in (select cluster from _link_claims)
    group by cluster
),
generated as (
    select cluster, seed_key, 'G' || upper(substr(sha1(seed_key), 1, 10)) as person_id from unnamed
)
select cluster, person_id, null::varchar as seed_key, false as clash from _link_claims
union all
select
    cluster, person_id, seed_key,
    person_id in (select person_id from _link_claims)
        or person_id in (select person_id from persons where retired_at is null)
        or count(*) over (partition by person_id) > 1 as clash
from generated
"""


def _name_clusters(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table _link_names(cluster, person_id): claimed ids, else generated ones.

    A generated id must be new or retired (coming back); one that is taken or active elsewhere is
    re-drawn from sha1(seed_key#1), #2, … (in cluster order, so the same on every machine).
    """
    con.execute(_GENERATED_SQL)
    clashes = con.execute(
        "select cluster, seed_key from _link_names where clash order by cluster"
    ).fetchall()
    if not clashes:
        return
    taken = {row[0] for row in con.execute("select person_id from _link_names where not clash").fetchall()}
    status = dict(con.execute("select person_id, retired_at is not null from persons").fetchall())
    for cluster_id, seed_key in clashes:
        attempt = 0
        while True:
            candidate = _generated_id(seed_key, attempt)
            if candidate not in taken and status.get(candidate, True):
                break
            attempt += 1
        taken.add(candidate)
        con.execute("update _link_names set person_id = ?, clash = false where cluster = ?", [candidate, cluster_id])


def _write(con: duckdb.DuckDBPyConnection, run_id: int) -> dict:
    con.execute("""
        create or replace temp table _link_new as
        select a.record_key, a.kind, a.record_id, nm.person_id, a.anchor_id
        from _link_assigned as a join _link_names as nm using (cluster)""")
    con.execute("create or replace temp table _link_old as select record_key, person_id from person_records")
    # Records whose person changed: the one join of old and new mapping that the events below read.
    con.execute("""
        create or replace temp table _link_moved as
        select record_key, o.person_id as old_id, n.person_id as new_id
        from _link_old as o join _link_new as n using (record_key)
        where o.person_id <> n.person_id""")
    now = "current_timestamp::timestamp"

    # Persons: new ids are created, returning ones reactivated, ids left without records retired.
    con.execute("""
        create or replace temp table _link_created as
        select person_id, max(anchor_id) as personal_id
        from _link_new
        where person_id not in (select person_id from persons where retired_at is null)
        group by person_id""")
    con.execute(f"""
        insert into person_events ("at", run_id, event, person_id, detail)
        select {now}, $run_id, 'created', person_id,
               case when person_id in (select person_id from persons) then 'reactivated' end
        from _link_created order by person_id""", {"run_id": run_id})
    con.execute("update persons set retired_at = null where person_id in (select person_id from _link_created)")
    con.execute(f"""
        insert into persons (person_id, personal_id, created_at, first_run_id)
        select person_id, personal_id, {now}, $run_id from _link_created
        where person_id not in (select person_id from persons)""", {"run_id": run_id})

    # Old persons that no longer hold a record: merged into the person most of their records joined,
    # or retired when their records left the snapshot.
    con.execute(f"""
        insert into person_events ("at", run_id, event, person_id, other_person_id, detail)
        with gone as (
            select distinct person_id from _link_old
            where person_id not in (select person_id from _link_new)
        ),
        successor as (  -- (a gone person's records all moved)
            select old_id, new_id, count(*) as n_records
            from _link_moved
            where old_id in (select person_id from gone)
            group by old_id, new_id
            qualify row_number() over (partition by old_id order by count(*) desc, new_id) = 1
        )
        select {now}, $run_id,
            case when s.new_id is null then 'retired' else 'merged' end,
            coalesce(s.new_id, g.person_id),
            case when s.new_id is null then null else g.person_id end,
            case when s.new_id is null then 'no records left in the current snapshot' end
        from gone as g left join successor as s on s.old_id = g.person_id
        order by g.person_id""", {"run_id": run_id})
    con.execute(f"""
        update persons set retired_at = {now}
        where retired_at is null and person_id not in (select person_id from _link_new)""")

    # Splits: a surviving person some of whose records now form a newly created person.
    con.execute(f"""
        insert into person_events ("at", run_id, event, person_id, other_person_id)
        select distinct {now}, $run_id, 'split', old_id, new_id
        from _link_moved
        where old_id in (select person_id from _link_new)
            and new_id in (select person_id from _link_created)
        order by old_id, new_id""", {"run_id": run_id})
    con.execute(f"""
        insert into person_events ("at", run_id, event, person_id, other_person_id, record_key)
        select {now}, $run_id, 'moved_record', new_id, old_id, record_key
        from _link_moved
        order by record_key""", {"run_id": run_id})

    replace_rows(con, "person_records", "(record_key, kind, record_id, person_id, run_id) "
                 "select record_key, kind, record_id, person_id, $run_id from _link_new", {"run_id": run_id})
    counts = con.execute("""
        select
            count(*) as n_records,
            count(distinct person_id) as n_persons,
            (select count(*) from _link_created) as n_created
        from _link_new""").fetchall()[0]
    for table in ("_link_new", "_link_old", "_link_moved", "_link_created"):
        con.execute(f"drop table if exists {table}")
    return {"n_records": counts[0], "n_persons": counts[1], "n_created": counts[2]}


def resolve_person_id(con: duckdb.DuckDBPyConnection, person_id: str) -> str | None:
    """The person a (possibly old) person id stands for today, following merge events.

    Returns None when the id is unknown or was retired without a successor.
    """
    seen = set()
    current = person_id
    while current not in seen:
        seen.add(current)
        rows = con.execute("select retired_at from persons where person_id = ?", [current]).fetchall()
        if not rows:
            return None
        if rows[0][0] is None:
            return current
        nxt = con.execute("""
            select person_id from person_events
            where event = 'merged' and other_person_id = ?
            order by event_id desc limit 1""", [current]).fetchall()
        if not nxt:
            return None
        current = nxt[0][0]
    return None
