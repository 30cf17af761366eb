-- name:   state_has_data
-- title:  Whether the current snapshot holds any record (the pages show how to get data otherwise)
-- grain:  one row
-- reads:  current_clean
select count(*) > 0 as has_data from (select 1 from current_clean limit 1)
