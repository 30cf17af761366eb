-- name:   link_schema
-- title:  Tables of the linkage step: runs, predicted pairs, persons, events, reviewer decisions
-- grain:  see docs/architecture.md (Linkage, persons, decisions); created when missing, never dropped

create sequence if not exists seq_link_run start 1;
create sequence if not exists seq_person_event start 1;
create sequence if not exists seq_decision start 1;

-- One row per `hssk link` run (and per refresh after reviewer decisions).
create table if not exists link_runs (
    run_id integer not null,
    started_at timestamp not null,
    finished_at timestamp,
    model_path varchar,
    thresholds json,
    n_records integer,
    n_pairs integer,
    summary json
);

-- Scored pairs of the latest run with match_probability >= the lower threshold
-- (older runs are removed: the table holds one run). names_differ: the given names clearly differ
-- and the personal IDs are not the same (family members, twins) — never linked automatically.
create table if not exists link_predictions (
    run_id integer not null,
    record_key_l varchar not null,
    record_key_r varchar not null,
    kind_l varchar not null,
    kind_r varchar not null,
    match_probability double not null,
    match_weight double not null,
    names_differ boolean not null default false
);
-- databases created before the guard existed
alter table link_predictions add column if not exists names_differ boolean default false;

-- Near misses of the latest run: HSSK–register pairs scored between the `near` and the `lower` threshold (too
-- weak for the review queue, too close to ignore). The missing-record worklist names them so that staff search
-- before they create a record (queries/worklist_missing_record.sql).
create table if not exists link_near_misses (
    run_id integer not null,
    record_key_l varchar not null,
    record_key_r varchar not null,
    kind_l varchar not null,
    kind_r varchar not null,
    match_probability double not null
);

-- What each record looked like to the model in the last finished run (incremental runs score only
-- records that are new or changed since, and keep the stored pairs between the others).
create table if not exists link_record_state (
    record_key varchar not null,
    features_hash varchar not null
);

-- Every person id ever given out; never deleted, `retired_at` set when merged away or emptied.
create table if not exists persons (
    person_id varchar not null,
    personal_id varchar,
    created_at timestamp not null,
    first_run_id integer,
    retired_at timestamp
);

-- Current mapping: every record of current_clean -> exactly one person.
create table if not exists person_records (
    record_key varchar not null,
    kind varchar not null,
    record_id varchar,
    person_id varchar not null,
    run_id integer
);

-- created, merged (other_person_id merged into person_id), split (other_person_id split off
-- person_id), moved_record (record_key moved from other_person_id to person_id), retired.
create table if not exists person_events (
    event_id integer not null default nextval('seq_person_event'),
    "at" timestamp not null,
    run_id integer,
    event varchar not null,
    person_id varchar,
    other_person_id varchar,
    record_key varchar,
    detail varchar
);

-- Append-only reviewer decisions. action: accept | reject | split | undo (undoes = decision_id).
create table if not exists decisions (
    decision_id integer not null default nextval('seq_decision'),
    "at" timestamp not null,
    user_name varchar not null,
    action varchar not null,
    record_key_l varchar not null,
    record_key_r varchar,
    reason varchar,
    undoes integer
);

-- Decisions in force: not undone (an undo itself is never undone; undo the original again instead).
create or replace view decisions_standing as
select d.*
from decisions as d
where d.action in ('accept', 'reject', 'split')
    and not exists (select 1 from decisions as u where u.action = 'undo' and u.undoes = d.decision_id);

-- The latest standing accept/reject per unordered pair.
create or replace view pair_decisions as
select
    least(record_key_l, record_key_r) as key_a,
    greatest(record_key_l, record_key_r) as key_b,
    action,
    decision_id,
    user_name,
    "at",
    reason
from decisions_standing
where action in ('accept', 'reject')
qualify row_number() over (
    partition by least(record_key_l, record_key_r), greatest(record_key_l, record_key_r)
    order by decision_id desc
) = 1;

-- Pairs waiting for a reviewer (thresholds of the latest run), unless a standing decision covers the
-- pair or one of its records was split off:
--   uncertain:    lower <= probability < upper (also when the records ended in one person, `same_person`: by
--                 stronger pairs, or as an HSSK record's one clear register candidate — a reviewer may confirm);
--   names_differ: probability >= upper but the given names differ (family member? twin? new name?);
--   conflict:     probability >= upper but the records ended in different persons (the record was
--                 equally close to two people, or a register record was already taken).
-- A strong pair between two people who each hold their own register record is not shown: the
-- register (duplicate-free) already tells them apart.
create or replace view review_queue as
with latest as (
    select
        run_id,
        cast(json_extract(thresholds, '$.lower') as double) as lower_p,
        cast(json_extract(thresholds, '$.upper') as double) as upper_p
    from link_runs
    where n_pairs is not null
    order by run_id desc
    limit 1
)
select
    case
        when p.match_probability < latest.upper_p then 'uncertain'
        when p.names_differ then 'names_differ'
        else 'conflict'
    end as reason,
    p.record_key_l,
    p.record_key_r,
    p.kind_l,
    p.kind_r,
    p.match_probability,
    p.match_weight,
    l.person_id as person_id_l,
    r.person_id as person_id_r,
    coalesce(l.person_id = r.person_id, false) as same_person
from link_predictions as p
join latest on p.run_id = latest.run_id
left join person_records as l on l.record_key = p.record_key_l
left join person_records as r on r.record_key = p.record_key_r
where p.match_probability >= latest.lower_p
    and (
        p.match_probability < latest.upper_p
        or (l.person_id is distinct from r.person_id
            and not (coalesce(l.person_id like 'P%', false) and coalesce(r.person_id like 'P%', false)))
    )
    and not (p.kind_l = 'population' and p.kind_r = 'population')
    and not exists (
        select 1 from pair_decisions as d
        where d.key_a = least(p.record_key_l, p.record_key_r)
            and d.key_b = greatest(p.record_key_l, p.record_key_r)
    )
    and not exists (
        select 1 from decisions_standing as s
        where s.action = 'split' and s.record_key_l in (p.record_key_l, p.record_key_r)
    );
