"""Thôn (skeleton until `hssk.kpi` is available)."""

from hssk import ui

con, user = ui.page("Thôn", "view_village")
ui.require_data(con)
backend = ui.backend("hssk.kpi")
