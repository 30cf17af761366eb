-- name:   import_preview_examples
-- title:  Up to three examples of each (field, code) finding of a dry-run import
-- grain:  one row per example
-- reads:  findings (of the scratch database)
select field, code, value, detail
from findings qualify row_number() over (partition by field, code order by rec_uid) <= 3
order by field, code
