"""Reading station exports into the raw and clean layers (see docs/architecture.md)."""

KINDS = ("hssk", "population", "deaths", "insurance", "care", "claims")
SNAPSHOT_KINDS = ("hssk", "population", "insurance")
EVENT_KINDS = ("deaths", "care", "claims")
