"""Báo cáo (skeleton until `hssk.report` is available)."""

from hssk import ui

con, user = ui.page("Báo cáo", "view_report")
ui.require_data(con)
backend = ui.backend("hssk.report")
