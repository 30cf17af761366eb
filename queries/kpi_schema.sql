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

-- kpi_results: the figures of `hssk.kpi.compute` stored per data state and reference date (hssk.kpi.compute_current),
-- so a page opened after an import shows them without computing them again; only the newest state is kept.
create table if not exists kpi_results (
    state varchar not null,
    as_of date not null,
    result json not null,
    computed_at timestamp not null
);
