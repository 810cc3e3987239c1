-- Version 3: card counts per state at past month ends, kept so that a report reads only the history after
-- the latest one. Applied by sim_pipeline/migrations.py.
--
-- A cache derived from card_history, written by the report (sim_pipeline/state_counts.py): counts at an
-- instant are final once the clock has passed it, since history is only appended, at the clock's time
-- (db.check_clock drops counts at instants later than a fixed clock set back). Deleting these rows loses
-- nothing: the next report counts from history again. Anything that rewrites old history rows must
-- delete them.
create table month_end_snapshots (
    instant timestamp not null,        -- a month end, naive UTC, at most the clock when taken
    fields varchar[] not null,         -- the custom fields channel_values are of, in order
    taken_at timestamp not null
);

create table month_end_state_counts (
    instant timestamp not null,
    fields varchar[] not null,
    status varchar,
    is_deleted boolean,
    managed_by varchar,
    sim_type varchar,
    distributor varchar,               -- null for none, as in the report queries
    representative varchar,
    channel_values varchar[],
    count_cards bigint not null
);
