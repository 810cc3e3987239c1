-- One row: the instant of the inventory's first history row (null for an empty inventory). Months that
-- ended before it are left out of the stock outlook's average sales (the inventory did not exist then).
select min(changed_at) as first_changed_at from card_history
