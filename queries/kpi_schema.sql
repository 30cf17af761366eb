-- name:   kpi_schema
-- title:  The KPI history table (created when missing; never dropped)
-- grain:  kpi_snapshots: one row per snapshot, village and key (long format; village '' = whole commune)
-- reads:  nothing

create sequence if not exists seq_kpi_snapshot start 1;

create table if not exists kpi_snapshots (
    snapshot_id integer not null,
    taken_at timestamp not null,
    as_of date not null,
    village varchar not null,
    key varchar not null,
    value double
);
