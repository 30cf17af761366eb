"""Plotly figures built from data (no streamlit here: each is tested on its own). Shares are fractions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from hssk import labels
from hssk.fmt import vn_date, vn_pct, vn_text

PLOTLY_CONFIG = {"displayModeBar": False}  # no toolbar: nothing to fetch, less to draw
SEPARATORS = ",."  # decimal comma, thousands dot
GREEN, ORANGE, RED, BLUE = "#0b6e4f", "#d9822b", "#b00020", "#1f5fa8"


def gauge(value, target: float, title: str) -> go.Figure:
    """A 0–100 % gauge with the target as a threshold line (green once reached)."""
    pct = None if value is None else value * 100
    reached = pct is not None and pct >= target * 100
    fig = go.Figure(go.Indicator(
        mode="gauge+number+delta", value=pct,
        number={"suffix": " %", "valueformat": ".1f"},
        delta={"reference": target * 100, "valueformat": ".1f", "suffix": " điểm"},
        title={"text": f"{title}<br><span style='font-size:0.75em'>chỉ tiêu {vn_pct(target, 0)}</span>",
               "font": {"size": 16}},
        gauge={"axis": {"range": [0, 100]}, "bar": {"color": GREEN if reached else ORANGE},
               "threshold": {"line": {"color": RED, "width": 3}, "thickness": 0.8, "value": target * 100}},
    ))
    fig.update_layout(height=260, margin={"l": 30, "r": 30, "t": 70, "b": 10}, separators=SEPARATORS)
    return fig


def village_gap_bars(frame: pd.DataFrame, key: str, target: float, title: str) -> go.Figure:
    """Horizontal bars per village, the furthest from the target on top, with the target as a line."""
    data = frame[["village", key]].dropna().assign(gap=lambda f: target - f[key]).sort_values("gap")
    fig = go.Figure(go.Bar(
        x=data[key] * 100, y=data["village"], orientation="h",
        marker_color=[GREEN if g <= 0 else ORANGE for g in data["gap"]],
        text=[vn_pct(v) for v in data[key]], textposition="auto",
        hovertemplate="%{y}: %{x:.1f} %<extra></extra>"))
    fig.add_vline(x=target * 100, line_color=RED, line_dash="dash",
                  annotation_text=f"chỉ tiêu {vn_pct(target, 0)}", annotation_position="bottom left")
    fig.update_layout(title=title, height=max(240, 34 * len(data) + 90), xaxis={"range": [0, 100], "ticksuffix": " %"},
                      margin={"l": 10, "r": 10, "t": 50, "b": 30}, separators=SEPARATORS)
    return fig


def progress_chart(frame: pd.DataFrame, end=None) -> go.Figure:
    """The campaign progress of one village from `progress.chart_frame`: observed values (solid), the
    projection at the current pace (dotted), the targets (dashed) and the deadline (red line)."""
    names = labels.kpi_labels()
    colours = {"kpi_admin": BLUE, "kpi_health": GREEN}
    styles = {"observed": {"mode": "lines+markers", "dash": "solid", "suffix": ""},
              "projected": {"mode": "lines", "dash": "dot", "suffix": " — dự báo"},
              "target": {"mode": "lines", "dash": "dash", "suffix": " — chỉ tiêu"}}
    fig = go.Figure()
    for (key, series), points in frame.groupby(["key", "series"], sort=True):
        style = styles.get(series, styles["observed"])
        fig.add_scatter(x=points["date"], y=points["value"] * 100, mode=style["mode"],
                        name=names.get(key, key) + style["suffix"],
                        line={"color": colours.get(key), "dash": style["dash"]},
                        hovertemplate="%{x|%d/%m/%Y}: %{y:.1f} %<extra></extra>")
    if end is not None:
        fig.add_vline(x=pd.Timestamp(end).timestamp() * 1000, line_color=RED,
                      annotation_text=f"hạn chót {vn_date(pd.Timestamp(end))}", annotation_position="top left")
    fig.update_layout(height=380, yaxis={"range": [0, 100], "ticksuffix": " %"}, xaxis={"tickformat": "%d/%m/%Y"},
                      legend={"orientation": "h", "y": -0.25}, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      separators=SEPARATORS)
    return fig


def completeness_heatmap(frame: pd.DataFrame, field_labels: dict[str, str] | None = None) -> go.Figure:
    """Fields (rows) × villages (columns), share filled 0–100 %; the commune column first."""
    field_labels = {**labels.FIELDS, **(field_labels or {})}
    overall = labels.OVERALL
    table = frame.assign(village=frame["village"].replace({"": overall}))
    table = table.pivot_table(index="field", columns="village", values="filled_ratio", aggfunc="first")
    columns = ([overall] if overall in table.columns else []) + sorted(c for c in table.columns if c != overall)
    table = table[columns].sort_values(columns[0])
    z = (table * 100).round(1)
    fig = go.Figure(go.Heatmap(
        z=z.values, x=columns, y=[field_labels.get(f, f) for f in table.index], zmin=0, zmax=100,
        colorscale="RdYlGn", text=z.values, texttemplate="%{text:.0f}", colorbar={"ticksuffix": " %"},
        hovertemplate="%{y} · %{x}: %{z:.1f} %<extra></extra>"))
    fig.update_layout(height=max(300, 24 * len(table) + 120), margin={"l": 10, "r": 10, "t": 20, "b": 10},
                      separators=SEPARATORS)
    return fig


def waterfall_chart(steps: pd.DataFrame, title: str = "") -> go.Figure:
    """Match-weight waterfall: the prior, then each comparison's weight, ending at the final match weight.

    `steps`: columns label, match_weight (one row per step, in order), optional detail (hover text).
    """
    detail = steps["detail"] if "detail" in steps.columns else steps["label"]
    fig = go.Figure(go.Waterfall(
        orientation="h", y=list(steps["label"]) + ["Tổng trọng số"], x=list(steps["match_weight"]) + [0],
        measure=["relative"] * len(steps) + ["total"],
        text=[f"{w:+.2f}".replace(".", ",") for w in steps["match_weight"]] + [""],
        hovertext=[vn_text(str(d)) for d in detail] + [""], increasing={"marker": {"color": GREEN}},
        decreasing={"marker": {"color": RED}}, totals={"marker": {"color": BLUE}}))
    fig.update_layout(title=title, height=max(280, 30 * len(steps) + 110), yaxis={"autorange": "reversed"},
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, xaxis={"title": "trọng số ghép nối (log2)"},
                      separators=SEPARATORS)
    return fig


THRESHOLD_TICKS = (0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999)


def threshold_axis(p) -> np.ndarray:
    """Where a threshold sits on the accuracy chart's axis: log-odds, so 99 %, 99,9 % and 99,99 % stand apart
    (the thresholds that matter crowd near 100 % on a straight axis)."""
    p = np.clip(np.asarray(p, dtype=float), 1e-5, 1 - 1e-5)
    return np.log10(p / (1 - p))


def _pct_label(p: float) -> str:
    text = f"{p * 100:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " %"


def accuracy_chart(table: pd.DataFrame, upper: float | None = None, lower: float | None = None) -> go.Figure:
    """Estimated precision and recall (with their 95 % intervals as bands) over the threshold, from
    `hssk.link.labelling.estimate(...).table`; the thresholds in force as vertical lines. The threshold axis is
    log-odds (`threshold_axis`), labelled in percent."""
    data = table.sort_values("threshold")
    x = list(threshold_axis(data["threshold"]))
    shown = [_pct_label(t) for t in data["threshold"]]
    fig = go.Figure()
    for key, name, colour, fill in (("precision", "Độ chính xác (ghép đúng)", BLUE, "rgba(31,95,168,0.15)"),
                                    ("recall", "Độ bao phủ (không bỏ sót)", GREEN, "rgba(11,110,79,0.15)")):
        fig.add_scatter(x=x + x[::-1], y=list(data[f"{key}_hi"] * 100) + list(data[f"{key}_lo"][::-1] * 100),
                        fill="toself", fillcolor=fill, line={"width": 0}, hoverinfo="skip",
                        name=f"{name} — khoảng tin cậy 95 %", showlegend=True)
        fig.add_scatter(x=x, y=list(data[key] * 100), mode="lines+markers", name=name, line={"color": colour},
                        customdata=shown, hovertemplate="ngưỡng %{customdata}: %{y:.1f} %<extra></extra>")
    for value, text, dash in ((upper, "ngưỡng trên", "dash"), (lower, "ngưỡng dưới", "dot")):
        if value is not None:
            fig.add_vline(x=float(threshold_axis(value)), line_color=RED, line_dash=dash,
                          annotation_text=f"{text} {_pct_label(value)}", annotation_position="bottom left")
    fig.update_layout(height=380, yaxis={"title": "ước lượng", "ticksuffix": " %"},
                      xaxis={"title": "ngưỡng xác suất", "tickvals": list(threshold_axis(THRESHOLD_TICKS)),
                             "ticktext": [_pct_label(t) for t in THRESHOLD_TICKS]},
                      legend={"orientation": "h", "y": -0.3}, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      separators=SEPARATORS)
    return fig
