"""Record linkage (Splink 5): who is who across HSSK, the register, deaths, insurance and care.

Public doors:
- `run_linkage(con, retrain=False, progress=None)` — link the current snapshot, keep person ids;
- `export_clusters(con)` — source, record_id, person_id for every record;
- `record_decision(con, action, key_l, key_r, user=, reason=, seen=, replace=)`, `undo_decision(con, id, user=,
  reason=)`; `standing_decision(con, key_l, key_r)` — what a reviewer is shown (and passes back as `seen`);
  `resolve_record(con, text)` — the record_key of a Mã HSSK, personal ID or card number;
- `resolve_person_id(con, person_id)` — follow merges from an old person id to today's;
- `review_pairs(con)`, `explain_pair(con, key_l, key_r)`, `person_records(con, id)`,
  `person_history(con, id)` — what a reviewer sees;
- `evaluate(con, truth_dir)` — pairwise and cluster figures against a truth directory.
"""

from hssk.link.decisions import list_decisions, record_decision, resolve_record, standing_decision, undo_decision
from hssk.link.evaluate import evaluate, format_report
from hssk.link.export import export_clusters
from hssk.link.persons import resolve_person_id
from hssk.link.review import explain_pair, person_history, person_records, review_pairs
from hssk.link.run import LinkResult, linkage_config, refresh_persons, run_linkage

__all__ = [
    "LinkResult",
    "evaluate",
    "explain_pair",
    "export_clusters",
    "format_report",
    "linkage_config",
    "list_decisions",
    "person_history",
    "person_records",
    "record_decision",
    "refresh_persons",
    "resolve_person_id",
    "resolve_record",
    "review_pairs",
    "run_linkage",
    "standing_decision",
    "undo_decision",
]
