-- Outbox rows for the history rows after $from_seq: one per (history row, subscribed event type
-- that describes it), in history order, written in the change's transaction. A row says which event to
-- send (type, id, history row); the relay builds its CloudEvents 1.0 envelope from the history row when
-- it exports it (outbox_events_after.sql): history rows never change, so the envelope is the same
-- whenever it is built, and the transaction writes ~60 bytes an event instead of ~600.
--
-- Which history rows each type describes:
--   SIMCard/Created        the card enters the inventory (old_status null)
--   SIMCard/Deleted        the card leaves it (is_deleted)
--   SIMCard/StatusChanged  the status moves between two of the four statuses
--   SIMCard/Assigned       the card enters In use
--   SIMCard/Unassigned     the card leaves In use (the envelope carries the MSISDN, account and customer it HAD)
--
-- Event id: a UUIDv5 (RFC 9562) in the namespace of the inventory id, of the name
-- '<history seq>/<event type>', so the same change always has the same id; in Python:
-- uuid.uuid5(uuid.UUID(inventory_id), f"{history_seq}/{event_type}").
insert into outbox
with changes as (
    select seq, old_status, new_status, is_deleted from card_history
    where seq > $from_seq
),

typed as (
    select seq, 'SIMCard/Created' as event_type from changes
    where old_status is null and new_status is not null
    union all
    select seq, 'SIMCard/Deleted' as event_type from changes
    where is_deleted
    union all
    select seq, 'SIMCard/StatusChanged' as event_type from changes
    where old_status is not null and new_status is not null and old_status <> new_status
    union all
    select seq, 'SIMCard/Assigned' as event_type from changes
    where new_status = 'in_use' and old_status is distinct from 'in_use'
    union all
    select seq, 'SIMCard/Unassigned' as event_type from changes
    where old_status = 'in_use' and new_status is distinct from 'in_use'
),

-- Sequences continue after every row ever written or exported, so a file name is never reused.
base as (
    select greatest(
        (select coalesce(max(seq), 0) from outbox),
        (select max(greatest(last_seq, coalesce(pending_last, 0))) from relay_state)
    ) as last_seq
),

-- Outbox seqs: in history order, then in the order of the types listed.
numbered as (
    select
        base.last_seq + row_number() over (
            order by t.seq, list_position(
                ['SIMCard/Created', 'SIMCard/StatusChanged', 'SIMCard/Assigned', 'SIMCard/Unassigned', 'SIMCard/Deleted'],
                t.event_type
            )
        ) as seq,
        t.seq as history_seq,
        t.event_type,
        sha1(unhex(replace($inventory_id, '-', '')) || encode(t.seq || '/' || t.event_type)) as h,
    from typed as t
    cross join base
    where list_contains($subscriptions, t.event_type)
)

select
    seq,
    history_seq,
    event_type,
    -- UUIDv5 layout: the first 16 bytes of the SHA-1, version nibble 5, variant bits 10.
    substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-5' || substr(h, 14, 3) || '-'
        || substr('89ab', (instr('0123456789abcdef', substr(h, 17, 1)) - 1) % 4 + 1, 1)
        || substr(h, 18, 3) || '-' || substr(h, 21, 12) as event_id,
from numbered
