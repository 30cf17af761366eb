"""Widgets shared by the pages: the village filter, the progress section, the pair explanation and the mapping of
the village names found in the files."""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from hssk import config, data_state, kpi, labels, progress, refresh
from hssk.app import charts, nav, privacy, session
from hssk.auth import User
from hssk.errors import HsskError
from hssk.fmt import vn_date, vn_int, vn_pct
from hssk.ingest import villages

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


NEW_VILLAGE = "(thôn mới — nhập tên bên cạnh)"
MAPPING_ROWS = 30  # spellings offered for mapping at once (the most frequent first)


def village_mapping_section(con: duckdb.DuckDBPyConnection, user: User, *, key: str = "villages") -> None:
    """The village names found in the files that match no village (hssk.ingest.villages.unknown_spellings), with
    their counts, kinds of file and the suggested village. The head maps each in one click to a known village or a
    new one: the mapping applies to the data already imported, then the figures are brought up to date."""
    st.subheader("Tên thôn chưa khớp với thôn nào")
    found = villages.unknown_spellings(con)
    if found.empty:
        st.caption("Mọi tên thôn trong các tệp đã nhập đều khớp với một thôn.")
        return
    st.caption(f"{vn_int(len(found))} cách viết, {vn_int(int(found['n_records'].sum()))} hồ sơ chưa được xếp vào "
               "thôn nào. Danh sách dân cư là căn cứ: gán mỗi cách viết cho một thôn (hoặc thêm thôn mới); việc gán "
               "áp dụng ngay cho dữ liệu đã nhập, không cần nhập lại.")
    privacy.show(labels.display(found, labels.VILLAGE_SPELLING_COLUMNS, {"kinds": _kinds}))
    if not user.can("edit_settings"):
        st.caption("Chỉ trưởng trạm gán được tên thôn.")
        return
    known = villages.known(con)
    choices = known + [NEW_VILLAGE]
    for i, row in enumerate(found.head(MAPPING_ROWS).itertuples(index=False)):
        left, middle, right, button = st.columns([3, 3, 3, 1], vertical_alignment="bottom")
        left.markdown(f"**{row.spelling}** — {vn_int(row.n_records)} hồ sơ")
        index = choices.index(row.suggestion) if row.suggestion in choices else len(choices) - 1
        target = middle.selectbox(f"Gán «{row.spelling}» cho thôn", choices, index=index, key=f"{key}_to_{i}")
        typed = right.text_input("Tên thôn mới", key=f"{key}_new_{i}", disabled=target != NEW_VILLAGE)
        village = typed.strip() if target == NEW_VILLAGE else target
        if button.button("Gán", key=f"{key}_map_{i}", disabled=not village):
            _map(con, user, row.spelling, village)


def _kinds(text: str) -> str:
    return ", ".join(labels.kind_label(k) for k in str(text).split(","))


def _map(con: duckdb.DuckDBPyConnection, user: User, spelling: str, village: str) -> None:
    nav.require(con, user, "edit_settings")
    with session.writing():
        try:
            n = villages.map_spelling(con, spelling, village)
            with st.spinner("Đang cập nhật số liệu theo thôn…"):
                refresh.bring_up_to_date(con)
        except HsskError as exc:
            st.error(exc.message)
            return
    session.data_changed()
    session.flash(f"Đã gán «{spelling}» cho thôn {village}: thôn có {vn_int(n)} hồ sơ; số liệu đã được cập nhật.")
    st.rerun()
