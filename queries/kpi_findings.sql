-- name:   kpi_findings
-- title:  HSSK records with a data-quality finding (invalid, missing, legacy encoding …) per field and code
-- grain:  one row per (field, code, village of the record), plus one row per (field, code) for the whole commune
--         (village = '')
-- params: none
-- reads:  kpi_records (queries/kpi_base.sql), findings
with

records as (
    select rec_uid, report_village as village
    from kpi_records
),

record_counts as (
    select
        case when grouping(village) = 1 then '' else village end as village,
        count(*) as count_records
    from records
    group by grouping sets ((village), ())
),

flagged as (
    select distinct findings.field, findings.code, records.rec_uid, records.village
    from findings
    join records on findings.rec_uid = records.rec_uid
),

counted as (
    select
        field,
        code,
        case when grouping(village) = 1 then '' else village end as village,
        count(*) as count_flagged
    from flagged
    group by grouping sets ((field, code, village), (field, code))
),

final as (
    select
        counted.field,
        counted.code,
        counted.village,
        counted.count_flagged,
        record_counts.count_records,
        counted.count_flagged / nullif(record_counts.count_records, 0) as flagged_ratio
    from counted
    join record_counts on counted.village = record_counts.village
)

select * from final
order by field, code, village
