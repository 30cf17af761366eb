-- name:   link_review_pairs
-- title:  The review queue with both records side by side, for a reviewer to decide
-- grain:  one row per pair waiting in review_queue (strongest first)
-- params: $reason VARCHAR -- uncertain | names_differ | conflict; NULL = all
--         $limit INTEGER -- at most this many rows
-- reads:  review_queue, current_clean
with

side as (
    select
        record_key, kind, record_id, full_name, birth_text, sex, personal_id, old_id,
        coalesce(social_insurance_no, insurance_card) as insurance_no, village, household_code, phone
    from current_clean
    qualify row_number() over (partition by record_key order by batch_id desc, row_number) = 1
)

select
    q.reason,
    q.match_probability,
    q.match_weight,
    q.record_key_l,
    q.record_key_r,
    q.person_id_l,
    q.person_id_r,
    l.kind as kind_l, r.kind as kind_r,
    l.record_id as record_id_l, r.record_id as record_id_r,
    l.full_name as full_name_l, r.full_name as full_name_r,
    l.birth_text as birth_l, r.birth_text as birth_r,
    l.sex as sex_l, r.sex as sex_r,
    l.personal_id as personal_id_l, r.personal_id as personal_id_r,
    l.old_id as old_id_l, r.old_id as old_id_r,
    l.insurance_no as insurance_no_l, r.insurance_no as insurance_no_r,
    l.village as village_l, r.village as village_r,
    l.household_code as household_l, r.household_code as household_r,
    l.phone as phone_l, r.phone as phone_r
from review_queue as q
left join side as l on l.record_key = q.record_key_l
left join side as r on r.record_key = q.record_key_r
where $reason is null or q.reason = $reason
order by q.match_weight desc, q.record_key_l, q.record_key_r
limit $limit
