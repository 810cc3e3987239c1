-- The change history of an accepted upload, in file order: a creation row per added card
-- (Available) and a deletion row per removed card (its last state, then deleted).
-- Every staged row makes exactly one history row, so its seq is $last_seq + its ordinal in the file
-- (no window sort over millions of rows); a creation's `changes` is the same for every card.
insert into card_history
with added as (
    select s.ordinal, s.line, s.iccid, 'ingest' as action, null as old_status, 'available' as new_status,
        '{"status":[null,"available"]}'::json as changes,
        s.imsi, s.sim_type, s.managed_by, null as msisdn, null as account_id, null as customer,
        null as distributor, null as representative, s.custom, false as is_activated, false as is_deleted
    from staged_upload as s
    where s.action = 'add'
),

removed as (
    select s.ordinal, s.line, c.iccid, 'remove' as action, c.status as old_status, null as new_status,
        json_object('status', [c.status, null]) as changes,
        c.imsi, c.sim_type, c.managed_by, c.msisdn, c.account_id, c.customer,
        c.distributor, c.representative, c.custom, c.activated_at is not null as is_activated, true as is_deleted
    from staged_upload as s
    join cards as c using (iccid)
    where s.action = 'remove'
),

changes as (
    select * from added
    union all
    select * from removed
)

select
    $last_seq + ch.ordinal as seq,
    $now as changed_at,
    ch.iccid, ch.action, ch.old_status, ch.new_status, ch.changes,
    ch.imsi, ch.sim_type, ch.managed_by, ch.msisdn, ch.account_id, ch.customer,
    ch.distributor, ch.representative, ch.custom, ch.is_activated, ch.is_deleted,
    $file as source_file, ch.line as source_line, $actor as actor, null as reason
from changes as ch
