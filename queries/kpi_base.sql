-- name:   kpi_base
-- title:  Building blocks shared by the kpi_* and worklist_* queries: temporary tables holding the current
--         state (rebuilt by hssk.kpi.prepare before the figures are read) and temporary macros
-- grain:  kpi_links: one row per linked record_key; kpi_deaths: one row per person with a death
--         registration; kpi_register(_core): one row per register person; kpi_records(_core): one row per HSSK record of
--         the current snapshot; kpi_record_checks: one row per HSSK record linked to a register person;
--         kpi_people(as_of): one row per register person (cached per as_of in kpi_people_cache)
-- params: none (the macro kpi_people takes the reference date as its argument)
-- reads:  current_clean, person_records

-- "Filled" = holds something other than spaces; the answer "Không" is filled.
create or replace temp macro kpi_filled(v) as coalesce(trim(cast(v as varchar)) <> '', false);

-- Label of the village bucket for people/records whose village is unknown.
create or replace temp macro kpi_unknown_village() as 'Không rõ thôn';

create or replace temp macro kpi_sex_vi(sex) as case sex when 'M' then 'Nam' when 'F' then 'Nữ' end;

-- 'YYYY-MM-DD' / 'YYYY-MM' / 'YYYY' → 'DD/MM/YYYY' / 'MM/YYYY' / 'YYYY', as Vietnamese forms write dates.
create or replace temp macro kpi_birth_vi(birth_text) as case length(birth_text)
    when 10 then substr(birth_text, 9, 2) || '/' || substr(birth_text, 6, 2) || '/' || substr(birth_text, 1, 4)
    when 7 then substr(birth_text, 6, 2) || '/' || substr(birth_text, 1, 4)
    else birth_text
end;

-- Completed years at as_of; from the year alone (may be one too many) when the day of birth is unknown.
create or replace temp macro kpi_age(birth_date, birth_year, as_of) as case
    when birth_date is not null then date_sub('year', birth_date, cast(as_of as date))
    when birth_year is not null then year(cast(as_of as date)) - birth_year
end;

-- The current record → person mapping; the contract says one person per record, the latest run wins if not.
create or replace temp table kpi_links as
select record_key, person_id
from person_records
where record_key is not null and person_id is not null
qualify row_number() over (partition by record_key order by run_id desc nulls last, person_id) = 1;

-- People linked to a death registration (a `deaths` record), with the registered date of death.
create or replace temp table kpi_deaths as
select links.person_id, min(c.death_date) as registered_death_date
from current_clean as c
join kpi_links as links on c.record_key = links.record_key
where c.kind = 'deaths'
group by links.person_id;

-- Register people: the population record of each person, with the deceased / moved flags.
-- kpi_register_core holds the person's pick and flags (narrow rows, quick to build); the view kpi_register adds
-- the record's clean columns on demand, so a query reads only the columns it uses.
create or replace temp table kpi_register_core as
with

register as (
    select links.person_id, min(c.rec_uid) as rec_uid
    from current_clean as c
    join kpi_links as links on c.record_key = links.record_key
    where c.kind = 'population'
    group by links.person_id
),

final as (
    select
        register.person_id,
        register.rec_uid,
        c.birth_date,
        c.birth_year,
        c.sex,
        coalesce(c.village, kpi_unknown_village()) as register_village,
        coalesce(c.status = 'dead', false) or c.death_date is not null
            or death_registrations.person_id is not null as is_deceased,
        coalesce(c.status = 'moved', false) as is_moved,
        -- a resident: on the register, neither deceased nor moved away ('chuyển đi')
        not is_deceased and not is_moved as is_resident,
        coalesce(c.death_date, death_registrations.registered_death_date) as known_death_date,
        case
            when c.status = 'dead' or c.death_date is not null then 'population'
            when death_registrations.person_id is not null then 'deaths'
        end as death_source
    from register
    join clean as c on c.rec_uid = register.rec_uid
    left join kpi_deaths as death_registrations on register.person_id = death_registrations.person_id
)

select * from final;

create or replace temp view kpi_register as
select core.person_id, c.*, core.* exclude (person_id, rec_uid, birth_date, birth_year, sex)
from kpi_register_core as core
join clean as c on c.rec_uid = core.rec_uid;

-- HSSK records of the current snapshot with their person, where they are counted (the register's village, else
-- the record's own), and which record of a person to keep: most complete, then most recently updated.
-- As above: kpi_records_core is narrow, the view kpi_records adds the clean columns.
create or replace temp table kpi_records_core as
with

hssk as (
    select c.*, links.person_id
    from current_clean as c
    left join kpi_links as links on c.record_key = links.record_key
    where c.kind = 'hssk'
),

placed as (
    select
        hssk.rec_uid,
        hssk.person_id,
        hssk.updated_at,
        hssk.record_id,
        register.person_id is not null as has_register_person,
        coalesce(register.is_deceased, false) or deaths.person_id is not null as person_is_deceased,
        deaths.person_id is not null as person_has_death_registration,
        coalesce(register.is_moved, false) as person_is_moved,
        case
            when register.person_id is not null then register.register_village
            else coalesce(hssk.village, kpi_unknown_village())
        end as report_village,
        kpi_filled(hssk.full_name)::int + kpi_filled(hssk.birth_text)::int + kpi_filled(hssk.sex)::int
            + kpi_filled(hssk.personal_id)::int + kpi_filled(hssk.insurance_card)::int
            + kpi_filled(hssk.social_insurance_no)::int + kpi_filled(hssk.ethnicity_code)::int
            + kpi_filled(hssk.address)::int + kpi_filled(hssk.village)::int + kpi_filled(hssk.phone)::int
            + kpi_filled(hssk.chronic_disease)::int + kpi_filled(hssk.vaccination)::int
            + kpi_filled(hssk.medical_history)::int + kpi_filled(hssk.reproductive_health)::int
            + kpi_filled(hssk.infectious_disease)::int as completeness_score,
        -- the health fields kpi_people needs, so it never has to read the wide rows
        kpi_filled(hssk.chronic_disease) as filled_chronic_disease,
        kpi_filled(hssk.vaccination) as filled_vaccination,
        kpi_filled(hssk.medical_history) as filled_medical_history,
        kpi_filled(hssk.reproductive_health) as filled_reproductive_health,
        kpi_filled(hssk.infectious_disease) as filled_infectious_disease
    from hssk
    left join kpi_register_core as register on hssk.person_id = register.person_id
    left join kpi_deaths as deaths on hssk.person_id = deaths.person_id
),

final as (
    select
        * exclude (updated_at, record_id),
        row_number() over (
            partition by coalesce(person_id, rec_uid)
            order by completeness_score desc, updated_at desc nulls last, record_id, rec_uid
        ) as keep_rank,
        count(*) over (partition by coalesce(person_id, rec_uid)) as person_record_count
    from placed
)

select * from final;

create or replace temp view kpi_records as
select c.*, core.* exclude (rec_uid)
from kpi_records_core as core
join clean as c on c.rec_uid = core.rec_uid;

-- Each HSSK record of a register person against the register, field by field, after standardisation.
create or replace temp table kpi_record_checks as
select
    rec.rec_uid,
    rec.record_id,
    rec.person_id,
    rec.keep_rank,
    coalesce(rec.name_key = reg.name_key, false) as name_ok,
    coalesce(rec.birth_precision = 'day' and reg.birth_precision = 'day'
        and rec.birth_date = reg.birth_date, false) as birth_ok,
    coalesce(rec.sex = reg.sex, false) as sex_ok,
    coalesce(rec.personal_id = reg.personal_id, false) as personal_id_ok,
    coalesce(rec.ethnicity_code = reg.ethnicity_code, false) as ethnicity_ok,
    coalesce(rec.village = reg.village, false) as village_ok,
    name_ok and birth_ok and sex_ok and personal_id_ok and ethnicity_ok and village_ok as admin_ok
from kpi_records as rec
join kpi_register as reg on rec.person_id = reg.person_id;

-- One row per register person: resident or not, how many records, admin agreement and health completeness.
-- Computed once per reference date (hssk.kpi.run fills kpi_people_cache through kpi_people_compute); every
-- query reads it through kpi_people(as_of).
create or replace temp macro kpi_people_compute(as_of) as table
with

record_summary as (
    select
        person_id,
        count(*) as n_records,
        bool_or(filled_chronic_disease) as has_chronic_disease,
        bool_or(filled_vaccination) as has_vaccination,
        bool_or(filled_medical_history) as has_medical_history,
        bool_or(filled_reproductive_health) as has_reproductive_health,
        bool_or(filled_infectious_disease) as has_infectious_disease
    from kpi_records_core
    where person_id is not null
    group by person_id
),

check_summary as (
    select person_id, bool_and(admin_ok) as all_admin_ok
    from kpi_record_checks
    group by person_id
),

final as (
    select
        reg.person_id,
        reg.register_village as village,
        reg.is_deceased,
        reg.is_moved,
        reg.is_resident,
        coalesce(s.n_records, 0) as n_records,
        kpi_age(reg.birth_date, reg.birth_year, as_of) as age_years,
        coalesce(reg.sex = 'F' and age_years between 15 and 49, false) as needs_reproductive_health,
        coalesce(s.has_chronic_disease, false) as has_chronic_disease,
        coalesce(s.has_vaccination, false) as has_vaccination,
        coalesce(s.has_medical_history, false) as has_medical_history,
        coalesce(s.has_reproductive_health, false) as has_reproductive_health,
        coalesce(s.has_infectious_disease, false) as has_infectious_disease,
        n_records = 1 and coalesce(c.all_admin_ok, false) as is_admin_ok,
        n_records >= 1 and has_chronic_disease and has_vaccination and has_medical_history
            and has_infectious_disease and (has_reproductive_health or not needs_reproductive_health)
            as is_health_ok
    from kpi_register_core as reg
    left join record_summary as s on reg.person_id = s.person_id
    left join check_summary as c on reg.person_id = c.person_id
)

select * from final;

create or replace temp table kpi_people_cache as
select cast(null as date) as cached_as_of, * from kpi_people_compute(date '2000-01-01') limit 0;

create or replace temp table kpi_people_dates (cached_as_of date);

create or replace temp macro kpi_people(as_of) as table
select * exclude (cached_as_of) from kpi_people_cache where cached_as_of = cast(as_of as date);

-- The applicable health categories a resident with a record has filled in none of their records (the health
-- worklist and the fill suggestions both start here).
create or replace temp macro kpi_health_gaps(as_of) as table
with people as (
    select * from kpi_people(as_of) where is_resident and n_records >= 1 and not is_health_ok
)
select person_id, village, 'chronic_disease' as category from people where not has_chronic_disease
union all
select person_id, village, 'vaccination' from people where not has_vaccination
union all
select person_id, village, 'medical_history' from people where not has_medical_history
union all
select person_id, village, 'reproductive_health' from people
where needs_reproductive_health and not has_reproductive_health
union all
select person_id, village, 'infectious_disease' from people where not has_infectious_disease;
