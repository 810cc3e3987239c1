-- The inventory, version 1. Applied by sim_pipeline/migrations.py, which records the version in meta.
-- No PRIMARY KEY / UNIQUE constraints: at 10M cards their ART indexes cost memory and load time
-- (see the stack notes); uniqueness of ICCID and IMSI is enforced by the merge (sim_pipeline/sql/).

create table if not exists meta (
    key varchar not null,
    value varchar not null
);

-- One row per SIM card in the inventory (deleted cards leave; their history stays).
create table cards (
    iccid varchar not null,            -- as delivered minus a trailing F pad; text, never a number
    iccid_num hugeint not null,        -- the same digits as a number, for ICCID ranges (20 digits overflow BIGINT)
    imsi varchar not null,
    sim_type varchar not null,         -- SIM | eSIM
    amf varchar,
    description varchar,
    hlr varchar,
    managed_by varchar not null,       -- 'admin' or a reseller name
    status varchar not null,           -- schemas.vocabulary.STATUSES
    msisdn varchar,
    account_id varchar,
    customer varchar,
    distributor varchar,
    representative varchar,
    custom json,                       -- {"Marketplace": "Amazon", ...}
    activated_at timestamp,            -- first activation in the mobile network, if known
    disposed_at timestamp,
    created_at timestamp not null,
    updated_at timestamp not null,
    source_file varchar,
    source_line integer,
    -- Secrets (schemas.vocabulary.SECRET_COLUMNS) are sealed with AES-GCM in chunks of many cards
    -- (one cipher call per chunk, not per card); the card points at its slice of a chunk.
    secret_chunk bigint,
    secret_offset integer,
    secret_length integer
);

create table secret_chunks (
    chunk_id bigint not null,
    key_id varchar not null,           -- fingerprint of the key that sealed it (rekey, wrong-key errors)
    nonce blob not null,
    ciphertext blob not null
);

-- Every change to a card, oldest first by seq: the audit log, the source of events and of past-month reports.
-- Each row carries the card's non-secret state after the change, so "the state at instant T" is
-- the last row of each card with changed_at <= T.
create table card_history (
    seq bigint not null,
    changed_at timestamp not null,     -- (named changed_at: `at` is reserved in DuckDB 2)
    iccid varchar not null,
    action varchar not null,           -- ingest, add, remove, allocate, assign, ..., delete, reveal
    old_status varchar,                -- null when the card is created
    new_status varchar,                -- null when the card is deleted
    changes json,                      -- {"field": [before, after]}; secrets masked
    imsi varchar,
    sim_type varchar,
    managed_by varchar,
    msisdn varchar,
    account_id varchar,
    customer varchar,
    distributor varchar,
    representative varchar,
    custom json,
    is_activated boolean,
    is_deleted boolean not null,
    source_file varchar,
    source_line integer,
    actor varchar not null,            -- 'admin' or 'reseller:NAME'
    reason varchar
);

-- Transactional outbox: one row per event, written in the transaction of the change it describes.
create table outbox (
    seq bigint not null,               -- export order; files are named by seq ranges
    history_seq bigint not null,
    event_type varchar not null,
    event_id varchar not null,         -- uuid5(inventory id, history seq + type): stable across relays
    payload json not null              -- the whole CloudEvents envelope
);

-- Relay progress: rows with seq <= last_seq are exported; a pending range is being written.
create table relay_state (
    last_seq bigint not null,
    pending_first bigint,
    pending_last bigint
);
insert into relay_state values (0, null, null);

create table custom_fields (
    name varchar not null,
    created_at timestamp not null
);

-- Which customer each account belongs to (an assign row that contradicts it is an error).
create table accounts (
    account_id varchar not null,
    customer varchar not null
);

create table resellers (
    name varchar not null,
    created_at timestamp not null
);

-- Every file taken in (uploads and batches), by content hash: a file already ingested is skipped.
create table ingested_files (
    sha256 varchar not null,
    file_name varchar not null,
    kind varchar not null,             -- upload | batch
    ingested_at timestamp not null,
    actor varchar not null,
    rows bigint not null,
    added bigint not null,
    removed bigint not null,
    changed bigint not null,
    warnings bigint not null,
    header json                        -- vendor .out header (Batch, Quantity, Transport key index, ...)
);
