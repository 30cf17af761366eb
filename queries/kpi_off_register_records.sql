-- name:   kpi_off_register_records
-- title:  HSSK records linked to no register person (moved away, never registered, wrong ID …: to verify)
-- grain:  one row per village of the record itself (only villages that have such records), plus one row for
--         the whole commune (village = '', always present)
-- params: none
-- reads:  kpi_records (queries/kpi_base.sql)
with

off_register as (
    select report_village as village
    from kpi_records
    where not has_register_person
),

final as (
    select
        case when grouping(village) = 1 then '' else village end as village,
        count(*) as off_register_records
    from off_register
    group by grouping sets ((village), ())
)

select * from final
order by village
