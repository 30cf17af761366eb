-- name:   state_version
-- title:  A cheap token of the data state (hssk.data_state.version)
-- grain:  one row
-- A cheap token of the data state (hssk.data_state.version). `data` changes with every import or undo, village
-- mapping and decision on a record to enter; `history` with every KPI snapshot (the trend and the report's
-- change since last month), so recording a snapshot does not make the KPIs themselves be computed again.
select
    concat_ws('.',
        (select coalesce(max(batch_id), 0) from import_batches),
        (select count(undone_at) from import_batches),
        (select coalesce(max(mapping_id), 0) from village_mappings),
        (select coalesce(max(decision_id), 0) from golden_decisions)
    ) as data,
    concat_ws('.',
        (select count(*) from kpi_snapshots),
        (select coalesce(max(snapshot_id), 0) from kpi_snapshots)
    ) as history
