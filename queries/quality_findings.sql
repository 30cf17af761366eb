-- name:   quality_findings
-- title:  Findings of the current snapshot (an older batch's findings describe rows no longer in use)
-- grain:  one row per finding of a current record
-- params: $village VARCHAR -- one village, or null for the commune
-- reads:  findings, current_clean
select f.kind, f.field, f.code, f.value, f.detail, c.record_id, c.village
from findings f join current_clean c using (rec_uid)
where $village is null or c.village = $village
