-- name:   link_labels_schema
-- title:  Blind labelling rounds of candidate pairs (hssk.link.labelling)
-- grain:  label_rounds one row per round; label_pairs one per sampled pair; labels one per label given
-- A round is a stratified random sample of candidate pairs; labels are append-only (the newest per pair counts).
create sequence if not exists seq_label_round start 1;
create table if not exists label_rounds (
    round_id integer primary key,
    created_at timestamp not null,
    created_by varchar,
    floor double not null,      -- pairs scored below this were not sampled
    n_pairs bigint not null     -- candidate pairs the round was drawn from
);
create table if not exists label_pairs (
    round_id integer not null,
    position integer not null,  -- the order pairs are shown in (bands mixed)
    record_key_l varchar not null,
    record_key_r varchar not null,
    match_probability double not null,  -- never shown to the labeller
    band integer not null,
    band_size bigint not null
);
create table if not exists labels (
    round_id integer not null,
    position integer not null,
    label varchar not null,     -- same | different | unsure
    user_name varchar,
    "at" timestamp not null
);
