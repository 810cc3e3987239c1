-- The creation history rows (Available) of one slice of an accepted upload (uploaded_slice: its added rows).
-- Every file row makes exactly one history row, so its seq is $last_seq + its ordinal in the file (no
-- window sort over millions of rows); a creation's `changes` is the same for every card.
insert into card_history by name
select
    $last_seq + b.ordinal as seq,
    $now as changed_at,
    b.iccid,
    'ingest' as action,
    null as old_status,
    'available' as new_status,
    '{"status":[null,"available"]}'::json as changes,
    b.imsi,
    b.sim_type,
    b.managed_by,
    null as msisdn,
    null as account_id,
    null as customer,
    null as distributor,
    null as representative,
    b.custom,
    false as is_activated,
    false as is_deleted,
    $file as source_file,
    b.line as source_line,
    $actor as actor,
    null as reason
from uploaded_slice as b
