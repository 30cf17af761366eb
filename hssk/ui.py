"""Streamlit helpers shared by app.py and the pages — the only hssk module that imports streamlit.

A page is thin: `con, user = ui.page("Tiêu đề", "permission")`, one call into hssk, then widgets.
One DuckDB connection per process (DuckDB lets one process write a file); every browser session gets
its own cursor on it, and a download built on another thread opens a cursor of its own.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

import duckdb
import pandas as pd
import streamlit as st

from hssk import audit, auth, config, db
from hssk.auth import User
from hssk.errors import HsskError
from hssk.fmt import vn_int
from hssk.masking import mask_frame

NO_DATA = "Chưa có dữ liệu — hãy nhập dữ liệu hoặc chạy `python -m hssk demo`."
SESSION_USER = "hssk_user"
_SESSION_CURSOR = "_hssk_cursor"
_SESSION_VILLAGE = "_hssk_village"
_SESSION_VIEWS = "_hssk_logged_views"
_SESSION_FLASH = "_hssk_flash"


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    permission: str


# The navigation, in order. app.py shows a page only to roles holding its permission, and the page
# checks the permission again when it runs.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/tong_quan.py", "Tổng quan", ":material/dashboard:", "view_overview"),
    PageSpec("pages/thon.py", "Thôn", ":material/holiday_village:", "view_village"),
    PageSpec("pages/nhap_du_lieu.py", "Nhập dữ liệu", ":material/upload_file:", "import_data"),
    PageSpec("pages/chat_luong.py", "Chất lượng dữ liệu", ":material/fact_check:", "view_quality"),
    PageSpec("pages/doi_soat.py", "Đối soát / trùng lặp", ":material/compare_arrows:", "review_pairs"),
    PageSpec("pages/cong_viec.py", "Danh sách công việc", ":material/checklist:", "view_worklists"),
    PageSpec("pages/bao_cao.py", "Báo cáo", ":material/summarize:", "view_report"),
    PageSpec("pages/quan_tri.py", "Quản trị", ":material/admin_panel_settings:", "manage_users"),
)


def pages_for(role: str) -> list[PageSpec]:
    return [spec for spec in PAGES if auth.can(role, spec.permission)]


# --- database -------------------------------------------------------------------------------------

@st.cache_resource(show_spinner=False)
def _process_connection(path: str) -> duckdb.DuckDBPyConnection:
    con = db.connect(path)
    auth.ensure_schema(con)
    return con


def connection() -> duckdb.DuckDBPyConnection:
    """This session's cursor on the process-wide connection to `config.db_path()`."""
    path = str(config.db_path())
    held = st.session_state.get(_SESSION_CURSOR)
    if held is None or held[0] != path:
        try:
            held = (path, _process_connection(path).cursor())
        except duckdb.IOException:
            # Another process (usually a `python -m hssk …` command) holds the file: DuckDB allows one writer.
            st.error("Cơ sở dữ liệu đang được một chương trình khác sử dụng (ví dụ lệnh `python -m hssk …`). "
                     "Hãy đợi lệnh đó chạy xong rồi tải lại trang.")
            st.stop()
        st.session_state[_SESSION_CURSOR] = held
    return held[1]


def new_cursor() -> duckdb.DuckDBPyConnection:
    """A cursor for work on another thread (deferred downloads); close it when done."""
    return _process_connection(str(config.db_path())).cursor()


def data_changed() -> None:
    """Call after any write (import, decision, settings): cached query results are stale."""
    st.cache_data.clear()


def cached(func: Callable, *args, **kwargs):
    """`func(con, *args, **kwargs)` through Streamlit's cache; `func` must live in an hssk module."""
    return _cached_call(func.__module__, func.__qualname__, str(config.db_path()), args,
                        tuple(sorted(kwargs.items())))


def cached_or_stop(func: Callable, *args, **kwargs):
    """`cached(func, …)`, or its Vietnamese message and the end of the page when the data is not ready yet."""
    try:
        return cached(func, *args, **kwargs)
    except HsskError as exc:
        st.info(exc.message)
        st.stop()


@st.cache_data(show_spinner=False, max_entries=256, ttl="1h")  # ttl: figures dated "today" roll over
def _cached_call(module: str, qualname: str, db_file: str, args: tuple, kwargs: tuple):
    func = importlib.import_module(module)
    for part in qualname.split("."):
        func = getattr(func, part)
    con = new_cursor()
    try:
        return func(con, *args, **dict(kwargs))
    finally:
        con.close()


def has_data(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from current_clean").fetchone()[0] > 0


def count_or_zero(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """A count from a table that may not exist yet (before the first linkage run): 0 then."""
    try:
        return int(con.execute(sql).fetchone()[0])
    except duckdb.CatalogException:
        return 0


def backend(module: str):
    """Import a backend module, or tell the user this part is not ready and stop the page."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        st.info(NO_DATA)
        st.caption(f"Chức năng này chưa sẵn sàng (mô-đun `{module}`: {exc}).")
        st.stop()


def require_data(con: duckdb.DuckDBPyConnection) -> None:
    if not has_data(con):
        st.info(NO_DATA)
        st.stop()


# --- login and roles ------------------------------------------------------------------------------

def current_user(con: duckdb.DuckDBPyConnection) -> User | None:
    """The logged-in account, re-read each run so a role change or deactivation applies at once."""
    name = st.session_state.get(SESSION_USER)
    if not name:
        return None
    user = auth.get_user(con, name)
    if user is None or not user.active:
        st.session_state.pop(SESSION_USER, None)
        return None
    return user


def gate(con: duckdb.DuckDBPyConnection) -> User:
    """First run → create the station head; no session → log in. Returns only with a logged-in user.

    The forms are served through st.navigation too: once an app calls st.navigation, Streamlit never
    falls back to running files of pages/ on their own (its older multipage mode).
    """
    if not auth.has_users(con):
        _only_page(lambda: _first_run_form(con), "Thiết lập lần đầu", "thiet-lap")
    user = current_user(con)
    if user is None:
        _only_page(lambda: _login_form(con), "Đăng nhập", "dang-nhap")
    return user


def _only_page(render: Callable[[], None], title: str, url_path: str):
    st.navigation([st.Page(render, title=title, url_path=url_path, default=True)], position="hidden").run()
    st.stop()


def _first_run_form(con: duckdb.DuckDBPyConnection) -> None:
    st.title("Thiết lập lần đầu")
    st.write("Chưa có tài khoản nào. Hãy tạo tài khoản **trưởng trạm** (quản trị). "
             "Mật khẩu chỉ lưu dưới dạng băm (argon2); hãy ghi nhớ hoặc cất giữ an toàn.")
    with st.form("first_run"):
        user_name = st.text_input("Tên đăng nhập", placeholder="vd: truongtram")
        display_name = st.text_input("Họ và tên")
        password = st.text_input("Mật khẩu", type="password")
        confirm = st.text_input("Nhập lại mật khẩu", type="password")
        submitted = st.form_submit_button("Tạo tài khoản quản trị", type="primary")
    if not submitted:
        return
    if password != confirm:
        st.error("Hai lần nhập mật khẩu không khớp.")
        return
    try:
        user = auth.create_first_admin(con, user_name, password, display_name)
    except HsskError as exc:
        st.error(exc.message)
        return
    audit.record(con, user.user_name, user.role, "first_run")
    auth.authenticate(con, user.user_name, password)  # the first login, as any other (sets last_login_at)
    audit.record(con, user.user_name, user.role, "login")
    st.session_state[SESSION_USER] = user.user_name
    st.rerun()


def _login_form(con: duckdb.DuckDBPyConnection) -> None:
    st.title("Đăng nhập")
    st.caption(_station_name())
    with st.form("login"):
        user_name = st.text_input("Tên đăng nhập")
        password = st.text_input("Mật khẩu", type="password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if not submitted:
        return
    user = auth.authenticate(con, user_name, password)
    if user is None:
        audit.record(con, (user_name or "").strip().lower()[:64] or None, None, "login_failed")
        st.error("Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đã bị khóa.")
        return
    audit.record(con, user.user_name, user.role, "login")
    st.session_state[SESSION_USER] = user.user_name
    st.rerun()


def logout(con: duckdb.DuckDBPyConnection, user: User) -> None:
    audit.record(con, user.user_name, user.role, "logout")
    for key in (SESSION_USER, _SESSION_VIEWS, _SESSION_VILLAGE):
        st.session_state.pop(key, None)


def sidebar_account(con: duckdb.DuckDBPyConnection, user: User) -> None:
    with st.sidebar:
        st.caption(_station_name())
        st.markdown(f"**{user.display_name}**  \n{user.role_label}")
        # A callback runs before the next script run, so that run already shows the login form.
        st.button("Đăng xuất", icon=":material/logout:", key="logout", on_click=logout, args=(con, user))


def page(title: str, permission: str) -> tuple[duckdb.DuckDBPyConnection, User]:
    """Start a page: a logged-in user holding `permission`, else an error and stop."""
    con = connection()
    # A page reached without a session (a direct link, or after logging out) shows the login form itself.
    user = gate(con)
    if not user.can(permission):
        denied(con, user, permission)
    st.title(title)
    show_flash()
    return con, user


def flash(message: str) -> None:
    """A success message that survives the st.rerun() after an action."""
    st.session_state.setdefault(_SESSION_FLASH, []).append(message)


def show_flash() -> None:
    for message in st.session_state.pop(_SESSION_FLASH, []):
        st.success(message)


def denied(con: duckdb.DuckDBPyConnection, user: User, permission: str):
    """Refuse an action (logged), and stop the script."""
    audit.record(con, user.user_name, user.role, "denied", target=permission)
    st.error(f"Vai trò «{user.role_label}» không có quyền thực hiện chức năng này.")
    st.stop()


def require(con: duckdb.DuckDBPyConnection, user: User, permission: str) -> None:
    """Check an action inside a page (a button handler) against the role."""
    if not user.can(permission):
        denied(con, user, permission)


# --- personal data --------------------------------------------------------------------------------

def for_display(con: duckdb.DuckDBPyConnection, user: User, frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """The frame this user may see: identifiers masked unless the role needs them.

    An unmasked view of personal data is written to the audit log once per session and `what`.
    """
    if not user.can("see_personal_data"):
        return mask_frame(frame)
    if not frame.empty and not mask_frame(frame).equals(frame):
        log_personal_view(con, user, what, rows=len(frame))
    return frame


def log_personal_view(con: duckdb.DuckDBPyConnection, user: User, what: str, **detail) -> None:
    seen = st.session_state.setdefault(_SESSION_VIEWS, set())
    if what not in seen:
        audit.record(con, user.user_name, user.role, "view_personal", target=what, detail=detail)
        seen.add(what)


def show_table(con, user: User, frame: pd.DataFrame, what: str, **kwargs) -> None:
    """st.dataframe of a frame after masking; `what` names it in the audit log."""
    st.dataframe(for_display(con, user, frame, what), hide_index=True, **kwargs)


def download_button(user: User, label: str, build: Callable[[duckdb.DuckDBPyConnection], bytes],
                    file_name: str, what: str, *, key: str, detail: dict | None = None,
                    mime: str | None = None) -> None:
    """A download that is built (on its own cursor) and written to the audit log only when clicked.

    `build(con)` must already apply masking for the user's role (see `masked_for`).
    """
    def deferred() -> bytes:
        con = new_cursor()
        try:
            return audit.audited_export(con, user.user_name, user.role, what, lambda: build(con),
                                        detail={"file": file_name, **(detail or {})})
        finally:
            con.close()

    st.download_button(label, data=deferred, file_name=file_name, key=key, icon=":material/download:",
                       mime=mime or _mime(file_name), on_click="ignore")


def masked_for(user: User, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as this user may receive it in a file."""
    return frame if user.can("see_personal_data") else mask_frame(frame)


def file_slug(text: str) -> str:
    """'Giang Cao' → 'giang_cao': accent-free names for downloaded files."""
    import re
    import unicodedata

    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if unicodedata.category(ch) != "Mn").lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "tep"


def _mime(file_name: str) -> str:
    if file_name.endswith(".xlsx"):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if file_name.endswith(".csv"):
        return "text/csv"
    return "application/octet-stream"


# --- shared widgets -------------------------------------------------------------------------------

def villages(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Villages present in the current snapshot, in name order."""
    rows = con.execute("select distinct village from current_clean where village is not null order by 1").fetchall()
    return [r[0] for r in rows]


def village_filter(con: duckdb.DuckDBPyConnection, *, options: list[str] | None = None, allow_all: bool = True,
                   sidebar: bool = True, key: str = "village_filter") -> str | None:
    """Village selector shared by the pages; the choice follows the user from page to page.

    `options` defaults to the villages of the current snapshot. Returns a village name, or None for the
    whole commune.
    """
    choices = ([None] if allow_all else []) + list(villages(con) if options is None else options)
    if not choices:
        return None
    remembered = st.session_state.get(_SESSION_VILLAGE)
    index = choices.index(remembered) if remembered in choices else 0
    where = st.sidebar if sidebar else st
    # Only a choice the user made follows them to other pages (not the default of a village-only page).
    return where.selectbox("Thôn", choices, index=index, key=key,
                           format_func=lambda v: "Toàn xã" if v is None else v,
                           on_change=lambda: st.session_state.__setitem__(_SESSION_VILLAGE, st.session_state[key]))


def settings() -> dict:
    try:
        return config.load_config()
    except FileNotFoundError:
        return {}


def _station_name() -> str:
    return settings().get("station", {}).get("name", "Trạm Y tế xã")


def fmt_int(value) -> str:
    """Vietnamese thousands separator: 12345 → '12.345'."""
    return vn_int(value) if value is not None and not pd.isna(value) else "—"


def fmt_pct(value, digits: int = 1) -> str:
    """0.953 → '95,3 %' (shares are fractions)."""
    if value is None or pd.isna(value):
        return "—"
    return f"{value * 100:.{digits}f} %".replace(".", ",")


# --- KPI display --------------------------------------------------------------------------------------

GAUGE_TITLES = {"kpi_admin": "Thông tin hành chính đúng và đủ", "kpi_health": "Có thông tin sức khỏe cơ bản"}

_EXTRA_LABELS = {
    "dim_dung": "Đúng (khớp dân cư)", "dim_du": "Đủ (đủ trường)", "dim_sach": "Sạch (không lỗi, không trùng)",
    "dim_song": "Sống (còn hiệu lực, cập nhật)",
}
PLOTLY_CONFIG = {"displayModeBar": False}  # no toolbar: nothing to fetch, less to draw
TARGET_KEYS = {"kpi_admin": "target_admin", "kpi_health": "target_health"}
DEFAULT_TARGETS = {"kpi_admin": 0.95, "kpi_health": 0.90}


def kpi_labels() -> dict[str, str]:
    """KPI key → Vietnamese header (data/reference/kpi_report_columns.csv, the report's own headers)."""
    labels = dict(_EXTRA_LABELS)
    path = config.REFERENCE_DIR / "kpi_report_columns.csv"
    if path.exists():
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        labels.update(zip(frame["key"], frame["header_vi"]))
    return labels


def targets() -> dict[str, float]:
    """Targets from data/config.toml, as fractions: {'kpi_admin': 0.95, 'kpi_health': 0.9}."""
    campaign = settings().get("campaign", {})
    return {key: float(campaign.get(name, DEFAULT_TARGETS[key])) for key, name in TARGET_KEYS.items()}


def deadline():
    value = settings().get("campaign", {}).get("deadline")
    return pd.Timestamp(value).date() if value else None


def gauge(value, target: float, title: str):
    """A 0–100 % gauge with the target as a threshold line (green once reached)."""
    import plotly.graph_objects as go

    pct = None if value is None else value * 100
    reached = pct is not None and pct >= target * 100
    fig = go.Figure(go.Indicator(
        mode="gauge+number+delta", value=pct,
        number={"suffix": " %", "valueformat": ".1f"},
        delta={"reference": target * 100, "valueformat": ".1f", "suffix": " điểm"},
        title={"text": f"{title}<br><span style='font-size:0.75em'>chỉ tiêu {target * 100:.0f} %</span>",
               "font": {"size": 16}},
        gauge={"axis": {"range": [0, 100]}, "bar": {"color": "#0b6e4f" if reached else "#d9822b"},
               "threshold": {"line": {"color": "#b00020", "width": 3}, "thickness": 0.8, "value": target * 100}},
    ))
    fig.update_layout(height=260, margin={"l": 30, "r": 30, "t": 70, "b": 10}, separators=",.")
    return fig


def village_gap_bars(frame: pd.DataFrame, key: str, target: float, title: str):
    """Horizontal bars per village, the furthest from the target on top, with the target as a line."""
    import plotly.graph_objects as go

    data = frame[["village", key]].dropna().assign(gap=lambda f: target - f[key]).sort_values("gap")
    fig = go.Figure(go.Bar(
        x=data[key] * 100, y=data["village"], orientation="h",
        marker_color=["#0b6e4f" if g <= 0 else "#d9822b" for g in data["gap"]],
        text=[fmt_pct(v) for v in data[key]], textposition="auto",
        hovertemplate="%{y}: %{x:.1f} %<extra></extra>"))
    fig.add_vline(x=target * 100, line_color="#b00020", line_dash="dash",
                  annotation_text=f"chỉ tiêu {target * 100:.0f} %", annotation_position="bottom left")
    fig.update_layout(title=title, height=max(240, 34 * len(data) + 90), xaxis={"range": [0, 100], "ticksuffix": " %"},
                      margin={"l": 10, "r": 10, "t": 50, "b": 30}, separators=",.")
    return fig


def progress_chart(frame: pd.DataFrame, end=None):
    """The campaign progress of one village from `progress.chart_frame`: observed values (solid), the
    projection at the current pace (dotted), the targets (dashed) and the deadline (red line)."""
    import plotly.graph_objects as go

    labels = kpi_labels()
    colours = {"kpi_admin": "#1f5fa8", "kpi_health": "#0b6e4f"}
    styles = {"observed": {"mode": "lines+markers", "dash": "solid", "suffix": ""},
              "projected": {"mode": "lines", "dash": "dot", "suffix": " — dự báo"},
              "target": {"mode": "lines", "dash": "dash", "suffix": " — chỉ tiêu"}}
    fig = go.Figure()
    for (key, series), points in frame.groupby(["key", "series"], sort=True):
        style = styles.get(series, styles["observed"])
        fig.add_scatter(x=points["date"], y=points["value"] * 100, mode=style["mode"],
                        name=labels.get(key, key) + style["suffix"],
                        line={"color": colours.get(key), "dash": style["dash"]},
                        hovertemplate="%{x|%d/%m/%Y}: %{y:.1f} %<extra></extra>")
    if end is not None:
        fig.add_vline(x=pd.Timestamp(end).timestamp() * 1000, line_color="#b00020",
                      annotation_text=f"hạn chót {pd.Timestamp(end):%d/%m/%Y}", annotation_position="top left")
    fig.update_layout(height=380, yaxis={"range": [0, 100], "ticksuffix": " %"}, xaxis={"tickformat": "%d/%m/%Y"},
                      legend={"orientation": "h", "y": -0.25}, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      separators=",.")
    return fig


def progress_section(con: duckdb.DuckDBPyConnection, user: User, village: str | None) -> None:
    """Trend with targets and deadline, and the pace projection, for one village (None = the commune)."""
    progress = backend("hssk.progress")
    key = "" if village is None else village
    frame = cached(progress.chart_frame, key)
    projection = cached(progress.projection)
    projection = projection[projection["village"] == key]
    if frame[frame["series"] == "observed"].empty:
        st.caption("Chưa có lịch sử chỉ tiêu: mỗi lần ghi nhận số liệu sẽ thêm một điểm vào biểu đồ.")
    else:
        st.plotly_chart(progress_chart(frame, deadline()), key=f"progress_{key}", config=PLOTLY_CONFIG)
    if not projection.empty:
        labels = kpi_labels()
        table = pd.DataFrame({
            "Chỉ tiêu": projection["key"].map(lambda k: labels.get(k, k)),
            "Mục tiêu": projection["target"].map(fmt_pct),
            "Hiện tại": projection["last_value"].map(fmt_pct),
            "Dự kiến đến hạn chót": projection["projected_at_deadline"].map(fmt_pct),
            "Ngày dự kiến đạt": projection["reach_date"].map(
                lambda d: "—" if d is None or pd.isna(d) else f"{pd.Timestamp(d):%d/%m/%Y}"),
            "Đánh giá": projection["status_vi"],
        })
        st.dataframe(table, hide_index=True)
    if user.can("record_snapshot") and st.button("Ghi nhận số liệu hôm nay vào lịch sử tiến độ",
                                                 icon=":material/add_chart:", key=f"snapshot_{key}"):
        kpi = backend("hssk.kpi")
        kpi.ensure_schema(con)
        snapshot_id = progress.record_snapshot(con, kpi.compute(con))
        data_changed()
        flash(f"Đã ghi nhận lần đo số {snapshot_id}.")
        st.rerun()


def completeness_heatmap(frame: pd.DataFrame, field_labels: dict[str, str] | None = None):
    """Fields (rows) × villages (columns), share filled 0–100 %; the commune column first."""
    import plotly.graph_objects as go

    field_labels = field_labels or {}
    table = frame.assign(village=frame["village"].replace({"": "Toàn xã"}))
    table = table.pivot_table(index="field", columns="village", values="filled_ratio", aggfunc="first")
    columns = (["Toàn xã"] if "Toàn xã" in table.columns else []) + sorted(c for c in table.columns if c != "Toàn xã")
    table = table[columns].sort_values(columns[0])
    z = (table * 100).round(1)
    fig = go.Figure(go.Heatmap(
        z=z.values, x=columns, y=[field_labels.get(f, f) for f in table.index], zmin=0, zmax=100,
        colorscale="RdYlGn", text=z.values, texttemplate="%{text:.0f}", colorbar={"ticksuffix": " %"},
        hovertemplate="%{y} · %{x}: %{z:.1f} %<extra></extra>"))
    fig.update_layout(height=max(300, 24 * len(table) + 120), margin={"l": 10, "r": 10, "t": 20, "b": 10},
                      separators=",.")
    return fig


def waterfall_chart(steps: pd.DataFrame, title: str = ""):
    """Match-weight waterfall: the prior, then each comparison's weight, ending at the final match weight.

    `steps`: columns label, match_weight (one row per step, in order), optional detail (hover text).
    """
    import plotly.graph_objects as go

    detail = steps["detail"] if "detail" in steps.columns else steps["label"]
    fig = go.Figure(go.Waterfall(
        orientation="h", y=list(steps["label"]) + ["Tổng trọng số"], x=list(steps["match_weight"]) + [0],
        measure=["relative"] * len(steps) + ["total"], text=[f"{w:+.2f}" for w in steps["match_weight"]] + [""],
        hovertext=list(detail) + [""], increasing={"marker": {"color": "#0b6e4f"}},
        decreasing={"marker": {"color": "#b00020"}}, totals={"marker": {"color": "#1f5fa8"}}))
    fig.update_layout(title=title, height=max(280, 30 * len(steps) + 110), yaxis={"autorange": "reversed"},
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, xaxis={"title": "trọng số ghép nối (log2)"})
    return fig


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
            st.plotly_chart(waterfall_chart(result), key=f"waterfall::{key_l}|{key_r}", config=PLOTLY_CONFIG)
        else:
            spec = getattr(result, "chart_dict", result)
            st.vega_lite_chart(spec, key=f"waterfall::{key_l}|{key_r}")
