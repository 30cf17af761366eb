-- name:   link_review_pairs
-- title:  The review queue with both records side by side, for a reviewer to decide
-- grain:  one row per pair waiting in review_queue (those whose decision changes a KPI first, then strongest)
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
),

-- What each person has today: a register record, an HSSK record.
holdings as (
    select person_id, bool_or(kind = 'population') as on_register, bool_or(kind = 'hssk') as has_hssk
    from person_records group by person_id
),

-- impact: how many KPI counts the decision can change. An HSSK record and a register person: a resident counted
-- as missing a record, a record counted as off the register (one each); two HSSK records: a duplicate; a death
-- registration and a register person: a resident counted alive. The queue shows these pairs first.
impacts as (
    select q.record_key_l, q.record_key_r,
        case when q.kind_l = 'population' then q.person_id_l else q.person_id_r end as register_person,
        'population' in (q.kind_l, q.kind_r) and 'hssk' in (q.kind_l, q.kind_r)
            and not coalesce(hp.has_hssk, false) as resident_missing_record,
        'population' in (q.kind_l, q.kind_r) and 'hssk' in (q.kind_l, q.kind_r)
            and not coalesce(hh.on_register, false) as record_off_register,
        q.kind_l = 'hssk' and q.kind_r = 'hssk' as possible_duplicate,
        'population' in (q.kind_l, q.kind_r) and 'deaths' in (q.kind_l, q.kind_r) as possible_death
    from review_queue q
    left join holdings hp on hp.person_id = case when q.kind_l = 'population' then q.person_id_l else q.person_id_r end
    left join holdings hh on hh.person_id = case when q.kind_l = 'hssk' then q.person_id_l else q.person_id_r end
)

select
    q.reason,
    i.resident_missing_record::int + i.record_off_register::int + i.possible_duplicate::int
        + i.possible_death::int as impact,
    i.resident_missing_record, i.record_off_register, i.register_person,
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
left join impacts as i on i.record_key_l = q.record_key_l and i.record_key_r = q.record_key_r
where $reason is null or q.reason = $reason
order by impact desc, q.match_weight desc, q.record_key_l, q.record_key_r
limit $limit
