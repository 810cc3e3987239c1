-- The inventory overview of a report: one row per (facet, value) with count_cards.
-- Facets 'status', 'managed_by', 'sim_type': cards in the state at $month_end (not deleted);
-- facet 'action': history rows in [$month_start, $month_end) by action (uploads, allocations, ...).
-- Scope: $managed_by null = every card; else the cards managed by it in the state at $month_end.
with history as (
    select seq, changed_at, iccid, action, new_status, managed_by, sim_type, is_deleted,
    from card_history
    where changed_at < $month_end
),

month_end_states as (
    select
        iccid,
        arg_max(
            {'status': new_status, 'is_deleted': is_deleted, 'managed_by': managed_by, 'sim_type': sim_type},
            seq
        ) as state,
    from history
    group by iccid
),

scoped_cards as (
    select iccid, state.*,
    from month_end_states
    where $managed_by is null or state.managed_by = $managed_by
),

card_totals as (
    select
        case
            when grouping(status) = 0 then 'status'
            when grouping(managed_by) = 0 then 'managed_by'
            else 'sim_type'
        end as facet,
        coalesce(status, managed_by, sim_type) as value,
        count(*) as count_cards,
    from scoped_cards
    where not is_deleted
    group by grouping sets ((status), (managed_by), (sim_type))
),

month_actions as (
    select 'action' as facet, h.action as value, count(*) as count_cards,
    from history as h
    semi join scoped_cards as s on s.iccid = h.iccid
    where h.changed_at >= $month_start
    group by h.action
)

select * from card_totals
union all
select * from month_actions
order by facet, value
