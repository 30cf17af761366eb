-- name:   worklist_duplicates
-- title:  People with two or more HSSK records: the record to keep (most complete, then most recently updated)
--         and the records to merge into it
-- grain:  one row per HSSK record of such a person, the kept record first
-- params: $village VARCHAR -- village of the person's records (the register's when linked); NULL = every village
-- reads:  kpi_records (queries/kpi_base.sql)
with

duplicated as (
    select *
    from kpi_records
    where person_id is not null
        and person_record_count >= 2
),

keepers as (
    select person_id, record_id as keep_record_id
    from duplicated
    where keep_rank = 1
),

final as (
    select
        duplicated.person_id,
        duplicated.report_village as village,
        duplicated.keep_rank,
        case when duplicated.keep_rank = 1 then 'keep' else 'merge' end as action,
        keepers.keep_record_id,
        duplicated.record_id,
        duplicated.full_name,
        kpi_birth_vi(duplicated.birth_text) as birth_date,
        kpi_sex_vi(duplicated.sex) as sex,
        duplicated.personal_id,
        duplicated.insurance_card,
        duplicated.phone,
        duplicated.completeness_score,
        duplicated.updated_at,
        duplicated.has_register_person
    from duplicated
    join keepers on duplicated.person_id = keepers.person_id
    where $village is null or duplicated.report_village = $village
)

select * from final
order by village, person_id, keep_rank
