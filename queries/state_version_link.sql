-- name:   state_version_link
-- title:  The linkage part of the data-state token
-- grain:  one row
-- The linkage part of the data-state token (the link tables exist after the first linkage run): every run
-- started or finished, and every reviewer decision or undo.
select concat_ws('.',
    (select coalesce(max(run_id), 0) from link_runs),
    (select count(finished_at) from link_runs),
    (select coalesce(max(decision_id), 0) from decisions),
    (select count(*) from decisions)
) as token
