"""Personal data on screen and in files: masked for roles that must not see it, unmasked views logged, every
download built on click and written to the audit log."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd
import streamlit as st

from hssk import audit, labels
from hssk.app import session
from hssk.auth import User
from hssk.masking import mask_frame


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
    seen = st.session_state.setdefault(session.SESSION_VIEWS, set())
    if what not in seen:
        with session.writing():
            audit.record(con, user.user_name, user.role, "view_personal", target=what, detail=detail)
        seen.add(what)


def show_table(con, user: User, frame: pd.DataFrame, what: str, **kwargs) -> None:
    """st.dataframe of a frame after masking; `what` names it in the audit log."""
    show(for_display(con, user, frame, what), **kwargs)


def show(frame: pd.DataFrame, **kwargs) -> None:
    """st.dataframe of a frame without personal data, every cell as Vietnamese text (no "None", no "nan")."""
    st.dataframe(as_text(frame), hide_index=True, **kwargs)


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as a person reads it: 1.234, 95,3 %, 02/12/2026, Có/Không; empty cells blank."""
    return labels.display(frame, {}, keep=True)


def masked_for(user: User, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as this user may receive it in a file."""
    return frame if user.can("see_personal_data") else mask_frame(frame)


def download_button(user: User, label: str, build: Callable[[duckdb.DuckDBPyConnection], bytes],
                    file_name: str, what: str, *, key: str, detail: dict | None = None,
                    mime: str | None = None) -> None:
    """A download that is built (on its own cursor) and written to the audit log only when clicked.

    `build(con)` must already apply masking for the user's role (see `masked_for`).
    """
    def deferred() -> bytes:
        con = session.new_cursor()
        try:
            return audit.audited_export(con, user.user_name, user.role, what, lambda: build(con),
                                        detail={"file": file_name, **(detail or {})})
        finally:
            con.close()

    st.download_button(label, data=deferred, file_name=file_name, key=key, icon=":material/download:",
                       mime=mime or _mime(file_name), on_click="ignore")


def _mime(file_name: str) -> str:
    if file_name.endswith(".xlsx"):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if file_name.endswith(".csv"):
        return "text/csv"
    return "application/octet-stream"
