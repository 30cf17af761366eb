-- name:   kpi_field_completeness
-- title:  Share of HSSK records in which each administrative field of the form is filled
-- grain:  one row per (field, village of the record: the register's when linked, else its own), plus one row per
--         field for the whole commune (village = '')
-- params: $field_names VARCHAR[] -- one entry per (field, clean column) pair, from data/reference/hssk_admin_fields.csv
--         $field_columns VARCHAR[] -- the clean column of each entry (a field with several columns is filled when
--         any of them is)
-- reads:  kpi_records, kpi_records_core (queries/kpi_base.sql)
with

entries as (
    select unnest($field_names) as field, unnest($field_columns) as column_name
),

fields as (
    select distinct field from entries
),

-- records grouped by which of the columns they fill: a few thousand (village, pattern) rows, not a million records
patterns as (
    select report_village, kpi_filled(columns(lambda c: list_contains($field_columns, c))), count(*) as n_records
    from kpi_records
    group by all
),

-- one row per pattern and clean column
cells as (
    unpivot (select *, row_number() over () as pattern_no from patterns)
    on columns(* exclude (report_village, pattern_no, n_records))
    into name column_name value is_filled
),

-- a field is filled when any of its columns is
filled as (
    select entries.field, cells.report_village as village, cells.pattern_no, any_value(cells.n_records) as n_records
    from cells
    join entries on cells.column_name = entries.column_name
    where cells.is_filled
    group by entries.field, cells.report_village, cells.pattern_no
),

-- counted per village, then spread over the fields (no field × record grid)
villages as (
    select report_village as village, count(*) as count_records
    from kpi_records_core
    group by village
),

filled_counts as (
    select field, village, sum(n_records) as count_filled
    from filled
    group by field, village
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
