-- Outbox rows for the history rows after $from_seq: one per (history row, subscribed event type
-- that describes it), in history order. The payload is the whole CloudEvents 1.0 envelope; the
-- JSON Schema of each type is schemas/events/<type with / as .>.schema.json.
--
-- Which history rows each type describes:
--   SIMCard/Created        the card enters the inventory (old_status null)
--   SIMCard/Deleted        the card leaves it (is_deleted)
--   SIMCard/StatusChanged  the status moves between two of the four statuses
--   SIMCard/Assigned       the card enters In use
--   SIMCard/Unassigned     the card leaves In use; carries the MSISDN, account and customer it HAD
--
-- Event id: a UUIDv5 (RFC 9562) in the namespace of the inventory id, of the name
-- '<history seq>/<event type>', so the same change always has the same id; in Python:
-- uuid.uuid5(uuid.UUID(inventory_id), f"{history_seq}/{event_type}").
insert into outbox
with changes as (
    select * from card_history
    where seq > $from_seq
),

-- Changes that leave In use, when their events are wanted (the look-up below is not free).
leaving_in_use as (
    select * from changes
    where old_status = 'in_use' and new_status is distinct from 'in_use'
        and list_contains($subscriptions, 'SIMCard/Unassigned')
),

-- The history of those cards only: the previous row of each change is looked up in it.
their_history as (
    select h.seq, h.iccid, h.msisdn, h.account_id, h.customer,
    from card_history as h
    where h.iccid in (select iccid from leaving_in_use)
),

-- The state before a change that leaves In use: the `changes` JSON {"field": [before, after]}
-- when it records the field, else the card's previous history row (its state after the last change).
before_unassign as (
    select
        l.seq,
        coalesce(json_extract_string(l.changes, '$.msisdn[0]'), prev.msisdn, l.msisdn) as msisdn,
        coalesce(json_extract_string(l.changes, '$.account_id[0]'), prev.account_id, l.account_id) as account_id,
        coalesce(json_extract_string(l.changes, '$.customer[0]'), prev.customer, l.customer) as customer,
    from leaving_in_use as l
    asof left join their_history as prev
        on l.iccid = prev.iccid and l.seq > prev.seq
),

-- Which events each change makes, as narrow keys: numbering them (a sort) before any JSON is built keeps
-- the sort small; the envelopes are built after, joined back to their history row.
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
    select seq, 'SIMCard/Unassigned' as event_type from before_unassign
),

-- Sequences continue after every row ever written or exported, so a file name is never reused.
base as (
    select greatest(
        (select coalesce(max(seq), 0) from outbox),
        (select max(greatest(last_seq, coalesce(pending_last, 0))) from relay_state)
    ) as last_seq
),

-- Outbox seqs: in history order, then in the order of the types listed (one sort, over narrow rows).
numbered as (
    select
        t.seq as history_seq,
        t.event_type,
        base.last_seq + row_number() over (
            order by t.seq, list_position(
                ['SIMCard/Created', 'SIMCard/StatusChanged', 'SIMCard/Assigned', 'SIMCard/Unassigned', 'SIMCard/Deleted'],
                t.event_type
            )
        ) as seq,
    from typed as t
    cross join base
    where list_contains($subscriptions, t.event_type)
),

events as (
    select
        n.seq as outbox_seq,
        n.event_type,
        e.* replace (
            coalesce(b.msisdn, e.msisdn) as msisdn,
            coalesce(b.account_id, e.account_id) as account_id,
            coalesce(b.customer, e.customer) as customer
        ),
        sha1(unhex(replace($inventory_id, '-', '')) || encode(e.seq || '/' || n.event_type)) as h,
    from numbered as n
    join changes as e on e.seq = n.history_seq
    left join before_unassign as b on b.seq = n.history_seq and n.event_type = 'SIMCard/Unassigned'
),

with_ids as (
    -- UUIDv5 layout: the first 16 bytes of the SHA-1, version nibble 5, variant bits 10.
    select
        *,
        substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-5' || substr(h, 14, 3) || '-'
            || substr('89ab', (instr('0123456789abcdef', substr(h, 17, 1)) - 1) % 4 + 1, 1)
            || substr(h, 18, 3) || '-' || substr(h, 21, 12) as event_id,
    from events
)

select
    e.outbox_seq as seq,
    e.seq as history_seq,
    e.event_type,
    e.event_id,
    json_object(
        'specversion', '1.0',
        'id', e.event_id,
        'source', '/sim-pipeline/' || $inventory_id,
        'type', e.event_type,
        'subject', e.iccid,
        'time', strftime(e.changed_at, '%Y-%m-%dT%H:%M:%S.%fZ'),
        'datacontenttype', 'application/json',
        'data', case
            when e.event_type in ('SIMCard/Assigned', 'SIMCard/Unassigned') then json_object(
                'iccid', e.iccid,
                'imsi', e.imsi,
                'sim_type', e.sim_type,
                'old_status', e.old_status,
                'new_status', e.new_status,
                'msisdn', e.msisdn,
                'account_id', e.account_id,
                'customer', e.customer,
                'managed_by', e.managed_by,
                'action', e.action,
                'reason', e.reason,
                'batch', json_object('file', e.source_file, 'line', e.source_line),
                'history_seq', e.seq
            )
            else json_object(
                'iccid', e.iccid,
                'imsi', e.imsi,
                'old_status', e.old_status,
                'new_status', e.new_status,
                'msisdn', e.msisdn,
                'account_id', e.account_id,
                'customer', e.customer,
                'distributor', e.distributor,
                'representative', e.representative,
                'managed_by', e.managed_by,
                'action', e.action,
                'reason', e.reason,
                'batch', json_object('file', e.source_file, 'line', e.source_line),
                'history_seq', e.seq
            )
        end
    ) as payload,
from with_ids as e
