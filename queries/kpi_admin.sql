-- name:   kpi_admin
-- title:  Administrative KPI: residents alive with exactly one HSSK record whose name, day-precise birth date,
--         sex, personal ID, ethnicity and village are present and agree with the register (target 95%)
-- grain:  one row per register village, plus one row for the whole commune (village = '')
-- params: $as_of DATE -- reference date
-- reads:  kpi_people, kpi_record_checks (queries/kpi_base.sql)
with

residents as (
    select village, is_admin_ok
    from kpi_people($as_of)
    where is_resident
),

final as (
    select
        case when grouping(village) = 1 then '' else village end as village,
        count(*) filter (where is_admin_ok) as kpi_admin_count,
        kpi_admin_count / nullif(count(*), 0) as kpi_admin
    from residents
    group by grouping sets ((village), ())
)

select * from final
order by village
