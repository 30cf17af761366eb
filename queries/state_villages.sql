-- name:   state_villages
-- title:  Villages present in the current snapshot, in name order
-- grain:  one row per village
-- reads:  current_clean
select distinct village from current_clean where village is not null order by 1
