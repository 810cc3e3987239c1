-- The change history of one step: a row per changed card, in operation-row order, carrying the card's
-- non-secret state after the change (its last state when deleted), the cause (file, line, action) and actor.
insert into card_history by name
with base as (
    select coalesce(max(seq), 0) as last_seq from card_history
),

changed as (
    select * from op_after where is_changed
)

select
    base.last_seq + row_number() over (order by a.op_index, a.iccid_num, a.iccid) as seq,
    $now as changed_at,
    a.iccid,
    a.action,
    a.old_status,
    a.new_status,
    a.changes,
    a.imsi,
    a.sim_type,
    a.new_managed_by as managed_by,
    a.new_msisdn as msisdn,
    a.new_account_id as account_id,
    a.new_customer as customer,
    a.new_distributor as distributor,
    a.new_representative as representative,
    a.new_custom as custom,
    a.new_activated_at is not null as is_activated,
    a.is_deleted,
    $file as source_file,
    a.line as source_line,
    $actor as actor,
    a.reason,
from changed as a
cross join base
