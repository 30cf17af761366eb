-- A cheap token of the data state (hssk.data_state.version): it changes with every import or undo, village
-- mapping, decision on a record to enter, KPI snapshot and account change, so cached figures are keyed by it.
select concat_ws('.',
    (select coalesce(max(batch_id), 0) from import_batches),
    (select count(undone_at) from import_batches),
    (select coalesce(max(mapping_id), 0) from village_mappings),
    (select coalesce(max(decision_id), 0) from golden_decisions),
    (select count(*) from kpi_snapshots),
    (select coalesce(max(snapshot_id), 0) from kpi_snapshots)
) as token
