"""HSSK Workbench — `streamlit run app.py` (or `make run`).

Login (or first-run creation of the station head), then the pages this role may open. Every script run works
on a cursor of its own, closed when the run ends (hssk.app.session).
"""

from pathlib import Path

import streamlit as st

from hssk.app import login, nav, session

ICON = Path(__file__).resolve().parent / "hssk" / "app" / "assets" / "icon.png"  # served by the app itself

st.set_page_config(page_title="Bàn làm việc HSSK", page_icon=str(ICON), layout="wide")

try:
    con = session.connection()
    user = login.gate(con)  # the account box of the sidebar is drawn by the page's own gate (nav.page)
    # Pages the role may not open stay registered but hidden: a typed address of one gets the page's own refusal
    # in Vietnamese (and an audit record), not Streamlit's English "Page not found".
    allowed = nav.pages_for(user.role)
    pages = [st.Page(spec.path, title=spec.title, icon=spec.icon, default=(spec == allowed[0]),
                     visibility="visible" if spec in allowed else "hidden")
             for spec in nav.PAGES]
    st.navigation(pages).run()
finally:
    session.end_run()
