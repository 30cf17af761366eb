"""Đối soát / trùng lặp: the review queue one pair at a time (what waits in it for the KPIs, what each decision
changes, one standing decision per pair), the people (clusters) with unmerge, the decisions, and a blind labelling
round that measures the linkage on the station's own data."""

import pandas as pd
import streamlit as st

from hssk import audit, config, data_state, labels, link, refresh
from hssk.app import charts, nav, privacy, session, widgets
from hssk.errors import HsskError
from hssk.fmt import vn_date_text, vn_decimal, vn_int, vn_pct
from hssk.link import labelling
from hssk.link.decisions import NOT_SHOWN
from hssk.link.run import with_thresholds

FIELDS = labels.REVIEW_FIELDS  # fields of hssk.link.review_pairs (`<field>_l` / `<field>_r`), in reading order
SKIPPED = "_review_skipped"
DIFFERS = "≠ khác"
# A click stores what was clicked on which pair (the callback's arguments are the pair on screen when the button
# was drawn); the script run that follows carries it out. A rerun that starts meanwhile cannot point the click at
# another pair, and an intent left by an interrupted run is carried out by the next one.
INTENT = "_review_intent"
CONFLICT = "_review_conflict"
LABEL_INTENT = "_label_intent"
ESTIMATE = "_label_estimate"
PRECISION_TARGET, RECALL_TARGET = 0.999, 0.995  # what the suggested thresholds aim at (issue 14's bar)

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


def _flag(value) -> bool:
    return bool(value) and not pd.isna(value)


def impact_words(pair: pd.Series) -> list[str]:
    """What a decision on this pair changes in the figures (the columns that order the queue)."""
    words = []
    if _flag(pair.get("resident_missing_record")):
        words.append("một người dân đang bị tính là **chưa có hồ sơ** sẽ được tính là đã có hồ sơ nếu là cùng "
                     "một người (độ phủ tăng)")
    if _flag(pair.get("record_off_register")):
        words.append("một hồ sơ HSSK đang bị tính là **ngoài danh sách dân cư** sẽ về đúng người dân")
    kinds = {pair.get("kind_l"), pair.get("kind_r")}
    if kinds == {"hssk"}:
        words.append("hai hồ sơ HSSK có thể là **hồ sơ trùng lặp** của một người")
    if kinds == {"population", "deaths"}:
        words.append("một người dân có thể **đã mất**: không còn được tính là người đang sống")
    return words


def stakes_text(stakes: dict) -> str:
    return (f"**{vn_int(stakes['pairs'])} cặp chờ**; {vn_int(stakes['residents_missing_record'])} người dân đang "
            f"bị tính là chưa có hồ sơ có ứng viên trong hàng chờ (≈ {vn_decimal(stakes['coverage_points'], 1)} "
            f"điểm % độ phủ); {vn_int(stakes['records_off_register'])} hồ sơ HSSK đang bị tính là ngoài danh sách "
            "dân cư có ứng viên trong hàng chờ. Các cặp làm thay đổi chỉ tiêu được xếp lên đầu.")


# --- clicks (callbacks: they only note what was clicked) ----------------------------------------------------

def choose(action: str, key_l: str, key_r: str, seen) -> None:
    reason = st.session_state.get(f"reason::{key_l}|{key_r}", "")
    st.session_state[INTENT] = {"action": action, "key_l": key_l, "key_r": key_r, "reason": reason,
                                "seen": seen, "replace": False}


def fill_reason(reason_key: str, preset: str) -> None:
    """A preset reason in one click: it fills the reason box (after what was typed there, if anything)."""
    typed = (st.session_state.get(reason_key) or "").strip()
    if preset not in typed:
        st.session_state[reason_key] = f"{typed}; {preset}" if typed else preset


def skip(key_l: str, key_r: str) -> None:
    st.session_state.setdefault(SKIPPED, set()).add((key_l, key_r))


def replace_standing() -> None:
    conflict = st.session_state.pop(CONFLICT, None)
    if conflict:
        st.session_state[INTENT] = {**conflict["intent"], "seen": conflict["standing_id"], "replace": True}


def keep_standing() -> None:
    st.session_state.pop(CONFLICT, None)


def choose_label(round_id: int, position: int, label: str) -> None:
    st.session_state[LABEL_INTENT] = {"round_id": round_id, "position": position, "label": label}


# --- writes -------------------------------------------------------------------------------------------------

def decide(action: str, key_l: str, key_r: str | None, reason: str, seen=NOT_SHOWN, replace: bool = False) -> bool:
    """Record a decision; when the pair already has a standing decision (decided meanwhile, or before), say who,
    what and when and offer to replace it explicitly. True when recorded."""
    nav.require(con, user, "review_pairs")
    with session.writing():
        try:
            decision_id = link.record_decision(con, action, key_l, key_r, user=user.user_name, reason=reason,
                                               seen=seen, replace=replace)
        except HsskError as exc:
            standing = None if not (reason or "").strip() else link.standing_decision(con, key_l, key_r)
            if standing is None or replace:
                st.error(exc.message)
                return False
            if (standing["user_name"] == user.user_name and standing["action"] == action
                    and (standing["reason"] or "") == reason.strip()):
                return True  # this very click, carried out by a run that overlapped this one
            st.session_state[CONFLICT] = {
                "intent": {"action": action, "key_l": key_l, "key_r": key_r, "reason": reason},
                "standing_id": standing["decision_id"], "message": exc.message}
            return False
    session.data_changed()
    session.flash(f"Đã ghi quyết định số {decision_id}: {labels.DECISIONS[action].lower()}.")
    return True


def carry_out_clicks() -> None:
    # Forgotten once carried out, or refused (a role changed meanwhile): a click is never carried out twice, and
    # nothing between reading it and writing it lets a newer run interrupt this one.
    intent = st.session_state.get(INTENT)
    if intent:
        try:
            decide(**intent)
        finally:
            st.session_state.pop(INTENT, None)
    label = st.session_state.get(LABEL_INTENT)
    if label:
        try:
            nav.require(con, user, "review_pairs")
            with session.writing():
                labelling.record_label(con, label["round_id"], label["position"], label["label"], user.user_name)
        finally:
            st.session_state.pop(LABEL_INTENT, None)
    session.show_flash()


def open_person(person_id: str) -> None:
    """Put a person into the cluster view (runs before the next script run, so the text box takes it)."""
    st.session_state["person_lookup"] = person_id
    session.flash("Mở nhóm hồ sơ ở thẻ «Xem một người (nhóm hồ sơ)».")


carry_out_clicks()
conflict = st.session_state.get(CONFLICT)
if conflict:
    mine = conflict["intent"]
    st.warning(f"{conflict['message']} Quyết định của bạn («{labels.DECISIONS[mine['action']].lower()}», lý do: "
               f"{mine['reason'].strip()}) chưa được ghi.", icon=":material/warning:")
    c1, c2 = st.columns(2)
    c1.button("Thay bằng quyết định của tôi", key="replace", icon=":material/swap_horiz:", on_click=replace_standing)
    c2.button("Giữ quyết định đã có", key="keep_standing", icon=":material/check:", on_click=keep_standing)

tab_queue, tab_person, tab_decisions, tab_label = st.tabs(
    ["Hàng chờ đối soát", "Xem một người (nhóm hồ sơ)", "Quyết định đã ghi", "Gắn nhãn mù (đo độ chính xác)"])

with tab_queue:
    st.info(stakes_text(link.review.queue_stakes(con)), icon=":material/target:")
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
            standing = link.standing_decision(con, key_l, key_r)  # the state the reviewer sees (normally none)
            seen = standing["decision_id"] if standing else None
            st.markdown(f"**Cặp {len(pending) - len(waiting) + 1} / {len(pending)}** — xác suất cùng một người "
                        f"**{vn_pct(pair['match_probability'])}** (trọng số {vn_decimal(pair['match_weight'])}) — "
                        f"{link.review.REASONS.get(pair['reason'], pair['reason'])}")
            changes = impact_words(pair)
            if changes:
                st.markdown("**Quyết định cặp này thay đổi:**\n" + "\n".join(f"- {w}" for w in changes))
            else:
                st.caption("Quyết định cặp này không thay đổi chỉ tiêu nào (chỉ làm gọn dữ liệu).")
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

            reason_key = f"reason::{key_l}|{key_r}"
            st.caption("Lý do thường gặp (bấm để điền vào ô lý do):")
            presets = st.columns(4)
            for i, preset in enumerate(link.review.PRESET_REASONS):
                presets[i % 4].button(preset, key=f"preset_{i}", on_click=fill_reason, args=(reason_key, preset),
                                      use_container_width=True)
            st.text_input("Lý do (bắt buộc khi chấp nhận hoặc từ chối)", key=reason_key)
            b1, b2, b3 = st.columns(3)
            b1.button("Cùng một người", type="primary", icon=":material/link:", key="accept",
                      on_click=choose, args=("accept", key_l, key_r, seen))
            b2.button("Khác người", icon=":material/link_off:", key="reject",
                      on_click=choose, args=("reject", key_l, key_r, seen))
            b3.button("Bỏ qua", icon=":material/skip_next:", key="skip", on_click=skip, args=(key_l, key_r))

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
                    standing = link.standing_decision(con, key)
                    if decide("split", key, None, split_reason, seen=standing["decision_id"] if standing else None):
                        st.rerun()
                    elif st.session_state.get(CONFLICT):
                        st.rerun()  # the warning and the choice to replace are drawn at the top of the page

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


# --- blind labelling round ------------------------------------------------------------------------------------

def show_estimate(round_id: int, labelled: int) -> None:
    """Precision and recall at the thresholds in force, the curve over thresholds, the suggested thresholds."""
    stored = st.session_state.get(ESTIMATE)
    if st.button("Ước lượng độ chính xác từ các nhãn đã gắn", key="label_estimate",
                 icon=":material/query_stats:"):
        with st.spinner("Đang ước lượng (lấy mẫu lại 1.000 lần)…"):
            try:
                stored = st.session_state[ESTIMATE] = (round_id, labelled, labelling.estimate(con, round_id))
            except HsskError as exc:
                st.info(exc.message)
                return
    if not stored or stored[0] != round_id:
        return
    est = stored[2]
    if stored[1] != labelled:
        st.caption(f"Ước lượng từ {vn_int(stored[1])} nhãn; bấm lại để tính với {vn_int(labelled)} nhãn.")
    thresholds = link.linkage_config()
    upper, lower = thresholds["upper"], thresholds["lower"]
    at_upper, at_lower = est.at(upper), est.at(lower)
    c1, c2 = st.columns(2)
    c1.metric(f"Độ chính xác của ghép tự động (ngưỡng trên {vn_pct(upper, 2)})", vn_pct(at_upper["precision"]),
              help="Trong các cặp được ghép tự động, tỷ lệ đúng là một người.")
    c1.caption(f"Khoảng tin cậy 95 %: {vn_pct(at_upper['precision_lo'])} – {vn_pct(at_upper['precision_hi'])}")
    c2.metric(f"Độ bao phủ (ngưỡng dưới {vn_pct(lower, 2)})", vn_pct(at_lower["recall"]),
              help="Trong các cặp thật sự là một người, tỷ lệ được ghép hoặc được đưa vào hàng chờ đối soát.")
    c2.caption(f"Khoảng tin cậy 95 %: {vn_pct(at_lower['recall_lo'])} – {vn_pct(at_lower['recall_hi'])}")
    st.caption(f"Từ {vn_int(est.n_labels)} nhãn (không tính «không chắc»), đại diện cho {vn_int(est.n_pairs)} cặp "
               "ứng viên. Độ bao phủ chỉ tính các cặp mô hình có so sánh.")
    st.plotly_chart(charts.accuracy_chart(est.table, upper, lower), key="accuracy_chart",
                    config=charts.PLOTLY_CONFIG)
    new_upper, new_lower = labelling.suggest_thresholds(est, precision_target=PRECISION_TARGET,
                                                         recall_target=RECALL_TARGET)
    reached = (est.at(new_upper)["precision"] >= PRECISION_TARGET, est.at(new_lower)["recall"] >= RECALL_TARGET)
    goal = f"độ chính xác ước lượng đạt {vn_pct(PRECISION_TARGET)} và độ bao phủ đạt {vn_pct(RECALL_TARGET)}"
    if not all(reached):
        missing = [what for what, ok in zip(("độ chính xác", "độ bao phủ"), reached) if not ok]
        st.warning(f"Với các nhãn hiện có, không ngưỡng nào đạt mục tiêu về {' và '.join(missing)} ({goal}): "
                   "hãy gắn nhãn thêm một đợt, hoặc nhờ người phụ trách xem lại mô hình ghép nối. Ngưỡng đang "
                   "dùng được giữ nguyên.", icon=":material/warning:")
        return
    st.markdown(f"**Ngưỡng đề xuất:** trên {vn_pct(new_upper, 2)}, dưới {vn_pct(new_lower, 2)} — để {goal} "
                f"(hiện tại: trên {vn_pct(upper, 2)}, dưới {vn_pct(lower, 2)}).")
    if (new_upper, new_lower) == (upper, lower):
        st.caption("Ngưỡng đang dùng chính là ngưỡng đề xuất.")
    elif not user.can("run_linkage"):
        st.caption("Chỉ cán bộ phân tích hoặc trưởng trạm lưu được ngưỡng mới.")
    elif st.button("Lưu ngưỡng đề xuất và cập nhật số liệu", key="label_save_thresholds", type="primary",
                   icon=":material/save:"):
        save_thresholds(new_upper, new_lower, upper, lower)


def save_thresholds(new_upper: float, new_lower: float, upper: float, lower: float) -> None:
    """Write the thresholds to [linkage] of data/config.toml (comments kept) and bring the figures up to date.

    The incremental linkage of `refresh.bring_up_to_date` is enough: persons are rebuilt with the new upper
    threshold on every run, the queue reads the new lower one from that run, and a lower threshold below the last
    run's makes the run score everything again (the stored pairs stop at the old one)."""
    nav.require(con, user, "run_linkage")
    bar = st.progress(0.0, text="Đang lưu ngưỡng")
    with session.writing():
        try:
            config.save_config({"linkage": with_thresholds(new_upper, new_lower)})
            audit.record(con, user.user_name, user.role, "settings_changed", target="config.toml",
                         detail={"upper": [upper, new_upper], "lower": [lower, new_lower]})
            done = refresh.bring_up_to_date(con, lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
        except HsskError as exc:
            st.error(exc.message)
            return
    session.data_changed()
    session.flash(f"Đã lưu ngưỡng mới (trên {vn_pct(new_upper, 2)}, dưới {vn_pct(new_lower, 2)}). {done.message}")
    st.rerun()


with tab_label:
    st.caption("Đo độ chính xác của ghép nối trên chính dữ liệu của trạm: các cặp hồ sơ được lấy ngẫu nhiên theo "
               "từng khoảng điểm và hiện ra **không kèm điểm**; bạn chỉ cần nói hai hồ sơ có phải một người không.")
    round_id = labelling.latest_round(con)
    if st.button("Bắt đầu đợt gắn nhãn mới", key="label_new_round", icon=":material/casino:",
                 help="Lấy mẫu mất vài giây."):
        with st.spinner("Đang lấy mẫu các cặp hồ sơ (mất vài giây)…"), session.writing():
            try:
                round_id = labelling.draw_sample(con, user=user.user_name)
            except HsskError as exc:
                st.error(exc.message)
        st.session_state.pop(ESTIMATE, None)
    if round_id is None:
        st.info("Chưa có đợt gắn nhãn nào. Bấm «Bắt đầu đợt gắn nhãn mới» (lấy mẫu mất vài giây).")
    else:
        labelled, in_round = labelling.progress(con, round_id)
        st.progress(labelled / in_round if in_round else 1.0,
                    text=f"Đợt {round_id}: đã gắn nhãn {labelled}/{in_round}")
        nxt = labelling.next_pair(con, round_id)
        if nxt is None:
            st.success("Đã gắn nhãn hết các cặp của đợt này.")
        else:
            l_key, r_key, position = nxt["record_key_l"], nxt["record_key_r"], nxt["position"]
            try:
                sides = link.review.pair_sides(con, l_key, r_key)
            except HsskError as exc:
                st.info(exc.message)
                sides = None
            if sides is not None:
                a, b = st.columns(2)
                a.markdown(f"**A — {labels.kind_label(sides['kind_l'])}**")
                b.markdown(f"**B — {labels.kind_label(sides['kind_r'])}**")
                shown = privacy.for_display(con, user, side_by_side(sides), what=f"label:{l_key}|{r_key}")
                st.dataframe(highlight(shown), hide_index=True, key="label_table",
                             height=35 * (len(shown) + 1) + 3)
            l1, l2, l3 = st.columns(3)
            for column, label, text, icon in ((l1, "same", "Cùng một người", ":material/link:"),
                                              (l2, "different", "Khác người", ":material/link_off:"),
                                              (l3, "unsure", "Không chắc", ":material/help:")):
                column.button(text, key=f"label_{label}", icon=icon, on_click=choose_label,
                              args=(round_id, position, label))
        show_estimate(round_id, labelled)
