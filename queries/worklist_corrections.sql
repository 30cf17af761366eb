-- name:   worklist_corrections
-- title:  Field corrections: where the HSSK record (the one to keep) of a living register person disagrees with
--         the register after standardisation, the value it holds and the register's value
-- grain:  one row per (record, field); fields: full_name, birth_date, sex, personal_id, ethnicity, village
-- params: $village VARCHAR -- register village; NULL = every village
-- reads:  kpi_records, kpi_register (queries/kpi_base.sql)
with

pairs as (
    select
        rec.record_id,
        rec.person_id,
        reg.register_village as village,
        reg.record_id as source_record_id,
        rec as h,
        reg as r
    from kpi_records as rec
    join kpi_register as reg on rec.person_id = reg.person_id
    where rec.keep_rank = 1
        and reg.is_resident
        and ($village is null or reg.register_village = $village)
),

differences as (
    select *, 'full_name' as field, h.full_name_orig as current_value, r.full_name as corrected_value,
        null as corrected_code
    from pairs
    where r.name_key is not null and h.name_key is distinct from r.name_key
    union all
    select *, 'birth_date', h.birth_date_orig, kpi_birth_vi(r.birth_text), r.birth_text
    from pairs
    where case r.birth_precision
        when 'day' then h.birth_date is distinct from r.birth_date
        when 'month' then h.birth_year is distinct from r.birth_year or h.birth_month is distinct from r.birth_month
        when 'year' then h.birth_year is distinct from r.birth_year
        else false
    end
    union all
    select *, 'sex', h.sex_orig, kpi_sex_vi(r.sex), case r.sex when 'M' then '1' when 'F' then '2' end
    from pairs
    where r.sex is not null and h.sex is distinct from r.sex
    union all
    select *, 'personal_id', h.personal_id_orig, r.personal_id, null
    from pairs
    where r.personal_id is not null and h.personal_id is distinct from r.personal_id
    union all
    select *, 'ethnicity', h.ethnicity_orig, r.ethnicity_code, r.ethnicity_code
    from pairs
    where r.ethnicity_code is not null and h.ethnicity_code is distinct from r.ethnicity_code
    union all
    select *, 'village', coalesce(h.village_orig, h.address_orig), r.village, null
    from pairs
    where r.village is not null and h.village is distinct from r.village
),

final as (
    select
        record_id,
        person_id,
        village,
        field,
        current_value,
        corrected_value,
        corrected_code,
        'population' as source,
        source_record_id
    from differences
)

select * from final
order by village, person_id, record_id, field
