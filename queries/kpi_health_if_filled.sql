-- name:   kpi_health_if_filled
-- title:  The health KPI if every fill suggestion were entered (what the clinical data is worth): kpi_health
--         with each category counted as filled where a linked claim visit or care event fills it
-- grain:  one row per register village, plus one row for the whole commune (village = '')
-- params: $as_of DATE -- reference date (age for reproductive health)
-- reads:  kpi_people (queries/kpi_base.sql), kpi_health_suggestions (queries/kpi_health_evidence.sql)
with

residents as (
    select *
    from kpi_people($as_of)
    where is_resident
),

suggested as (
    select
        person_id,
        bool_or(category = 'chronic_disease') as s_chronic_disease,
        bool_or(category = 'vaccination') as s_vaccination,
        bool_or(category = 'medical_history') as s_medical_history,
        bool_or(category = 'reproductive_health') as s_reproductive_health,
        bool_or(category = 'infectious_disease') as s_infectious_disease
    from kpi_health_suggestions($as_of)
    group by person_id
),

people as (
    select
        r.village,
        r.n_records >= 1
            and (r.has_chronic_disease or coalesce(s.s_chronic_disease, false))
            and (r.has_vaccination or coalesce(s.s_vaccination, false))
            and (r.has_medical_history or coalesce(s.s_medical_history, false))
            and (r.has_infectious_disease or coalesce(s.s_infectious_disease, false))
            and (r.has_reproductive_health or coalesce(s.s_reproductive_health, false)
                 or not r.needs_reproductive_health)
            as is_health_ok_if_filled
    from residents as r
    left join suggested as s on r.person_id = s.person_id
),

final as (
    select
        case when grouping(village) = 1 then '' else village end as village,
        count(*) filter (where is_health_ok_if_filled) as kpi_health_if_filled_count,
        kpi_health_if_filled_count / nullif(count(*), 0) as kpi_health_if_filled
    from people
    group by grouping sets ((village), ())
)

select * from final
order by village
