-- name:   golden_candidates
-- title:  Every value a person's linked records offer for each field of the record to enter (hssk.golden picks
--         one per field by the rules of data/reference/survivorship.csv)
-- grain:  one row per (person, field, record offering a non-empty value); health categories also one row per
--         piece of evidence (kpi_health_evidence). People: register residents and people known only from HSSK
-- params: $as_of DATE -- reference date (an insurance card that expired before it is not valid)
-- reads:  current_clean, import_batches, kpi_links, kpi_records_core, kpi_register_core (queries/kpi_base.sql),
--         kpi_health_evidence (queries/kpi_health_evidence.sql)
with

-- who gets a record to enter: the register's residents (not deceased, not moved away) and the people known
-- only from HSSK records (off the register; the head decides about them)
people as (
    select person_id, register_village as village from kpi_register_core where is_resident
    union all
    select person_id, min(report_village) from kpi_records_core
    where person_id is not null and person_id not in (select person_id from kpi_register_core)
    group by person_id
),

kept as (
    select person_id, rec_uid from kpi_records_core where person_id is not null and keep_rank = 1
),

linked as (
    select
        links.person_id,
        c.kind as source,
        c.rec_uid,
        c.record_id,
        coalesce(case c.kind when 'hssk' then c.updated_at when 'insurance' then c.valid_from end, c.event_date,
                 cast(b.created_at as date)) as source_date,
        coalesce(c.birth_precision = 'day', false) as complete,
        not (c.kind = 'insurance' and c.valid_to is not null and c.valid_to < cast($as_of as date)) as valid,
        c.household_code, c.full_name, c.relation_to_head, c.sex, c.blood_abo, c.blood_rh,
        c.birth_text as birth_date, c.ethnicity_code as ethnicity, c.nationality, c.religion, c.occupation,
        coalesce(c.personal_id, c.old_id) as personal_id,
        coalesce(c.insurance_card, c.social_insurance_no) as insurance,
        c.address as permanent_address, c.phone as mobile_phone, c.mother_name, c.father_name,
        c.chronic_disease, c.vaccination, c.medical_history, c.reproductive_health, c.infectious_disease
    from current_clean as c
    join kpi_links as links on c.record_key = links.record_key
    join import_batches as b on c.batch_id = b.batch_id
),

values_long as (
    unpivot linked
    on household_code, full_name, relation_to_head, sex, blood_abo, blood_rh, birth_date, ethnicity, nationality,
        religion, occupation, personal_id, insurance, permanent_address, mobile_phone, mother_name, father_name,
        chronic_disease, vaccination, medical_history, reproductive_health, infectious_disease
    into name field value value
),

evidence as (
    select
        person_id, source, null as rec_uid, visit_key as record_id, event_date as source_date, false as complete,
        true as valid, category as field, value
    from kpi_health_evidence
),

final as (
    select person_id, source, rec_uid, record_id, source_date, complete, valid, field, trim(value) as value
    from values_long
    where trim(value) <> ''
    union all
    select * from evidence
)

select
    people.village,
    final.*,
    final.rec_uid is not null and final.rec_uid = kept.rec_uid as from_kept_record,
    kept_record.record_id as kept_record_id
from final
join people on final.person_id = people.person_id
left join kept on final.person_id = kept.person_id
left join (select rec_uid, record_id from current_clean where kind = 'hssk') as kept_record
    on kept.rec_uid = kept_record.rec_uid
order by final.person_id, final.field, final.source, final.source_date
