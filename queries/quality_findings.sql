-- name:   quality_findings
-- title:  Findings of the current snapshot (an older batch's findings describe rows no longer in use)
-- grain:  one row per finding of a current record (current_value: the cleaned name or address)
-- params: $village VARCHAR -- one village, or null for the commune
-- reads:  findings, current_clean
select f.kind, f.field, f.code, f.value, f.detail, c.record_id, c.village,
       case f.field when 'full_name' then c.full_name when 'address' then c.address end as current_value
from findings f join current_clean c using (rec_uid)
where $village is null or c.village = $village
