-- name:   kpi_projection
-- title:  Projection of the admin (target 95%) and health (target 90%) KPIs to the campaign deadline: a straight
--         line fitted to the snapshots (value against reference date), the value it reaches at the deadline and
--         the date it crosses the target; status reached / on_track / late / not_progressing / insufficient_data
-- grain:  one row per (village, key) with at least one snapshot; village '' = whole commune
-- params: $deadline DATE -- campaign deadline
--         $target_admin DOUBLE -- target of kpi_admin (0–1)
--         $target_health DOUBLE -- target of kpi_health (0–1)
-- reads:  kpi_snapshots
with

targets as (
    select * from (values ('kpi_admin', $target_admin), ('kpi_health', $target_health)) as t(key, target)
),

series as (
    select as_of, village, key, value, as_of - date '1970-01-01' as day_number
    from kpi_snapshots
    where key in (select key from targets) and value is not null
    qualify row_number() over (
        partition by as_of, village, key order by taken_at desc, snapshot_id desc
    ) = 1
),

fit as (
    select
        village,
        key,
        count(*) as n_points,
        min(as_of) as first_as_of,
        max(as_of) as last_as_of,
        arg_max(value, as_of) as last_value,
        -- a line needs two dates (DuckDB gives NaN for one)
        case when count(*) >= 2 then regr_slope(value, day_number) end as slope_per_day,
        case when count(*) >= 2 then regr_intercept(value, day_number) end as intercept
    from series
    group by village, key
),

final as (
    select
        fit.village,
        fit.key,
        targets.target,
        fit.n_points,
        fit.first_as_of,
        fit.last_as_of,
        fit.last_value,
        fit.slope_per_day,
        cast($deadline as date) as deadline,
        case when fit.slope_per_day is not null then
            least(greatest(fit.intercept + fit.slope_per_day * (deadline - date '1970-01-01'), 0), 1)
        end as projected_at_deadline,
        case
            when fit.last_value >= targets.target then fit.last_as_of
            when fit.slope_per_day > 0 then greatest(
                date '1970-01-01'
                    + cast(ceil((targets.target - fit.intercept) / fit.slope_per_day) as integer),
                fit.last_as_of)
        end as reach_date,
        case
            when fit.last_value >= targets.target then 'reached'
            when fit.slope_per_day is null then 'insufficient_data'
            when fit.slope_per_day <= 0 then 'not_progressing'
            when reach_date <= deadline then 'on_track'
            else 'late'
        end as status
    from fit
    join targets on fit.key = targets.key
)

select * from final
order by village, key
