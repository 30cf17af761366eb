-- name:   import_preview_summary
-- title:  Findings of a dry-run import, counted by field and code
-- grain:  one row per (field, code)
-- reads:  findings (of the scratch database)
select field, code, count(*) as n from findings group by all order by n desc, field, code
