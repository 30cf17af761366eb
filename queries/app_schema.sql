-- name:   app_schema
-- title:  Workbench accounts and the append-only audit log (created when missing; never dropped)
-- grain:  users: one row per account; audit_log: one row per audited event
-- reads:  (none)

create sequence if not exists seq_audit start 1;

create table if not exists users (
    user_name varchar primary key,
    display_name varchar not null,
    role varchar not null,
    password_hash varchar not null,   -- argon2id, salted; never a plain password
    active boolean not null,
    created_at timestamp not null,
    created_by varchar,
    last_login_at timestamp
);

-- Append-only: the code only inserts. Each row carries the hash of the previous row, so an edited
-- or deleted row breaks the chain (hssk.audit.verify_chain).
create table if not exists audit_log (
    audit_id bigint not null,
    logged_at timestamp not null,
    user_name varchar,
    role varchar,
    action varchar not null,
    target varchar,
    detail json,
    prev_hash varchar,
    row_hash varchar not null
);
