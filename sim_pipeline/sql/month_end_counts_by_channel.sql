-- One row per dimension and sales channel for the month [$month_start, $month_end) (naive UTC):
-- active / in_stock at the month end, the previous month-end's active, and the month's assignments and disposals.
-- The state of a card at an instant is its last history row before it (max seq); a deletion row ends the card.
-- Channels: distributor and representative (each value plus '(none)'), 'direct' (cards with neither),
-- and one dimension per custom field in $fields (each value plus '(none)'; an empty value counts as none).
-- Scope: $managed_by null = every card; else only cards managed by it at that instant (month-end cards for
-- the month's numbers, previous-month-end cards for the previous active).
-- Month events count in the channel of the card's state right after the event (that history row).
with history as (
    select
        seq,
        changed_at,
        iccid,
        old_status,
        new_status,
        managed_by,
        distributor,
        representative,
        custom::varchar as custom,
        is_deleted,
    from card_history
    where changed_at < $month_end
),

card_states as (
    select
        iccid,
        arg_max(
            {'status': new_status, 'is_deleted': is_deleted, 'managed_by': managed_by,
             'distributor': distributor, 'representative': representative, 'custom': custom},
            seq
        ) as at_end,
        arg_max(
            {'status': new_status, 'is_deleted': is_deleted, 'managed_by': managed_by,
             'distributor': distributor, 'representative': representative, 'custom': custom},
            seq
        ) filter (where changed_at < $month_start) as at_start,
    from history
    group by iccid
),

month_end_counts as (
    select
        at_end.distributor as distributor,
        at_end.representative as representative,
        at_end.custom as custom,
        count(*) filter (where at_end.status = 'in_use') as count_active,
        count(*) filter (where at_end.status in ('available', 'reserved')) as count_in_stock,
    from card_states
    where not at_end.is_deleted
        and ($managed_by is null or at_end.managed_by = $managed_by)
    group by all
),

previous_month_end_counts as (
    select
        at_start.distributor as distributor,
        at_start.representative as representative,
        at_start.custom as custom,
        count(*) filter (where at_start.status = 'in_use') as count_active_previous,
    from card_states
    where at_start is not null
        and not at_start.is_deleted
        and ($managed_by is null or at_start.managed_by = $managed_by)
    group by all
),

month_events as (
    select
        h.distributor,
        h.representative,
        h.custom,
        count(*) filter (
            where h.new_status = 'in_use' and h.old_status is distinct from 'in_use'
        ) as count_assigned,
        count(*) filter (
            where h.new_status = 'disposed' and h.old_status is distinct from 'disposed'
        ) as count_disposed,
    from history as h
    join card_states as s on s.iccid = h.iccid
    where h.changed_at >= $month_start
        and h.new_status in ('in_use', 'disposed')
        and ($managed_by is null or s.at_end.managed_by = $managed_by)
    group by all
),

combos as (
    select * from month_end_counts
    union all by name
    select * from previous_month_end_counts
    union all by name
    select * from month_events
),

combo_counts as (
    select
        distributor,
        representative,
        custom,
        coalesce(sum(count_active), 0) as active,
        coalesce(sum(count_in_stock), 0) as in_stock,
        coalesce(sum(count_active_previous), 0) as active_previous,
        coalesce(sum(count_assigned), 0) as assigned_in_month,
        coalesce(sum(count_disposed), 0) as disposed_in_month,
    from combos
    group by all
),

custom_dimensions as (
    select
        i as dimension_order,
        $fields[i] as field_name,
    from range(1, len($fields) + 1) as t(i)
),

channel_parts as (
    select 1 as dimension_order, 'distributor' as dimension, coalesce(distributor, '(none)') as channel, *
    from combo_counts
    union all by name
    select 2 as dimension_order, 'representative' as dimension, coalesce(representative, '(none)') as channel, *
    from combo_counts
    union all by name
    select 3 as dimension_order, 'direct' as dimension, 'direct' as channel, *
    from combo_counts
    where distributor is null and representative is null
    union all by name
    select
        3 + d.dimension_order as dimension_order,
        d.field_name as dimension,
        coalesce(nullif(json_extract_string(c.custom, d.field_name), ''), '(none)') as channel,
        c.*,
    from combo_counts as c
    cross join custom_dimensions as d
),

always_listed as (
    select 1 as dimension_order, 'distributor' as dimension, '(none)' as channel
    union all
    select 2, 'representative', '(none)'
    union all
    select 3, 'direct', 'direct'
    union all
    select 3 + dimension_order, field_name, '(none)' from custom_dimensions
),

channels as (
    select
        dimension_order,
        dimension,
        channel,
        coalesce(sum(active), 0)::bigint as active,
        coalesce(sum(assigned_in_month), 0)::bigint as assigned_in_month,
        coalesce(sum(in_stock), 0)::bigint as in_stock,
        coalesce(sum(disposed_in_month), 0)::bigint as disposed_in_month,
        (coalesce(sum(active), 0) - coalesce(sum(active_previous), 0))::bigint as active_change,
    from (
        select * from channel_parts
        union all by name
        select * from always_listed
    )
    group by dimension_order, dimension, channel
)

select
    dimension,
    channel,
    active,
    assigned_in_month,
    in_stock,
    disposed_in_month,
    active_change,
from channels
order by dimension_order, channel = '(none)', lower(channel), channel
