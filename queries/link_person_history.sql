-- name:   link_person_history
-- title:  What happened to a person id: creation, merges, splits, records moving in or out
-- grain:  one row per person event that names the person (as person_id or other_person_id)
-- params: $person_id VARCHAR -- the person id to trace
-- reads:  person_events
select event_id, "at", run_id, event, person_id, other_person_id, record_key, detail
from person_events
where person_id = $person_id or other_person_id = $person_id
order by event_id
