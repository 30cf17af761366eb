-- name:   worklist_missing_record
-- title:  Residents alive without an HSSK record, pre-filled with the register's data (and the insurance list's
--         card number when linked), ready to create
-- grain:  one row per person
-- params: $as_of DATE -- reference date
--         $village VARCHAR -- register village; NULL = every village
-- reads:  kpi_people, kpi_register, kpi_links (queries/kpi_base.sql), current_clean
with

insurance as (
    select
        links.person_id,
        arg_max(c.insurance_card, coalesce(c.valid_to, date '1900-01-01')) as insurance_card,
        arg_max(c.social_insurance_no, coalesce(c.valid_to, date '1900-01-01')) as social_insurance_no
    from current_clean as c
    join kpi_links as links on c.record_key = links.record_key
    where c.kind = 'insurance'
    group by links.person_id
),

final as (
    select
        people.person_id,
        people.village,
        reg.full_name,
        kpi_birth_vi(reg.birth_text) as birth_date,
        kpi_sex_vi(reg.sex) as sex,
        reg.personal_id,
        reg.old_id,
        coalesce(reg.insurance_card, insurance.insurance_card) as insurance_card,
        coalesce(reg.social_insurance_no, insurance.social_insurance_no) as social_insurance_no,
        reg.ethnicity_code,
        reg.nationality,
        reg.religion,
        reg.occupation,
        reg.address,
        reg.household_code,
        reg.relation_to_head,
        reg.phone
    from kpi_people($as_of) as people
    join kpi_register as reg on people.person_id = reg.person_id
    left join insurance on people.person_id = insurance.person_id
    where people.is_resident
        and people.n_records = 0
        and ($village is null or people.village = $village)
)

select * from final
order by village, full_name, person_id
