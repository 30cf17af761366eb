-- name:   link_input
-- title:  The linkage input: one row per record of the current snapshot, with comparison columns
-- grain:  one row per record_key of current_clean (unique there: the import suffixes a key repeated within a
--         snapshot batch, current_clean keeps one row per event key)
-- reads:  current_clean
-- role: H = HSSK record, P = population register (duplicate-free), A = record that attaches to
-- one person (deaths, insurance, care, claims). family_tf / middle_tf / given_tf: the name part as Splink counts it for
-- term frequencies (its usual written form when typed without accents).
with

snapshot as not materialized (
    select
        record_key, kind, record_id, family_key, middle_key, given_key, family_ascii, given_ascii, name_ascii,
        birth_date, birth_year, birth_month, birth_day, birth_text, sex, personal_id, old_id, social_insurance_no,
        insurance_card, village, household_code, phone, address
    from current_clean
    where record_key is not null
),

-- The insurance list as a bridge: a register person's BHXH number is the one the insurance list gives for their
-- personal ID (when it gives exactly one), so an HSSK record holding only the card finds the register record.
insurance_numbers as (
    select personal_id, min(coalesce(social_insurance_no, right(insurance_card, 10))) as bhxh_no
    from snapshot
    where kind = 'insurance' and personal_id is not null
        and coalesce(social_insurance_no, insurance_card) is not null
    group by personal_id
    having count(distinct coalesce(social_insurance_no, right(insurance_card, 10))) = 1
),

keyed as not materialized (
    select
        record_key as unique_id,
        kind as source,
        case kind when 'hssk' then 'H' when 'population' then 'P' else 'A' end as role,
        record_id,
        nullif(family_key, '') as family_key,
        nullif(middle_key, '') as middle_key,
        nullif(given_key, '') as given_key,
        nullif(family_ascii, '') as family_ascii,
        nullif(lower(strip_accents(replace(replace(middle_key, 'đ', 'd'), 'Đ', 'D'))), '') as middle_ascii,
        nullif(given_ascii, '') as given_ascii,
        nullif(name_ascii, '') as name_ascii,
        birth_date,
        birth_year,
        birth_month,
        birth_day,
        birth_text,
        -- blocking keys for partial dates and typos (see hssk/link/model.py)
        case when birth_month is null then birth_year end as birth_year_only,
        birth_year * 100 + birth_month as birth_ym,
        case when birth_day is null then birth_year * 100 + birth_month end as birth_ym_only,
        left(nullif(given_ascii, ''), 1) as given_initial,
        nullif(array_to_string(list_sort(string_split(given_ascii, '')), ''), '') as given_letters,
        left(nullif(family_ascii, ''), 1) as family_initial,
        sex,
        personal_id,
        old_id,
        coalesce(social_insurance_no, right(insurance_card, 10),
            case when kind = 'population' then
                (select i.bhxh_no from insurance_numbers as i where i.personal_id = snapshot.personal_id) end)
            as bhxh_no,
        nullif(village, '') as village,
        nullif(household_code, '') as household_code,
        phone,
        -- the house number of the address ("Số 61, Thôn …" → '61'): with the village, a household's door
        nullif(regexp_extract(lower(strip_accents(coalesce(address, ''))), '^\s*so\s*(\d+[a-z]?)\s*,', 1), '')
            as address_detail
    from snapshot
),

-- Values shared by far more HSSK and register records than a household could share (a placeholder typed for
-- everyone, a clinic's own phone): they stop being evidence and blocking keys (hssk.link.prepare reports them).
-- The limit is prepare.SHARED_VALUE_LIMIT; care visits and other attaching records are not counted (a patient
-- may have many), but lose the value too.
shared as (
    select field, value
    from (
        select 'personal_id' as field, personal_id as value from keyed where role in ('H', 'P')
        union all select 'old_id', old_id from keyed where role in ('H', 'P')
        union all select 'bhxh_no', bhxh_no from keyed where role in ('H', 'P')
        union all select 'phone', phone from keyed where role in ('H', 'P')
        union all select 'household_code', household_code from keyed where role in ('H', 'P')
    )
    where value is not null
    group by all
    having count(*) > 50
),

evidence as not materialized (
    select * replace (
        case when personal_id in (select value from shared where field = 'personal_id') then null
            else personal_id end as personal_id,
        case when old_id in (select value from shared where field = 'old_id') then null else old_id end as old_id,
        case when bhxh_no in (select value from shared where field = 'bhxh_no') then null else bhxh_no end as bhxh_no,
        case when phone in (select value from shared where field = 'phone') then null else phone end as phone,
        case when household_code in (select value from shared where field = 'household_code') then null
            else household_code end as household_code
    )
    from keyed
),

-- How each name part is most often written, per accent-free spelling: a name typed without accents counts
-- as the people called that (nguyen → nguyễn) when Splink weighs how common it is (model._tf_on_usual_form)
family_forms as (
    select family_ascii as ascii, first(family_key order by n desc, family_key) as usual
    from (select family_ascii, family_key, count(*) as n from keyed where family_ascii is not null group by all)
    group by all
),

middle_forms as (
    select middle_ascii as ascii, first(middle_key order by n desc, middle_key) as usual
    from (select middle_ascii, middle_key, count(*) as n from keyed where middle_ascii is not null group by all)
    group by all
),

given_forms as (
    select given_ascii as ascii, first(given_key order by n desc, given_key) as usual
    from (select given_ascii, given_key, count(*) as n from keyed where given_ascii is not null group by all)
    group by all
)

-- features_hash: what the model compares; an unchanged hash means unchanged scores (incremental runs)
select
    k.*,
    case when k.family_key = k.family_ascii then f.usual else k.family_key end as family_tf,
    case when k.middle_key = k.middle_ascii then m.usual else k.middle_key end as middle_tf,
    case when k.given_key = k.given_ascii then g.usual else k.given_key end as given_tf,
    md5(concat_ws('|', k.family_key, k.middle_key, k.given_key, k.family_ascii, k.middle_ascii, k.given_ascii,
        k.birth_text, k.sex, k.personal_id, k.old_id, k.bhxh_no, k.village, k.household_code, k.phone,
        k.address_detail))
        as features_hash
from evidence as k
left join family_forms as f on f.ascii = k.family_ascii
left join middle_forms as m on m.ascii = k.middle_ascii
left join given_forms as g on g.ascii = k.given_ascii
