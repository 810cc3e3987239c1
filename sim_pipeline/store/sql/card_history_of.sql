-- The change history of one card, oldest first.
select
    changed_at,
    action,
    old_status,
    new_status,
    changes,
    source_file,
    source_line,
    actor,
    reason
from card_history
where iccid = $iccid
order by seq
