"""Đối soát / trùng lặp (skeleton until `hssk.link.review` is available)."""

from hssk import ui

con, user = ui.page("Đối soát / trùng lặp", "review_pairs")
ui.require_data(con)
backend = ui.backend("hssk.link.review")
