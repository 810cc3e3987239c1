-- How many cards were in each state at each instant of $month_ends: one row per (month_end, card state)
-- with count_cards > 0, deleted cards left out. The state is what reports group by: status, managed_by,
-- sim_type, distributor, representative and channel_values (the values of the custom fields $fields).
-- $managed_by null = every card; else only the cards it manages at that instant.
--
-- The counts come from month_end_state_counts (instants the clock has passed, kept) and from the temporary
-- counted_state_counts (instants after $now, counted for this report only); state_counts.py fills both
-- with report_state_counts_since.sql first.
with counts as (
    select * from month_end_state_counts
    where fields = $fields::varchar[] and list_contains($month_ends, instant)
    union all
    select * from counted_state_counts
    where instant > $now
)

select
    instant as month_end,
    status,
    managed_by,
    sim_type,
    distributor,
    representative,
    channel_values,
    sum(count_cards)::bigint as count_cards,
from counts
where not is_deleted
    and ($managed_by is null or managed_by = $managed_by)
group by all
having sum(count_cards) > 0
order by all
