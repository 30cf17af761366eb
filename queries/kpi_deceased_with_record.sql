-- name:   kpi_deceased_with_record
-- title:  Deceased register people (register status/death date, or a linked death registration) still holding an
--         HSSK record
-- grain:  one row per register village, plus one row for the whole commune (village = '')
-- params: $as_of DATE -- reference date
-- reads:  kpi_people (queries/kpi_base.sql)
with

final as (
    select
        case when grouping(village) = 1 then '' else village end as village,
        count(*) filter (where is_deceased and n_records >= 1) as deceased_with_record
    from kpi_people($as_of)
    group by grouping sets ((village), ())
)

select * from final
order by village
