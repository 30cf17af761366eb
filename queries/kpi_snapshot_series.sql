-- name:   kpi_snapshot_series
-- title:  KPI history: for each reference date, the value of the latest snapshot taken for it
-- grain:  one row per (as_of, village, key); village '' = whole commune
-- params: $village VARCHAR -- NULL = the commune and every village
-- reads:  kpi_snapshots
with

latest as (
    select as_of, village, key, value, taken_at, snapshot_id
    from kpi_snapshots
    where $village is null or village = $village
    qualify row_number() over (
        partition by as_of, village, key order by taken_at desc, snapshot_id desc
    ) = 1
)

select * from latest
order by village, key, as_of
