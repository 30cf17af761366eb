"""Widgets shared by the pages: the village filter, the progress section and the pair explanation."""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from hssk import config, data_state, kpi, labels, progress
from hssk.app import charts, privacy, session
from hssk.auth import User
from hssk.errors import HsskError
from hssk.fmt import vn_date, vn_pct

ALL_VILLAGES = "Toàn xã"


def village_filter(con: duckdb.DuckDBPyConnection, *, options: list[str] | None = None, allow_all: bool = True,
                   sidebar: bool = True, key: str = "village_filter") -> str | None:
    """Village selector shared by the pages; the choice follows the user from page to page.

    `options` defaults to the villages of the current snapshot. Returns a village name, or None for the
    whole commune.
    """
    choices = ([None] if allow_all else []) + list(data_state.villages(con) if options is None else options)
    if not choices:
        return None
    remembered = st.session_state.get(session.SESSION_VILLAGE)
    index = choices.index(remembered) if remembered in choices else 0
    where = st.sidebar if sidebar else st
    # Only a choice the user made follows them to other pages (not the default of a village-only page).
    return where.selectbox("Thôn", choices, index=index, key=key,
                           format_func=lambda v: ALL_VILLAGES if v is None else v,
                           on_change=lambda: st.session_state.__setitem__(session.SESSION_VILLAGE,
                                                                          st.session_state[key]))


def progress_section(con: duckdb.DuckDBPyConnection, user: User, village: str | None) -> None:
    """Trend with targets and deadline, and the pace projection, for one village (None = the commune)."""
    key = "" if village is None else village
    frame = session.cached(progress.chart_frame, key)
    projection = session.cached(progress.projection)
    projection = projection[projection["village"] == key]
    if frame[frame["series"] == "observed"].empty:
        st.caption("Chưa có lịch sử chỉ tiêu: mỗi lần ghi nhận số liệu sẽ thêm một điểm vào biểu đồ.")
    else:
        st.plotly_chart(charts.progress_chart(frame, config.campaign().deadline), key=f"progress_{key}",
                        config=charts.PLOTLY_CONFIG)
    if not projection.empty:
        names = labels.kpi_labels()
        table = pd.DataFrame({
            "Chỉ tiêu": projection["key"].map(lambda k: names.get(k, k)),
            "Mục tiêu": projection["target"].map(vn_pct),
            "Hiện tại": projection["last_value"].map(vn_pct),
            "Dự kiến đến hạn chót": projection["projected_at_deadline"].map(vn_pct),
            "Ngày dự kiến đạt": projection["reach_date"].map(vn_date),
            "Đánh giá": projection["status_vi"],
        })
        privacy.show(table)
    if user.can("record_snapshot") and st.button("Ghi nhận số liệu hôm nay vào lịch sử tiến độ",
                                                 icon=":material/add_chart:", key=f"snapshot_{key}"):
        with session.writing(), st.spinner("Đang tính và ghi nhận số liệu hôm nay…"):
            kpi.ensure_schema(con)
            snapshot_id = progress.record_snapshot(con, kpi.compute_current(con))
        session.data_changed()
        session.flash(f"Đã ghi nhận lần đo số {snapshot_id}.")
        st.rerun()


def waterfall_section(link, con: duckdb.DuckDBPyConnection, key_l: str, key_r: str) -> None:
    """Why the model scored this pair as it did (`hssk.link.explain_pair`), drawn offline with plotly.

    A frame (label, match_weight[, detail]) is drawn as a waterfall; a Splink chart / Vega-Lite spec (an object
    with `chart_dict`, or a dict) with st.vega_lite_chart — neither needs a download.
    """
    try:
        result = link.explain_pair(con, key_l, key_r)
    except HsskError as exc:
        st.caption(exc.message)
        return
    with st.expander("Vì sao mô hình cho điểm như vậy (biểu đồ thác nước)", expanded=True):
        if isinstance(result, pd.DataFrame):
            st.plotly_chart(charts.waterfall_chart(result), key=f"waterfall::{key_l}|{key_r}",
                            config=charts.PLOTLY_CONFIG)
        else:
            spec = getattr(result, "chart_dict", result)
            st.vega_lite_chart(spec, key=f"waterfall::{key_l}|{key_r}")
