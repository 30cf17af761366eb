"""Quản trị (station head): accounts and roles, campaign dates and thresholds, villages, the audit log."""

import datetime as dt

import streamlit as st

from hssk import audit, auth, config, fmt, labels, reference, refresh, safe_export
from hssk.app import nav, privacy, session, widgets
from hssk.db import transaction
from hssk.errors import HsskError
from hssk.ingest import villages

con, user = nav.page("Quản trị", "manage_users")

def save_account(target, row, role, active, password) -> dict | None:
    """Apply the changes made to one account; the changes made (None after an error, shown). A new password is a
    reset: the user must change it at the next login and their open sessions end (auth records password_reset)."""
    try:
        if password:  # checked first: a refused password changes nothing else
            auth.validate_password(password, target, display_name=row["display_name"])
        changes = {}
        if role != row["role"]:
            auth.set_role(con, target, role)
            changes["role"] = [row["role"], role]
        if active != bool(row["active"]):
            auth.set_active(con, target, active)
            changes["active"] = [bool(row["active"]), active]
        if changes:
            audit.record(con, user.user_name, user.role, "user_changed", target=target, detail=changes)
        if password:
            auth.set_password(con, target, password, must_change=True)
            changes["password"] = "reset"
    except HsskError as exc:
        st.error(exc.message)
        return None
    return changes


VILLAGE_COLUMNS = {"village": "Thôn", "aliases": "Tên khác", "old_unit": "Đơn vị cũ", "note": "Ghi chú"}
UNCONFIRMED, UNCONFIRMED_VI = "UNCONFIRMED", "CHƯA XÁC NHẬN"  # the reference files' marker, in words on screen


def audit_view(log):
    """The audit log in words: actions, roles, targets and details as the station head reads them."""
    return labels.display(log, labels.AUDIT_COLUMNS, {"action": labels.ACTIONS, "role": labels.ROLES,
                                                      "target": labels.audit_target, "detail": labels.audit_detail})


AUDIT_CHECK = "_hssk_audit_check"  # the last check of this browser session: (when, codes, AuditCheck)


def audit_check_section():
    """The audit log's self-check (`audit.verify`): intact, or every break in words; and the checkpoint code to
    write down. It walks the whole log, so it runs when asked, not on every rerun."""
    st.markdown("**Kiểm tra nhật ký**")
    st.caption("Phần mềm đọc lại toàn bộ nhật ký, tính lại chuỗi băm và chữ ký, so với mốc lưu ngoài cơ sở dữ liệu: "
               "phát hiện dòng bị sửa, bị xóa, bị cắt bớt ở cuối hay cả nhật ký bị xóa. Hãy ghi lại mã kiểm tra "
               "(ví dụ vào sổ hoặc báo cáo tháng): lần sau nhập lại mã đó để chắc rằng nhật ký vẫn còn nguyên đến "
               "sự kiện ấy.")
    codes_text = st.text_input("Mã kiểm tra đã ghi lại trước đây (không bắt buộc; nhiều mã cách nhau bằng dấu phẩy)",
                               key="audit_checkpoints")
    if st.button("Kiểm tra nhật ký", icon=":material/verified_user:", key="verify_audit"):
        nav.require(con, user, "view_audit")
        codes = tuple(c.strip() for c in codes_text.replace(";", ",").split(",") if c.strip())
        st.session_state[AUDIT_CHECK] = (dt.datetime.now(), codes, audit.verify(con, checkpoints=codes))
    held = st.session_state.get(AUDIT_CHECK)
    if held is None:
        return
    at, codes, check = held
    head, *rest = check.lines()
    where = st.success if check.ok else st.error
    verdict = "Nhật ký nguyên vẹn." if check.ok else "NHẬT KÝ ĐÃ BỊ CAN THIỆP."
    where("  \n".join([f"{verdict} Kiểm tra lúc {fmt.vn_datetime(at)}. {head}"] + rest))
    if check.checkpoint:
        st.markdown(f"Mã kiểm tra để ghi lại: **{check.checkpoint}**")


tab_users, tab_settings, tab_villages, tab_log = st.tabs(
    ["Tài khoản", "Chiến dịch và ngưỡng", "Danh sách thôn", "Nhật ký truy cập"])

# --- accounts ------------------------------------------------------------------------------------
with tab_users:
    accounts = auth.list_users(con, password_state=True)
    privacy.show(labels.display(accounts, labels.USER_COLUMNS | labels.USER_PASSWORD_COLUMNS, {"role": labels.ROLES}))

    with st.form("new_user", clear_on_submit=True):
        st.markdown("**Tạo tài khoản mới**")
        c1, c2 = st.columns(2)
        new_name = c1.text_input("Tên đăng nhập", key="new_user_name")
        new_display = c2.text_input("Họ và tên", key="new_user_display")
        new_role = c1.selectbox("Vai trò", list(auth.ROLES), format_func=labels.ROLES.get, key="new_user_role",
                            index=list(auth.ROLES).index("xem"))  # least privilege unless chosen
        new_password = c2.text_input("Mật khẩu ban đầu", type="password", key="new_user_password")
        if st.form_submit_button("Tạo tài khoản", type="primary", key="create_user"):
            nav.require(con, user, "manage_users")
            with session.writing():
                try:
                    made = auth.create_user(con, new_name, new_password, new_role, new_display,
                                            created_by=user.user_name)
                except HsskError as exc:
                    st.error(exc.message)
                    made = None
                else:
                    audit.record(con, user.user_name, user.role, "user_created", target=made.user_name,
                                 detail={"role": made.role})
            if made is not None:
                session.flash(f"Đã tạo tài khoản {made.user_name} ({made.role_label}).")
                st.rerun()

    st.markdown("**Sửa tài khoản**")
    target = st.selectbox("Tài khoản", accounts["user_name"].tolist(), key="edit_user")
    if target:
        row = accounts.set_index("user_name").loc[target]
        c1, c2, c3 = st.columns(3)
        role = c1.selectbox("Vai trò", list(auth.ROLES), index=list(auth.ROLES).index(row["role"]),
                            format_func=labels.ROLES.get, key=f"edit_role::{target}")
        active = c2.checkbox("Đang hoạt động", value=bool(row["active"]), key=f"edit_active::{target}")
        password = c3.text_input("Đặt lại mật khẩu (để trống nếu không đổi)", type="password",
                                 key=f"edit_password::{target}",
                                 help="Người dùng phải đổi mật khẩu này ở lần đăng nhập sau; các phiên đang mở của "
                                      "họ kết thúc ngay.")
        if st.button("Lưu thay đổi", key="save_user"):
            nav.require(con, user, "manage_users")
            with session.writing():
                changes = save_account(target, row, role, active, password)
            if changes is not None:
                if changes.get("password"):
                    session.flash(f"Đã đặt lại mật khẩu của {target}: người dùng phải đổi mật khẩu ở lần đăng nhập "
                                  "sau; các phiên đang mở của họ đã kết thúc.")
                elif changes:
                    session.flash(f"Đã lưu tài khoản {target}.")
                st.rerun()

    # --- lockouts ---
    st.markdown("**Đăng nhập đang bị tạm khóa**")
    lockouts = auth.list_lockouts(con)
    if lockouts.empty:
        st.caption("Không có tài khoản hay máy nào đang bị tạm khóa đăng nhập.")
    else:
        privacy.show(labels.display(lockouts, labels.LOCKOUT_COLUMNS, {"scope": auth.LOCKOUT_SCOPES}))
        choices = list(lockouts[["scope", "subject"]].itertuples(index=False, name=None))
        chosen = st.selectbox("Mở khóa cho", choices, key="lockout_choice",
                              format_func=lambda c: f"{auth.LOCKOUT_SCOPES.get(c[0], c[0])}: {c[1]}")
        if st.button("Mở khóa", icon=":material/lock_open:", key="clear_lockout"):
            nav.require(con, user, "manage_users")
            with session.writing():
                auth.clear_lockout(con, *chosen)
            session.flash(f"Đã mở khóa đăng nhập cho {auth.LOCKOUT_SCOPES.get(chosen[0], chosen[0]).lower()} "
                          f"{chosen[1]}.")
            st.rerun()


# --- campaign and thresholds ---------------------------------------------------------------------
with tab_settings:
    cfg = session.settings()
    campaign, linkage = dict(cfg.get("campaign", {})), dict(cfg.get("linkage", {}))
    current_campaign = config.campaign(cfg)
    with st.form("settings"):
        c1, c2 = st.columns(2)
        start = c1.date_input("Ngày bắt đầu chiến dịch",
                              current_campaign.start or dt.date.today().replace(month=1, day=1), format="DD/MM/YYYY")
        deadline = c2.date_input("Hạn hoàn thành", current_campaign.deadline, format="DD/MM/YYYY")
        target_admin = c1.number_input("Chỉ tiêu thông tin hành chính (%)", 0.0, 100.0,
                                       current_campaign.targets["kpi_admin"] * 100, step=1.0, key="target_admin")
        target_health = c2.number_input("Chỉ tiêu thông tin sức khỏe cơ bản (%)", 0.0, 100.0,
                                        current_campaign.targets["kpi_health"] * 100, step=1.0, key="target_health")
        st.caption("Ghép nối: cặp có xác suất ≥ ngưỡng trên được ghép tự động; giữa hai ngưỡng thì chờ đối soát; "
                   "dưới ngưỡng dưới thì bỏ qua. Thay đổi có hiệu lực ở lần ghép nối sau.")
        upper = c1.number_input("Ngưỡng trên", 0.0, 1.0, float(linkage.get("upper", 0.99)), step=0.01, format="%.3f",
                                key="upper")
        lower = c2.number_input("Ngưỡng dưới", 0.0, 1.0, float(linkage.get("lower", 0.5)), step=0.01, format="%.3f",
                                key="lower")
        if st.form_submit_button("Lưu cấu hình", type="primary", key="save_settings"):
            nav.require(con, user, "edit_settings")
            if deadline <= start:
                st.error("Hạn hoàn thành phải sau ngày bắt đầu.")
            elif lower >= upper:
                st.error("Ngưỡng dưới phải nhỏ hơn ngưỡng trên.")
            else:
                new_campaign = {**campaign, "start": start.isoformat(), "deadline": deadline.isoformat(),
                                "target_admin": round(target_admin / 100, 4),
                                "target_health": round(target_health / 100, 4)}
                new_linkage = {**linkage, "upper": upper, "lower": lower}
                changed = {k: [cfg.get(s, {}).get(k), v] for s, new in (("campaign", new_campaign),
                                                                         ("linkage", new_linkage))
                           for k, v in new.items() if cfg.get(s, {}).get(k) != v}
                with session.writing():
                    config.save_config({**cfg, "campaign": new_campaign, "linkage": new_linkage})
                    audit.record(con, user.user_name, user.role, "settings_changed", target="config.toml",
                                 detail=changed)
                session.data_changed()
                session.flash("Đã lưu cấu hình.")
                st.rerun()

# --- villages ------------------------------------------------------------------------------------
with tab_villages:
    widgets.village_mapping_section(con, user, key="admin_villages")
    st.caption("Danh sách dân cư quyết định có những thôn nào; bảng dưới đây thêm tên chuẩn, tên khác (cách nhau bằng "
               "dấu |) và xã cũ. Thay đổi áp dụng ngay cho dữ liệu đã nhập.")
    current = reference.villages().rename(columns=VILLAGE_COLUMNS)
    current["Ghi chú"] = current["Ghi chú"].str.replace(UNCONFIRMED, UNCONFIRMED_VI, regex=False)
    edited = st.container(key="editor_villages").data_editor(
        current, num_rows="dynamic", hide_index=True, key="villages_editor",
        column_config={"Thôn": st.column_config.TextColumn("Thôn", required=True)})
    if st.button("Lưu danh sách thôn", key="save_villages"):
        nav.require(con, user, "edit_settings")
        clean = edited.rename(columns={v: k for k, v in VILLAGE_COLUMNS.items()})
        clean = clean.fillna("").astype(str).apply(lambda col: col.str.strip())
        clean["note"] = clean["note"].str.replace(UNCONFIRMED_VI, UNCONFIRMED, regex=False)
        clean = clean[clean["village"] != ""]
        if clean["village"].duplicated().any():
            st.error("Có tên thôn bị trùng: " + ", ".join(sorted(set(clean["village"][clean["village"].duplicated()]))))
        else:
            with session.writing(), st.spinner("Đang áp dụng danh sách thôn cho dữ liệu đã nhập…"):
                clean.to_csv(reference.reference_dir() / "villages.csv", index=False, encoding="utf-8")
                reference.reload()
                audit.record(con, user.user_name, user.role, "settings_changed", target="villages.csv",
                             detail={"villages": len(clean)})
                with transaction(con):
                    villages.resolve(con)
                refresh.bring_up_to_date(con)
            session.data_changed()
            session.flash(f"Đã lưu {len(clean)} thôn và cập nhật số liệu.")
            st.rerun()

# --- audit log -----------------------------------------------------------------------------------
with tab_log:
    if not user.can("view_audit"):
        st.info("Chỉ trưởng trạm xem được nhật ký.")
    else:
        c1, c2 = st.columns(2)
        who = c1.selectbox("Người dùng", [None] + accounts["user_name"].tolist(),
                           format_func=lambda v: "Tất cả" if v is None else v, key="log_user")
        action = c2.selectbox("Hành động", [None] + list(audit.ACTIONS),
                              format_func=lambda v: "Tất cả" if v is None else labels.ACTIONS[v], key="log_action")
        privacy.show(audit_view(audit.read_log(con, user_name=who, action=action)))
        audit_check_section()
        privacy.download_button(user, "Tải nhật ký (.csv)",
                                lambda c: safe_export.csv_bytes(audit_view(audit.read_log(c, limit=1_000_000))),
                                "nhat_ky_truy_cap.csv", what="audit_log", key="dl_audit")
