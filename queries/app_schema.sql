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

-- Each row's hash signed with the audit key (kept outside the database, see hssk.keys): rewriting the chain
-- needs the key. Rows written before this column existed have none.
alter table audit_log add column if not exists row_mac varchar;

-- The anchor: length and head of the chain after the last append, signed with the audit key, rewritten in the
-- same transaction as each append. A cut tail or an emptied log no longer matches it. A copy also lives in a
-- file next to the database (hssk.audit).
create table if not exists audit_anchor (
    anchor_id integer primary key,    -- always 1
    n_events bigint not null,
    last_audit_id bigint,
    head_hash varchar not null,
    updated_at timestamp not null,
    mac varchar not null
);

-- Columns added after the first release (applied to existing databases too).
alter table users add column if not exists must_change_password boolean default false;  -- set by the head
alter table users add column if not exists password_changed_at timestamp;
-- Raised at every password change or reset: a session started under another value has ended.
alter table users add column if not exists credential_version integer default 0;

-- Server-side sessions (hssk.auth.start_session). The token is random and signed; only its hash is stored.
create table if not exists sessions (
    token_hash varchar primary key,
    user_name varchar not null,
    credential_version integer not null,
    client varchar,
    started_at timestamp not null,
    last_seen_at timestamp not null,
    ended_at timestamp,
    end_reason varchar              -- logout | idle | expired | password | inactive | head
);

-- Failed logins per account and per client (hssk.auth: growing delay, then a temporary lockout).
create table if not exists login_throttle (
    scope varchar not null,         -- account | client
    subject varchar not null,       -- the user name typed, or the client id
    failures integer not null,
    first_failure_at timestamp not null,
    last_failure_at timestamp not null,
    locked_until timestamp,
    primary key (scope, subject)
);
