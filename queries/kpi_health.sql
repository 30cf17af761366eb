-- name:   kpi_health
-- title:  Health KPI: residents alive with a record where every applicable category (chronic disease,
--         vaccination, medical history, reproductive health for women 15–49, infectious disease) is filled in
--         at least one of their records (target 90%); plus the share filled per category
-- grain:  one row per register village, plus one row for the whole commune (village = '')
-- params: $as_of DATE -- reference date (age for reproductive health)
-- reads:  kpi_people (queries/kpi_base.sql)
with

residents as (
    select *
    from kpi_people($as_of)
    where is_resident
),

final as (
    select
        case when grouping(village) = 1 then '' else village end as village,
        count(*) filter (where is_health_ok) as kpi_health_count,
        kpi_health_count / nullif(count(*), 0) as kpi_health,
        -- per category: among residents alive with a record (for whom the category applies)
        count(*) filter (where n_records >= 1) as count_with_record,
        count(*) filter (where has_chronic_disease) / nullif(count_with_record, 0) as chronic_disease_ratio,
        count(*) filter (where has_vaccination) / nullif(count_with_record, 0) as vaccination_ratio,
        count(*) filter (where has_medical_history) / nullif(count_with_record, 0) as medical_history_ratio,
        count(*) filter (where has_reproductive_health and needs_reproductive_health)
            / nullif(count(*) filter (where n_records >= 1 and needs_reproductive_health), 0)
            as reproductive_health_ratio,
        count(*) filter (where has_infectious_disease) / nullif(count_with_record, 0) as infectious_disease_ratio
    from residents
    group by grouping sets ((village), ())
)

select * from final
order by village
