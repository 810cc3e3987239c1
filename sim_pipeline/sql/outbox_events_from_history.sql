-- Outbox rows for the history rows after $from_seq, one per subscribed event type that describes them.
-- Ids are derived from (inventory, history seq, type): a change always has the same event id.
insert into outbox
with changes as (
    select * from card_history where seq > $from_seq
),

typed as (
    select 'SIMCard/Created' as event_type, * from changes
    where old_status is null and new_status is not null
    union all
    select 'SIMCard/Deleted' as event_type, * from changes
    where is_deleted
    union all
    select 'SIMCard/StatusChanged' as event_type, * from changes
    where old_status is not null and new_status is not null and old_status <> new_status
    union all
    select 'SIMCard/Assigned' as event_type, * from changes
    where new_status = 'in_use' and old_status is distinct from 'in_use'
    union all
    select 'SIMCard/Unassigned' as event_type, * from changes
    where old_status = 'in_use' and new_status is distinct from 'in_use'
),

subscribed as (
    select * from typed where list_contains($subscriptions, event_type)
),

with_ids as (
    select *, md5($inventory_id || '/' || seq || '/' || event_type) as h from subscribed
),

base as (
    select coalesce(max(seq), 0) as last_seq from outbox
)

select
    base.last_seq + row_number() over (order by e.seq, e.event_type) as seq,
    e.seq as history_seq,
    e.event_type,
    substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4)
        || '-' || substr(h, 21, 12) as event_id,
    json_object(
        'specversion', '1.0',
        'id', substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4)
            || '-' || substr(h, 21, 12),
        'source', '/sim-pipeline/' || $inventory_id,
        'type', e.event_type,
        'subject', e.iccid,
        'time', strftime(e.changed_at, '%Y-%m-%dT%H:%M:%S.%fZ'),
        'datacontenttype', 'application/json',
        'data', json_object(
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
    ) as payload
from with_ids as e
cross join base
