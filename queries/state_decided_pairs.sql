-- name:   state_decided_pairs
-- title:  Standing accept / reject decisions (the review queue's progress)
-- grain:  one row
-- reads:  decisions_standing
select count(*) as n from decisions_standing where action in ('accept', 'reject')
