"""HSSK Workbench — `streamlit run app.py` (or `make run`).

Login (or first-run creation of the station head), then the pages this role may open.
"""

import streamlit as st

from hssk import ui

st.set_page_config(page_title="Bàn làm việc HSSK", page_icon=":material/health_and_safety:", layout="wide")

con = ui.connection()
user = ui.gate(con)
ui.sidebar_account(con, user)

pages = [st.Page(spec.path, title=spec.title, icon=spec.icon, default=(i == 0))
         for i, spec in enumerate(ui.pages_for(user.role))]
st.navigation(pages).run()
