-- name:   kpi_dimensions
-- title:  "Đúng – đủ – sạch – sống" (QĐ 1551/QĐ-BYT) as shares of the HSSK records, in the workbench's reading
--         (domain.md §7, an inference): đúng = linked to a register person and the six admin fields agree with
--         the register; đủ = every required admin field and every applicable health category filled; sạch = no
--         invalid / inconsistent / mojibake / lost-zero / unknown-value finding, linked to the register, and the
--         person's only record; sống = the person is neither deceased nor moved away, and the record was updated
--         within $stale_days days of as_of (a record without an update date is judged on the person alone)
-- grain:  one row per village of the record (the register's when linked, else its own), plus one row for the
--         whole commune (village = '')
-- params: $as_of DATE -- reference date
--         $stale_days INTEGER -- age after which a record is no longer current; NULL = ignore update dates
--         $required_names VARCHAR[] -- required admin fields (hssk_admin_fields.csv, required = yes), one per column
--         $required_columns VARCHAR[] -- the clean column of each entry, same order
-- reads:  kpi_records, kpi_record_checks, kpi_people (queries/kpi_base.sql), findings
with

required as (
    select unnest($required_names) as field, unnest($required_columns) as column_name
),

-- which required columns each record fills, and the records grouped by that pattern (a few hundred patterns)
record_cells as (
    select rec_uid, kpi_filled(columns(lambda c: list_contains($required_columns, c)))
    from kpi_records
),

patterns as (
    select *, row_number() over () as pattern_no
    from (select distinct * exclude (rec_uid) from record_cells)
),

pattern_cells as (
    unpivot patterns
    on columns(* exclude (pattern_no))
    into name column_name value is_filled
),

pattern_required as (
    select pattern_cells.pattern_no, count(distinct required.field) as n_required_filled
    from pattern_cells
    join required on pattern_cells.column_name = required.column_name
    where pattern_cells.is_filled
    group by pattern_cells.pattern_no
),

required_filled as (
    select record_cells.rec_uid, pattern_required.n_required_filled
    from record_cells
    natural join patterns  -- on every column of the pattern
    join pattern_required on patterns.pattern_no = pattern_required.pattern_no
),

unclean as (
    select distinct rec_uid
    from findings
    where code in ('invalid', 'inconsistent', 'legacy_encoding', 'restored_zeros', 'unknown_value')
),

per_record as (
    select
        rec.report_village as village,
        coalesce(checks.admin_ok, false) as is_dung,
        coalesce(required_filled.n_required_filled, 0) = (select count(distinct field) from required)
            and kpi_filled(rec.chronic_disease) and kpi_filled(rec.vaccination)
            and kpi_filled(rec.medical_history) and kpi_filled(rec.infectious_disease)
            and (kpi_filled(rec.reproductive_health) or not coalesce(
                people.needs_reproductive_health,
                rec.sex = 'F' and kpi_age(rec.birth_date, rec.birth_year, $as_of) between 15 and 49,
                false)) as is_du,
        rec.has_register_person and rec.person_record_count = 1 and unclean.rec_uid is null as is_sach,
        not rec.person_is_deceased and not rec.person_is_moved
            and (rec.updated_at is null or $stale_days is null
                or rec.updated_at >= cast($as_of as date) - cast($stale_days as integer)) as is_song
    from kpi_records as rec
    left join kpi_record_checks as checks on rec.rec_uid = checks.rec_uid
    left join kpi_people($as_of) as people on rec.person_id = people.person_id
    left join required_filled on rec.rec_uid = required_filled.rec_uid
    left join unclean on rec.rec_uid = unclean.rec_uid
),

final as (
    select
        case when grouping(village) = 1 then '' else village end as village,
        count(*) as count_records,
        count(*) filter (where is_dung) / nullif(count_records, 0) as dim_dung,
        count(*) filter (where is_du) / nullif(count_records, 0) as dim_du,
        count(*) filter (where is_sach) / nullif(count_records, 0) as dim_sach,
        count(*) filter (where is_song) / nullif(count_records, 0) as dim_song
    from per_record
    group by grouping sets ((village), ())
)

select * from final
order by village
