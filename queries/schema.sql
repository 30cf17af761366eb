-- name:   schema
-- title:  Tables of the workbench database (created when missing; never dropped)
-- grain:  see docs/architecture.md

create sequence if not exists seq_batch start 1;
create sequence if not exists seq_file start 1;

create table if not exists import_batches (
    batch_id integer primary key,
    kind varchar not null,
    created_at timestamp not null,
    note varchar,
    n_files integer,
    n_rows integer,
    undone_at timestamp
);
-- who imported the batch (the app's user, or the OS user from the command line): data entry may undo its own
alter table import_batches add column if not exists created_by varchar;

create table if not exists import_files (
    file_id integer primary key,
    batch_id integer not null,
    kind varchar not null,
    file_name varchar not null,
    sha256 varchar not null,
    sheet varchar,
    header_row integer,
    n_rows integer,
    column_map json,
    unknown_columns json,
    imported_at timestamp not null,
    headers json  -- the file's header row, in column order: the keys of raw_rows.cells
);
alter table import_files add column if not exists headers json;

create table if not exists raw_rows (
    rec_uid varchar not null,
    kind varchar not null,
    batch_id integer not null,
    file_id integer not null,
    sheet varchar,
    row_number integer not null,
    -- JSON array of the row's cells as text, in the order of import_files.headers; zstd: long, rarely read text
    -- (half the size of DuckDB's default and half the time to write)
    cells json using compression zstd not null
);

create table if not exists clean (
    rec_uid varchar not null,
    kind varchar not null,
    batch_id integer not null,
    file_id integer not null,
    row_number integer not null,
    record_id varchar,
    record_key varchar,
    row_hash varchar,
    full_name_orig varchar, full_name varchar, name_key varchar, name_ascii varchar,
    family_name varchar, middle_name varchar, given_name varchar,
    family_key varchar, middle_key varchar, given_key varchar, family_ascii varchar, given_ascii varchar,
    birth_date_orig varchar, birth_date date, birth_year integer, birth_month integer, birth_day integer,
    birth_precision varchar, birth_text varchar,
    sex_orig varchar, sex varchar,
    personal_id_orig varchar, personal_id varchar, old_id_orig varchar, old_id varchar,
    insurance_no_orig varchar, insurance_card varchar, social_insurance_no varchar,
    ethnicity_orig varchar, ethnicity_code varchar, nationality varchar, religion varchar, occupation varchar,
    address_orig varchar, address varchar, village_orig varchar, village varchar, old_unit varchar,
    phone_orig varchar, phone varchar,
    household_code varchar, relation_to_head varchar, mother_name varchar, father_name varchar,
    blood_abo varchar, blood_rh varchar, height_cm double, weight_kg double,
    chronic_disease varchar, vaccination varchar, medical_history varchar, reproductive_health varchar,
    infectious_disease varchar, updated_at date,
    status varchar, death_date date,
    valid_from date, valid_to date, registered_facility varchar,
    event_date date, event_kind varchar, event_code varchar, event_description varchar, source_system varchar,
    extra json
);

-- The village a record names when villages.csv does not know it (its spelling and the key spellings share), and
-- where `village` came from when it was resolved after the import: 'register' (the register names that village)
-- or 'mapping' (the head mapped the spelling). NULL: from villages.csv at import. hssk.ingest.villages.
alter table clean add column if not exists village_spelled varchar;
alter table clean add column if not exists village_key varchar;
alter table clean add column if not exists village_from varchar;

-- The head's mappings of village spellings to villages (append-only: the newest row of a key wins).
create sequence if not exists seq_village_mapping start 1;
create table if not exists village_mappings (
    mapping_id integer primary key default nextval('seq_village_mapping'),
    village_key varchar not null,
    spelling varchar not null,
    village varchar not null,
    mapped_by varchar,
    mapped_at timestamp not null
);

-- Claim XML (kind 'claims', hssk.ingest.claims): the visit's residence commune (MAXA_CU_TRU) and its ICD-10 codes,
-- main first, ';'-joined
alter table clean add column if not exists commune_code varchar;
alter table clean add column if not exists diagnosis_codes varchar;

create table if not exists findings (
    rec_uid varchar not null,
    kind varchar not null,
    batch_id integer not null,
    field varchar not null,
    code varchar not null,
    value varchar,
    detail varchar
);

-- (replaced whenever this file changes: hssk.db.ensure_schema)
create or replace view current_clean as
with latest as (
    select kind, max(batch_id) as batch_id
    from import_batches
    where undone_at is null and kind in ('hssk', 'population', 'insurance')
    group by kind
),
snapshots as (
    select clean.* from clean join latest using (kind, batch_id)
),
events as (
    select * from clean
    where kind in ('deaths', 'care')
    -- kind is part of every event key, and naming it lets a query's filter on kind skip this window
    qualify row_number() over (partition by kind, record_key order by batch_id, row_number) = 1
),
-- a claim visit (MA_LK at its facility) sent again in a later batch is a correction: the newest one counts
claims as (
    select * from clean
    where kind = 'claims'
    qualify row_number() over (partition by kind, record_key order by batch_id desc, row_number desc) = 1
)
select * from snapshots
union all by name
select * from events
union all by name
select * from claims;

-- The ICD-10 codes of every current claim visit, one row per (visit, code); position 1 = MA_BENH_CHINH.
create or replace view claim_diagnoses as
with coded as (
    select rec_uid, record_key, record_id, source_system, event_date, event_description,
           string_split(diagnosis_codes, ';') as codes
    from current_clean
    where kind = 'claims' and diagnosis_codes is not null
)
select
    rec_uid, record_key, record_id as visit_key, source_system as facility, event_date,
    unnest(codes) as code, generate_subscripts(codes, 1) as position, event_description
from coded;

-- The other tables of every current claim visit (XML2 drugs, XML3 services, XML4 lab results, …): one row per
-- record of a table, as read (a JSON object of its elements), keyed by the visit.
create or replace view claim_items as
with tables as (
    select rec_uid, record_key, record_id, source_system, extra, unnest(json_keys(extra)) as table_name
    from current_clean
    where kind = 'claims' and extra is not null
),
lists as (
    select *, cast(json(extra ->> table_name) as json[]) as items
    from tables
    where regexp_matches(table_name, '^XML[0-9]+$')
)
select
    rec_uid, record_key, record_id as visit_key, source_system as facility, table_name,
    generate_subscripts(items, 1) as item_no, unnest(items) as item
from lists;

-- The record to enter (hssk.golden): a value the head decided by hand for a person's field. Append-only: the
-- newest decision of a (person, field) counts; a blank value means "leave the field empty".
create sequence if not exists seq_golden_decision start 1;
create table if not exists golden_decisions (
    decision_id integer not null default nextval('seq_golden_decision'),
    person_id varchar not null,
    field varchar not null,
    value varchar,
    decided_at timestamp not null,
    actor varchar,
    note varchar
);
