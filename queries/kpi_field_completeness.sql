-- name:   kpi_field_completeness
-- title:  Share of HSSK records in which each administrative field of the form is filled
-- grain:  one row per (field, village of the record: the register's when linked, else its own), plus one row per
--         field for the whole commune (village = '')
-- params: $field_names VARCHAR[] -- one entry per (field, clean column) pair, from data/reference/hssk_admin_fields.csv
--         $field_columns VARCHAR[] -- the clean column of each entry (a field with several columns is filled when
--         any of them is)
-- reads:  kpi_records (queries/kpi_base.sql)
with

entries as (
    select unnest($field_names) as field, unnest($field_columns) as column_name
),

fields as (
    select distinct field from entries
),

records as (
    select rec_uid, report_village as village
    from kpi_records
),

cells as (
    unpivot (
        select rec_uid, columns(lambda c: list_contains($field_columns, c))::varchar
        from kpi_records
    )
    on columns(* exclude (rec_uid))
    into name column_name value cell
),

filled as (
    select distinct entries.field, cells.rec_uid
    from cells
    join entries on cells.column_name = entries.column_name
    where trim(cells.cell) <> ''
),

-- counted per village, then spread over the fields (no field × record grid)
villages as (
    select village, count(*) as count_records
    from records
    group by village
),

filled_counts as (
    select filled.field, records.village, count(*) as count_filled
    from filled
    join records on filled.rec_uid = records.rec_uid
    group by filled.field, records.village
),

grid as (
    select fields.field, villages.village, villages.count_records, coalesce(filled_counts.count_filled, 0) as count_filled
    from fields
    cross join villages
    left join filled_counts on fields.field = filled_counts.field and villages.village = filled_counts.village
),

final as (
    select
        field,
        case when grouping(village) = 1 then '' else village end as village,
        sum(count_records)::bigint as count_records,
        sum(count_filled)::bigint as count_filled,
        sum(count_filled) / nullif(sum(count_records), 0) as filled_ratio
    from grid
    group by grouping sets ((field, village), (field))
)

select * from final
order by field, village
