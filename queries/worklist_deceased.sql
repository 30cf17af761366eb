-- name:   worklist_deceased
-- title:  Deceased register people (register status/death date or a linked death registration) whose HSSK
--         record is still active: close it
-- grain:  one row per HSSK record of such a person
-- params: $village VARCHAR -- register village; NULL = every village
-- reads:  kpi_register, kpi_records (queries/kpi_base.sql)
with

final as (
    select
        reg.person_id,
        reg.register_village as village,
        rec.record_id,
        reg.full_name,
        kpi_birth_vi(reg.birth_text) as birth_date,
        kpi_sex_vi(reg.sex) as sex,
        reg.personal_id,
        reg.known_death_date as death_date,
        reg.death_source,
        rec.full_name as hssk_full_name,
        rec.updated_at
    from kpi_register as reg
    join kpi_records as rec on reg.person_id = rec.person_id
    where reg.is_deceased
        and ($village is null or reg.register_village = $village)
)

select * from final
order by village, full_name, person_id, record_id
