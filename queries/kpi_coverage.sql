-- name:   kpi_coverage
-- title:  Residents alive (register people neither deceased — status, death date or a linked death registration —
--         nor moved away), how many have at least one current HSSK record, how many have none, and the coverage
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
        count(*) as residents_alive,
        count(*) filter (where n_records >= 1) as with_record,
        count(*) filter (where n_records = 0) as missing_record,
        with_record / nullif(residents_alive, 0) as coverage
    from residents
    group by grouping sets ((village), ())
)

select * from final
order by village
