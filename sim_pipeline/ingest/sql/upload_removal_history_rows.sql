-- The deletion history rows of an accepted upload's remove rows: each card's last state, then deleted,
-- numbered like every file row ($last_seq + its ordinal in the file). removed_rows: (ordinal, line, iccid).
insert into card_history by name
select
    $last_seq + s.ordinal as seq,
    $now as changed_at,
    c.iccid,
    'remove' as action,
    c.status as old_status,
    null as new_status,
    json_object('status', [c.status, null]) as changes,
    c.imsi,
    c.sim_type,
    c.managed_by,
    c.msisdn,
    c.account_id,
    c.customer,
    c.distributor,
    c.representative,
    c.custom,
    c.activated_at is not null as is_activated,
    true as is_deleted,
    $file as source_file,
    s.line as source_line,
    $actor as actor,
    null as reason
from removed_rows as s
join cards as c using (iccid)
