-- The trend of a report: one row per instant in $month_ends (naive UTC) with count_active, the cards
-- In use at that instant (state = last history row before it). Scope: $managed_by null = every card;
-- else cards managed by it at that instant.
-- Set-based: each history row adds +1 / -1 when it makes a card count or stop counting; an instant's
-- count is the running sum of the changes before it (one pass over history, not one per month).
with history as (
    select
        iccid,
        seq,
        changed_at,
        coalesce(
            new_status = 'in_use' and not is_deleted and ($managed_by is null or managed_by = $managed_by),
            false
        )::integer as is_counted,
    from card_history
    where changed_at < list_max($month_ends)
),

changes as (
    select
        changed_at,
        is_counted - coalesce(lag(is_counted) over (partition by iccid order by seq), 0) as delta,
    from history
),

month_ends as (
    select unnest($month_ends) as month_end
),

deltas_by_month_end as (
    select m.month_end, sum(c.delta) as delta,
    from changes as c
    asof join month_ends as m on c.changed_at < m.month_end
    where c.delta <> 0
    group by m.month_end
)

select
    m.month_end,
    coalesce(sum(d.delta) over (order by m.month_end), 0)::bigint as count_active,
from month_ends as m
left join deltas_by_month_end as d on d.month_end = m.month_end
order by m.month_end
