-- name:   kpi_duplicates
-- title:  Residents alive with two or more HSSK records, and the records beyond the first one
-- grain:  one row per register village, plus one row for the whole commune (village = '')
-- params: $as_of DATE -- reference date
-- reads:  kpi_people (queries/kpi_base.sql)
with

residents as (
    select village, n_records
    from kpi_people($as_of)
    where is_resident
),

final as (
    select
        case when grouping(village) = 1 then '' else village end as village,
        count(*) filter (where n_records >= 2) as duplicate_persons,
        cast(coalesce(sum(n_records - 1) filter (where n_records >= 2), 0) as bigint) as extra_records
    from residents
    group by grouping sets ((village), ())
)

select * from final
order by village
