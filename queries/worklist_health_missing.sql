-- name:   worklist_health_missing
-- title:  Residents alive with an HSSK record where an applicable health category is filled in none of their
--         records, with suggestions from care events and claim visits linked to the same person (latest three
--         per category)
-- grain:  one row per (person, missing category); record_id = the record to fill (the one to keep)
-- params: $as_of DATE -- reference date (age for reproductive health)
--         $village VARCHAR -- register village; NULL = every village
-- reads:  kpi_health_gaps, kpi_records (queries/kpi_base.sql), kpi_health_evidence (queries/kpi_health_evidence.sql)
with

missing as (
    select * from kpi_health_gaps($as_of) where $village is null or village = $village
),

-- What linked care events and claim visits say per category (queries/kpi_health_evidence.sql: care events by
-- their kind, claim diagnoses through data/reference/icd10_categories.csv)
care_by_category as (
    select
        person_id, event_date, code as event_code, description as event_description, facility as source_system,
        category, event_key
    from kpi_health_evidence
),

suggestions as (
    select
        person_id,
        category,
        count(distinct event_key) as care_events,
        string_agg(line, '; ' order by event_date desc nulls last) filter (where rank_in_category <= 3)
            as suggestion
    from (
        select
            *,
            concat_ws(' ', strftime(event_date, '%d/%m/%Y'), event_code, event_description,
                '(' || source_system || ')') as line,
            row_number() over (
                partition by person_id, category order by event_date desc nulls last
            ) as rank_in_category
        from care_by_category
    )
    group by person_id, category
),

kept_records as (
    select person_id, record_id, full_name, birth_text, sex
    from kpi_records
    where person_id is not null and keep_rank = 1
),

final as (
    select
        missing.person_id,
        missing.village,
        kept_records.record_id,
        kept_records.full_name,
        kpi_birth_vi(kept_records.birth_text) as birth_date,
        kpi_sex_vi(kept_records.sex) as sex,
        missing.category,
        coalesce(suggestions.care_events, 0) as care_events,
        suggestions.suggestion
    from missing
    join kept_records on missing.person_id = kept_records.person_id
    left join suggestions
        on missing.person_id = suggestions.person_id and missing.category = suggestions.category
)

select * from final
order by village, full_name, person_id, category
