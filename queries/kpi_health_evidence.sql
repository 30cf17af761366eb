-- name:   kpi_health_evidence
-- title:  What the care events and claim visits linked to a person say about their health categories: the
--         evidence behind the fill suggestions (a temporary view and macro, built by hssk.kpi.run when a query
--         names them)
-- grain:  kpi_health_evidence: one row per (person, category, event; for claims per diagnosis code): name (what
--         fills the category), description (the event's own text), value (name and code, the text to enter),
--         event_key (the record_key of the visit or event);
--         kpi_health_suggestions(as_of): one row per (resident with a record, category missing in every record of
--         theirs, with evidence): the newest evidence, the value to enter
-- params: none (the macro kpi_health_suggestions takes the reference date as its argument)
-- reads:  current_clean, claim_diagnoses (queries/schema.sql), kpi_links, kpi_people (queries/kpi_base.sql),
--         icd10_categories (data/reference/icd10_categories.csv, registered by hssk.icd10.register)

create or replace temp view kpi_health_evidence as
with

claim_codes as (
    select links.person_id, d.*
    from claim_diagnoses as d
    join kpi_links as links on d.record_key = links.record_key
),

-- A code fills every category whose range holds it; the narrowest range of a category names it
-- (data/reference/README.md). 'none' fills nothing.
claim_matches as (
    select c.*, r.category, r.name_vi
    from claim_codes as c
    join icd10_categories as r
        on left(replace(c.code, '.', ''), length(r.from_key)) >= r.from_key
        and left(replace(c.code, '.', ''), length(r.to_key)) <= r.to_key
    where r.category <> 'none'
    qualify row_number() over (
        partition by c.record_key, c.code, r.category order by r.from_key desc, r.to_key
    ) = 1
),

claims as (
    select
        person_id,
        category,
        -- a blank name: the diagnosis as the claim writes it (main code), else the code alone
        coalesce(nullif(name_vi, ''), case when position = 1 then event_description end, code) as name,
        name as description,
        code,
        event_date,
        facility,
        visit_key,
        'claims' as source,
        position,
        record_key as event_key
    from claim_matches
),

care as (
    select
        links.person_id, c.event_date, c.event_kind, c.event_code, c.event_description, c.source_system,
        c.record_id, c.record_key
    from current_clean as c
    join kpi_links as links on c.record_key = links.record_key
    where c.kind = 'care'
),

-- Which care events fill which category (as worklist_health_missing always read them); ICD-10 chapter I
-- (A00–B99) = infectious diseases.
care_by_category as (
    select *, 'chronic_disease' as category from care where event_kind = 'chronic'
    union all
    select *, 'vaccination' from care where event_kind = 'vaccination'
    union all
    select *, 'medical_history' from care where event_kind = 'exam'
    union all
    select *, 'reproductive_health' from care where event_kind = 'reproductive'
    union all
    select *, 'infectious_disease' from care where regexp_matches(upper(event_code), '^[AB][0-9]{2}')
),

care_evidence as (
    select
        person_id,
        category,
        coalesce(event_description, event_code) as name,
        event_description as description,
        event_code as code,
        event_date,
        source_system as facility,
        record_id as visit_key,
        'care' as source,
        1 as position,
        record_key as event_key
    from care_by_category
)

select *, name || coalesce(' (' || code || ')', '') as value from claims
union all
select *, name || coalesce(' (' || code || ')', '') as value from care_evidence;

create or replace temp macro kpi_health_suggestions(as_of) as table
with

missing as (select * from kpi_health_gaps(as_of)),

ranked as (
    select
        missing.person_id,
        missing.village,
        missing.category,
        e.value,
        e.event_date,
        e.facility,
        e.visit_key,
        e.source,
        count(*) over (partition by missing.person_id, missing.category) as n_evidence,
        row_number() over (
            partition by missing.person_id, missing.category
            order by e.event_date desc nulls last, e.position, e.source, e.visit_key, e.value
        ) as evidence_rank
    from missing
    join kpi_health_evidence as e
        on missing.person_id = e.person_id and missing.category = e.category
)

select * exclude (evidence_rank) from ranked where evidence_rank = 1;
