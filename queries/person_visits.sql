-- name:   person_visits
-- title:  A person's claim visits (BHYT claim XML) with their ICD-10 diagnoses, newest first (the Thôn person view)
-- grain:  one row per visit and diagnosis (position 1 = the main diagnosis)
-- params: $person_id VARCHAR -- the person (hssk.link: persons / person_records)
-- reads:  person_records (queries/link_schema.sql), claim_diagnoses (queries/schema.sql)
select d.event_date, d.facility, d.visit_key, d.position, d.code, d.event_description
from person_records as p
join claim_diagnoses as d on d.record_key = p.record_key
where p.person_id = $person_id
order by d.event_date desc nulls last, d.visit_key, d.position
