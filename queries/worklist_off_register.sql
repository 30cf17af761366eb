-- name:   worklist_off_register
-- title:  HSSK records linked to no register person, to verify (moved away, deceased, wrong or missing ID …)
-- grain:  one row per HSSK record
-- params: $village VARCHAR -- village of the record itself; NULL = every village
-- reads:  kpi_records (queries/kpi_base.sql)
with

final as (
    select
        record_id,
        person_id,
        report_village as village,
        full_name,
        kpi_birth_vi(birth_text) as birth_date,
        kpi_sex_vi(sex) as sex,
        personal_id,
        old_id,
        insurance_card,
        address,
        phone,
        updated_at,
        case
            when person_has_death_registration then 'death_registration'
            when person_id is null then 'unlinked'
            when personal_id is not null then 'personal_id_not_in_register'
            else 'no_register_match'
        end as reason
    from kpi_records
    where not has_register_person
        and ($village is null or report_village = $village)
)

select * from final
order by village, full_name, record_id
