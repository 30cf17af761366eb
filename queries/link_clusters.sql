-- name:   link_clusters
-- title:  Which person each record of the current snapshot belongs to (export clusters)
-- grain:  one row per row of current_clean (every kind); person_id NULL if not linked yet
-- reads:  current_clean, person_records
select
    c.kind as source,
    c.record_id,
    p.person_id
from current_clean as c
left join person_records as p on p.record_key = c.record_key
order by c.kind, c.file_id, c.row_number
