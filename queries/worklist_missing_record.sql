-- name:   worklist_missing_record
-- title:  Residents alive without an HSSK record, pre-filled with the register's data (and the insurance list's
--         card number when linked), ready to create
-- grain:  one row per person
-- params: $as_of DATE -- reference date
--         $village VARCHAR -- register village; NULL = every village
-- reads:  kpi_people, kpi_register, kpi_links (queries/kpi_base.sql), current_clean, review_queue,
--         link_near_misses (queries/link_schema.sql)
-- Search before create: a resident whose register record has a pending HSSK candidate (a pair waiting in the
-- review queue, or a near miss below the lower threshold) is not offered for creation: `action` says to check
-- the candidate record (`candidate_record_id`, the strongest one) first.
with

register_records as (
    select links.person_id, links.record_key
    from kpi_links as links
    join current_clean as c on c.record_key = links.record_key
    where c.kind = 'population'
),

pending_pairs as (
    select record_key_l, record_key_r, kind_l, kind_r, match_probability from review_queue
    union all
    select record_key_l, record_key_r, kind_l, kind_r, match_probability
    from link_near_misses
    where run_id = (select max(run_id) from link_runs where n_pairs is not null)
),

pending as (
    select
        reg.person_id,
        arg_max(case when p.kind_l = 'hssk' then p.record_key_l else p.record_key_r end, p.match_probability)
            as candidate_key
    from pending_pairs as p
    join register_records as reg
        on reg.record_key = case when p.kind_l = 'population' then p.record_key_l else p.record_key_r end
    where (p.kind_l = 'population' and p.kind_r = 'hssk') or (p.kind_l = 'hssk' and p.kind_r = 'population')
    group by reg.person_id
),

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
        case when pending.person_id is null then 'Tạo hồ sơ mới'
            else 'Chưa tạo: kiểm tra hồ sơ HSSK có thể là của người này' end as action,
        candidate.record_id as candidate_record_id,
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
    left join pending on people.person_id = pending.person_id
    left join current_clean as candidate on candidate.record_key = pending.candidate_key
    where people.is_resident
        and people.n_records = 0
        and ($village is null or people.village = $village)
)

select * from final
order by village, full_name, person_id
