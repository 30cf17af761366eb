"""The monthly report for CDC: a formatted, print-ready Vietnamese workbook.

Its numbers are `kpi.compute(con, as_of)` — the same queries as `python -m hssk kpi --json` — with as_of = the last
day of the month (or today while the month is running). The per-village columns come from the editable
data/reference/kpi_report_columns.csv (the CDC template is UNCONFIRMED); problems and proposals come from the
editable data/report_notes.md unless given as arguments.

    >>> write_report(con, "2026-03", "bao_cao_2026_03.xlsx")
"""

from __future__ import annotations

import calendar
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from hssk import audit, kpi, labels, progress
from hssk import config as hssk_config
from hssk.errors import HsskError
from hssk.fmt import vn_date, vn_pct
from hssk.report_data import Period, ReportData
from hssk.report_layout import (  # noqa: F401  (the sheet names and keys are part of this module's interface)
    CHANGE_KEYS,
    COLUMNS_FILE,
    DEFAULT_RECIPIENT,
    DIMENSIONS,
    HEALTH_CATEGORIES,
    MAIN_ROWS,
    MAIN_SHEET,
    NO_DATA,
    OVERALL_LABEL,
    QUALITY_SHEET,
    VILLAGE_HEADER_ROW,
    VILLAGE_SHEET,
    layout,
)
from hssk.safe_export import write_private

NOTES_FILE = hssk_config.DATA_DIR / "report_notes.md"
FINDING_LABELS = labels.FINDING_CODES  # the words live in hssk.labels


def report_period(month: str, today: date | None = None) -> Period:
    today = today or date.today()
    match = re.fullmatch(r"(\d{4})-(\d{2})", month or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise HsskError(f"Tháng báo cáo '{month}' không hợp lệ: dùng dạng NNNN-TT, ví dụ 2026-03.", "bad month")
    year, mon = int(match.group(1)), int(match.group(2))
    first = date(year, mon, 1)
    last = date(year, mon, calendar.monthrange(year, mon)[1])
    if first > today:
        raise HsskError(f"Tháng {first:%m/%Y} chưa bắt đầu: chưa thể lập báo cáo.", "future month")
    return Period(month, first, last, min(last, today))


def report_columns(path: str | Path | None = None) -> pd.DataFrame:
    """key, header_vi, format (count | ratio | pp), note — from data/reference/kpi_report_columns.csv."""
    path = Path(path) if path else hssk_config.REFERENCE_DIR / COLUMNS_FILE
    try:
        frame = labels.kpi_columns(path)  # the one reader of the file (the KPI names come from it too)
    except FileNotFoundError as exc:
        raise HsskError(f"Không tìm thấy tệp cột báo cáo {path}.", str(exc)) from exc
    missing = {"key", "header_vi", "format"} - set(frame.columns)
    if missing:
        raise HsskError(f"Tệp {path.name} thiếu cột: {', '.join(sorted(missing))}.", "bad header")
    return frame


def read_notes(path: str | Path | None = None) -> dict[str, list[str]]:
    """{'problems': [...], 'proposals': [...]} from the '## Khó khăn…' and '## Đề xuất…' sections."""
    path = Path(path) if path else NOTES_FILE
    if not path.exists():
        return {"problems": [], "proposals": []}
    notes: dict[str, list[str]] = {"problems": [], "proposals": []}
    section = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip().lower()
            section = ("proposals" if ("đề xuất" in heading or "kiến nghị" in heading) else
                       "problems" if ("khó khăn" in heading or "tồn tại" in heading) else None)
            continue
        text = line.strip()
        if section and text and not text.startswith("<!--"):
            # a markdown bullet becomes "•": a leading "-" would be neutralised as a formula
            notes[section].append(re.sub(r"^[-*+]\s+", "• ", text))
    return notes


def _lines(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [s for s in (value.splitlines() if isinstance(value, str) else value) if s.strip()]


def gather(con, month: str, *, problems: str | list[str] | None = None, proposals: str | list[str] | None = None,
           notes_path: str | Path | None = None, config: dict | None = None, today: date | None = None) -> ReportData:
    """Step one: read every figure of the report of `month` ('YYYY-MM') from the database, once."""
    today = today or date.today()
    period = report_period(month, today)
    config = config if config is not None else hssk_config.load_config()
    campaign = progress.campaign_settings(config)
    previous_end = period.first - timedelta(days=1)
    notes = read_notes(notes_path)
    health = kpi.health(con, period.as_of)
    health_overall = health[health["village"] == kpi.OVERALL].iloc[0] if len(health) else None
    found = kpi.findings(con)
    columns = report_columns()
    return ReportData(
        period=period, today=today, station=config.get("station", {}),
        recipient=config.get("report", {}).get("recipient", DEFAULT_RECIPIENT),
        deadline=campaign["deadline"], targets=campaign["targets"],
        result=kpi.compute_current(con, period.as_of), previous=progress.values_before(con, previous_end),
        previous_end=previous_end, forecast=_overall_forecast(con, campaign),
        health={column: (None if health_overall is None or pd.isna(health_overall[column])
                         else round(float(health_overall[column]), kpi.RATIO_DECIMALS))
                for _, column in HEALTH_CATEGORIES},
        findings=found[found["village"] == kpi.OVERALL].sort_values("count_flagged", ascending=False),
        fields=kpi.admin_fields(), columns=columns, key_labels=_key_labels(),
        notes={"problems": _lines(problems) if problems is not None else notes["problems"],
               "proposals": _lines(proposals) if proposals is not None else notes["proposals"]},
        stale_days=kpi.default_stale_days(),
    )


def build_workbook(con, month: str, **kwargs) -> tuple[Workbook, dict]:
    """The report workbook and the `kpi.compute` result it shows (see `gather` for the options)."""
    data = gather(con, month, **kwargs)
    return layout(data), data.result


def workbook_bytes(data: ReportData) -> bytes:
    buffer = io.BytesIO()
    layout(data).save(buffer)
    return buffer.getvalue()


def report_bytes(con, month: str, **kwargs) -> bytes:
    return workbook_bytes(gather(con, month, **kwargs))


def write_report(con, month: str, out: str | Path, **kwargs) -> Path:
    """Write the report of `month` ('YYYY-MM') to `out` (.xlsx); see build_workbook for the options."""
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise HsskError("Báo cáo tháng chỉ xuất ra tệp .xlsx.", f"suffix {out.suffix!r}")
    path = write_private(out, report_bytes(con, month, **kwargs))
    audit.record_action(con, "export", target=f"report:{month}", detail={"file": str(out)})
    return path


def _overall_forecast(con, campaign: dict) -> dict[str, str]:
    """{key: Vietnamese forecast} for the commune, from the snapshots' linear trend."""
    frame = progress.projection(con, campaign["deadline"], campaign["targets"])
    out = {}
    for p in frame[frame["village"] == kpi.OVERALL].itertuples():
        text = p.status_vi
        if p.status in ("on_track", "late") and not pd.isna(p.reach_date):
            text += f"; đạt mục tiêu khoảng {vn_date(pd.Timestamp(p.reach_date))}"
        elif p.status == "not_progressing" and not pd.isna(p.projected_at_deadline):
            text += f"; đến hạn ước đạt {vn_pct(p.projected_at_deadline)}"
        out[p.key] = text
    return out


def _key_labels() -> dict[str, str]:
    names = {key: label for label, key, _, _ in MAIN_ROWS}
    names.update({ratio: f"Tỷ lệ: {label.lower()}" for label, _, ratio, _ in MAIN_ROWS if ratio})
    names.update(labels.kpi_labels())
    return names
