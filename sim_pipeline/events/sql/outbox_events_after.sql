-- The next events to export: outbox rows after $after_seq, in export order, at most $limit of them, each
-- with its CloudEvents 1.0 envelope built from its history row (the JSON Schema of each type is
-- schemas/events/<type with / as .>.schema.json). What each type describes, and the event ids: see
-- outbox_events_from_history.sql.
-- $first_history and $last_history bound their history rows (relay.py asks first: constants let DuckDB
-- skip the rest of the history by its min/max per row group, as history is stored in seq order).
with next_events as (
    select seq, history_seq, event_type, event_id,
    from outbox
    where seq between $after_seq + 1 and $after_seq + $limit  -- outbox seqs are contiguous
),

changes as (
    select h.*
    from card_history as h
    where h.seq between $first_history and $last_history
        and h.seq in (select history_seq from next_events)
),

-- The changes of this slice's Unassigned events (the look-up below is not free).
leaving_in_use as (
    select c.* from changes as c
    semi join next_events as n on n.history_seq = c.seq and n.event_type = 'SIMCard/Unassigned'
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

events as (
    select
        n.seq as outbox_seq,
        n.event_type,
        n.event_id,
        e.* replace (
            coalesce(b.msisdn, e.msisdn) as msisdn,
            coalesce(b.account_id, e.account_id) as account_id,
            coalesce(b.customer, e.customer) as customer
        ),
    from next_events as n
    join changes as e on e.seq = n.history_seq
    left join before_unassign as b on b.seq = n.history_seq and n.event_type = 'SIMCard/Unassigned'
)

select
    e.outbox_seq as seq,
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
from events as e
order by e.outbox_seq
