"""Danh sách công việc (skeleton until `hssk.worklists` is available)."""

from hssk import ui

con, user = ui.page("Danh sách công việc", "view_worklists")
ui.require_data(con)
backend = ui.backend("hssk.worklists")
