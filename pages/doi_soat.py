"""Đối soát / trùng lặp: the review queue one pair at a time, and the people (clusters) with unmerge."""

import pandas as pd
import streamlit as st

from hssk import data_state, labels, link
from hssk.app import nav, privacy, session, widgets
from hssk.errors import HsskError
from hssk.fmt import vn_date_text, vn_decimal, vn_int, vn_pct

FIELDS = labels.REVIEW_FIELDS  # fields of hssk.link.review_pairs (`<field>_l` / `<field>_r`), in reading order
SKIPPED = "_review_skipped"
DIFFERS = "≠ khác"

con, user = nav.page("Đối soát / trùng lặp", "review_pairs")
session.require_data(con)


def side_by_side(pair: pd.Series) -> pd.DataFrame:
    """One row per field that either record fills; `Khác` marks values that differ (record ids of two
    sources always differ, so they are never marked)."""
    rows = []
    for field, label in FIELDS.items():
        a, b = (pair.get(f"{field}_{side}") for side in ("l", "r"))
        a = None if a is None or pd.isna(a) else str(a)
        b = None if b is None or pd.isna(b) else str(b)
        if a is None and b is None:
            continue
        if field == "sex":
            a, b = labels.SEX.get(a, a), labels.SEX.get(b, b)
        differs = field != "record_id" and bool(a and b and a.strip().lower() != b.strip().lower())
        rows.append({"Trường": label, "Hồ sơ A": vn_date_text(a or ""), "Hồ sơ B": vn_date_text(b or ""),
                     "Khác": DIFFERS if differs else ""})
    return pd.DataFrame(rows)


def highlight(frame: pd.DataFrame):
    return frame.style.apply(
        lambda row: ["background-color: #fde2e1" if row["Khác"] == DIFFERS else ""] * len(row), axis=1)


def decide(action: str, key_l: str, key_r: str | None, reason: str) -> None:
    nav.require(con, user, "review_pairs")
    with session.writing():
        try:
            decision_id = link.record_decision(con, action, key_l, key_r, user=user.user_name, reason=reason)
        except HsskError as exc:
            st.error(exc.message)
            return
    session.data_changed()
    session.flash(f"Đã ghi quyết định số {decision_id}: {labels.DECISIONS[action].lower()}.")
    st.rerun()


def open_person(person_id: str) -> None:
    """Put a person into the cluster view (runs before the next script run, so the text box takes it)."""
    st.session_state["person_lookup"] = person_id
    session.flash("Mở nhóm hồ sơ ở thẻ «Xem một người (nhóm hồ sơ)».")


tab_queue, tab_person, tab_decisions = st.tabs(["Hàng chờ đối soát", "Xem một người (nhóm hồ sơ)",
                                                "Quyết định đã ghi"])

with tab_queue:
    reason_filter = st.selectbox("Loại cặp", [None, *link.review.REASONS], key="review_reason",
                                 format_func=lambda r: "Tất cả" if r is None else link.review.REASONS[r].capitalize())
    pending = link.review_pairs(con, reason=reason_filter, limit=100_000)
    skipped = st.session_state.setdefault(SKIPPED, set())
    decided = data_state.decided_pairs(con)
    total = len(pending) + decided
    st.progress(decided / total if total else 1.0,
                text=f"Đã quyết định {vn_int(decided)} — còn {vn_int(len(pending))} cặp chờ đối soát")
    if pending.empty:
        st.success("Không còn cặp nào chờ đối soát.")
    else:
        waiting = pending[[(l, r) not in skipped for l, r in zip(pending["record_key_l"], pending["record_key_r"])]]
        if waiting.empty:
            st.info("Bạn đã bỏ qua mọi cặp còn lại.")
            if st.button("Xem lại các cặp đã bỏ qua", key="reset_skipped"):
                skipped.clear()
                st.rerun()
        else:
            pair = waiting.iloc[0]
            key_l, key_r = pair["record_key_l"], pair["record_key_r"]
            st.markdown(f"**Cặp {len(pending) - len(waiting) + 1} / {len(pending)}** — xác suất cùng một người "
                        f"**{vn_pct(pair['match_probability'])}** (trọng số {vn_decimal(pair['match_weight'])}) — "
                        f"{link.review.REASONS.get(pair['reason'], pair['reason'])}")
            c1, c2 = st.columns(2)
            for column, side, kind, person in ((c1, "A", pair["kind_l"], pair["person_id_l"]),
                                               (c2, "B", pair["kind_r"], pair["person_id_r"])):
                column.markdown(f"**{side} — {labels.kind_label(kind)}**")
                if isinstance(person, str):
                    column.button(f"Xem nhóm hồ sơ của người {side}", key=f"open_person_{side}",
                                  on_click=open_person, args=(person,), icon=":material/group:")
            table = privacy.for_display(con, user, side_by_side(pair), what=f"review:{key_l}|{key_r}")
            st.dataframe(highlight(table), hide_index=True, key="pair_table", height=35 * (len(table) + 1) + 3)
            widgets.waterfall_section(link, con, key_l, key_r)

            reason = st.text_input("Lý do (bắt buộc khi chấp nhận hoặc từ chối)", key=f"reason::{key_l}|{key_r}")
            b1, b2, b3 = st.columns(3)
            if b1.button("Cùng một người", type="primary", icon=":material/link:", key="accept"):
                decide("accept", key_l, key_r, reason)
            if b2.button("Khác người", icon=":material/link_off:", key="reject"):
                decide("reject", key_l, key_r, reason)
            if b3.button("Bỏ qua", icon=":material/skip_next:", key="skip"):
                skipped.add((key_l, key_r))
                st.rerun()

with tab_person:
    person_id = st.text_input("Mã người (ví dụ P001… hoặc G…)", key="person_lookup").strip()
    if person_id:
        current = link.resolve_person_id(con, person_id) or person_id
        if current != person_id:
            st.caption(f"Mã {person_id} đã được gộp vào {current}.")
        members = link.person_records(con, current)
        if members.empty:
            st.info("Không có hồ sơ nào thuộc mã người này.")
        else:
            privacy.show_table(con, user, labels.display(
                members, {k: v for k, v in labels.PERSON_RECORD_COLUMNS.items() if k != "record_key"},
                {"kind": labels.KINDS, "sex": labels.SEX}), what=f"person:{current}")
            with st.expander("Lịch sử của mã người (tạo, gộp, tách…)"):
                privacy.show_table(con, user, labels.display(
                    link.person_history(con, current), labels.PERSON_HISTORY_COLUMNS,
                    {"event": labels.PERSON_EVENTS, "record_key": labels.record_label}),
                    what=f"person_history:{current}")
            if user.can("unmerge") and len(members) > 1:
                names = {r.record_key: f"{labels.kind_label(r.kind)} · {r.record_id or ''} · {r.full_name or ''}"
                         for r in members.itertuples()}
                key = st.selectbox("Tách hồ sơ khỏi người này", members["record_key"].tolist(), key="split_key",
                                   format_func=lambda k: names.get(k, labels.record_label(k)))
                split_reason = st.text_input("Lý do tách", key="split_reason")
                if st.button("Tách hồ sơ", icon=":material/call_split:", key="split"):
                    nav.require(con, user, "unmerge")
                    decide("split", key, None, split_reason)

with tab_decisions:
    try:
        history = link.list_decisions(con)
    except HsskError as exc:
        history = pd.DataFrame()
        st.info(exc.message)
    if history.empty:
        st.caption("Chưa có quyết định nào.")
    else:
        privacy.show_table(con, user, labels.display(
            history, labels.DECISION_COLUMNS, {"action": labels.DECISIONS, "record_key_l": labels.record_label,
                                               "record_key_r": labels.record_label}), what="decisions")
        standing = history[history["standing"]]
        if user.can("unmerge") and not standing.empty:
            chosen = st.selectbox("Hủy một quyết định (ví dụ tách hai hồ sơ đã ghép nhầm)",
                                  standing["decision_id"].tolist(), key="undo_id")
            undo_reason = st.text_input("Lý do hủy", key="undo_reason")
            if st.button("Hủy quyết định", icon=":material/undo:", key="undo"):
                nav.require(con, user, "unmerge")
                with session.writing():
                    try:
                        undo_id = link.undo_decision(con, int(chosen), user=user.user_name, reason=undo_reason)
                    except HsskError as exc:
                        st.error(exc.message)
                        undo_id = None
                if undo_id is not None:
                    session.data_changed()
                    session.flash(f"Đã hủy quyết định số {chosen}.")
                    st.rerun()
