-- name:   worklist_health_fill
-- title:  What to enter in HSSK: for every resident whose records miss a health category that a linked claim
--         visit or care event fills, the value to enter and its evidence (facility, date, visit key), newest first
-- grain:  one row per (person, missing category with evidence); record_id = the record to fill (the one to keep)
-- params: $as_of DATE -- reference date (age for reproductive health)
--         $village VARCHAR -- register village; NULL = every village
-- reads:  kpi_health_suggestions (queries/kpi_health_evidence.sql), kpi_records (queries/kpi_base.sql)
with

kept_records as (
    select person_id, record_id, full_name, birth_text, sex
    from kpi_records
    where person_id is not null and keep_rank = 1
),

final as (
    select
        s.person_id,
        s.village,
        kept_records.record_id,
        kept_records.full_name,
        kpi_birth_vi(kept_records.birth_text) as birth_date,
        kpi_sex_vi(kept_records.sex) as sex,
        s.category,
        s.value as value_to_enter,
        s.facility,
        s.event_date,
        s.visit_key,
        s.source,
        s.n_evidence
    from kpi_health_suggestions($as_of) as s
    join kept_records on s.person_id = kept_records.person_id
    where $village is null or s.village = $village
)

select * from final
order by event_date desc nulls last, village, full_name, person_id, category
