-- name:   kpi_snapshot_before
-- title:  The last recorded value of each KPI on or before a date (e.g. end of last month), for "change since"
-- grain:  one row per (village, key); village '' = whole commune
-- params: $before DATE -- latest reference date to consider
-- reads:  kpi_snapshots
with

latest as (
    select village, key, value, as_of, taken_at
    from kpi_snapshots
    where as_of <= $before
    qualify row_number() over (
        partition by village, key order by as_of desc, taken_at desc, snapshot_id desc
    ) = 1
)

select * from latest
order by village, key
