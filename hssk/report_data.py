"""The monthly report's data object: every figure and text of one month, gathered once by `hssk.report.gather`
and placed on sheets by `hssk.report_layout.layout` (the in-app preview lays out the same object)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd


@dataclass(frozen=True)
class Period:
    month: str
    first: date
    last: date
    as_of: date  # last day of the month, or today while the month is running

    @property
    def label(self) -> str:
        return f"{self.first:%m/%Y}"


@dataclass(frozen=True)
class ReportData:
    """Every figure and text of one month's report, gathered once (`gather`); `layout` only places them."""
    period: Period
    today: date
    station: dict
    recipient: str
    deadline: date
    targets: dict[str, float]
    result: dict  # kpi.compute(con, period.as_of)
    previous: dict  # {(village, key): value} before the month (progress.values_before)
    previous_end: date
    forecast: dict[str, str]  # KPI key → forecast text for the commune
    health: dict[str, float | None]  # HEALTH_CATEGORIES column → commune share
    findings: pd.DataFrame  # the commune's findings: field, code, count_flagged, flagged_ratio
    fields: pd.DataFrame  # kpi.admin_fields()
    columns: pd.DataFrame  # report_columns()
    key_labels: dict[str, str]
    notes: dict[str, list[str]]
    stale_days: int
