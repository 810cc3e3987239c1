-- The cards of one step that changed and stay in the inventory take their state after the change.
update cards as c
set
    status = a.new_status,
    msisdn = a.new_msisdn,
    account_id = a.new_account_id,
    customer = a.new_customer,
    distributor = a.new_distributor,
    representative = a.new_representative,
    description = a.new_description,
    managed_by = a.new_managed_by,
    custom = a.new_custom,
    activated_at = a.new_activated_at,
    disposed_at = a.new_disposed_at,
    updated_at = $now
from op_after as a
where c.iccid = a.iccid
    and a.is_changed
    and not a.is_deleted
