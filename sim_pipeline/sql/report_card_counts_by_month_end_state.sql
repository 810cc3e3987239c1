-- How many cards were in each state at each instant of $month_ends (naive UTC, ascending): one row per
-- (month_end, card state) with count_cards > 0. A card's state at an instant is its last history row
-- before it (by changed_at, then seq: the highest seq, as the clock only moves forward, see
-- db.check_clock); deleted cards are left out. The state is what reports group by: status, managed_by, sim_type,
-- distributor, representative and channel_values (the values of the custom fields $fields, in order).
-- $managed_by null = every card; else only the cards it manages at that instant.
--
-- Set-based, one pass for all instants: each history row adds one card to the state it enters and takes
-- one from the state the card leaves (its row before); a state's count at an instant is the running sum
-- of these changes before it. States are compared by a 64-bit hash (a collision among a report's few
-- hundred states is about 1 in 10^14).
with history as not materialized (
    select
        iccid,
        seq,
        changed_at,
        {
            'status': new_status,
            'is_deleted': is_deleted,
            'managed_by': managed_by,
            'sim_type': sim_type,
            'distributor': nullif(distributor, ''),
            'representative': nullif(representative, ''),
            'channel_values': list_transform(
                json_extract_string(custom, $fields::varchar[]), lambda v: nullif(v, '')
            ),
        } as state,
    from card_history
    where changed_at < list_max($month_ends)
),

keyed_history as (
    select iccid, seq, changed_at, hash(state) as state_key,
    from history
),

states as (
    select hash(state) as state_key, any_value(state) as state,
    from history
    group by state_key
),

transitions as (
    select
        changed_at,
        state_key,
        lag(state_key) over (partition by iccid order by changed_at, seq) as previous_state_key,
    from keyed_history
),

deltas as (
    select
        changed_at,
        unnest([
            {'state_key': state_key, 'delta': 1},
            {'state_key': previous_state_key, 'delta': -1}
        ], recursive := true),
    from transitions
    where state_key is distinct from previous_state_key
),

-- The index of the first month end after the change: the change counts from that instant on.
deltas_by_month_end as (
    select
        $month_ends[len(list_filter($month_ends, lambda m: m <= changed_at)) + 1] as month_end,
        state_key,
        sum(delta) as delta,
    from deltas
    where state_key is not null
    group by all
),

month_ends as (
    select unnest($month_ends) as month_end
),

counts as (
    select
        m.month_end,
        k.state_key,
        sum(coalesce(d.delta, 0)) over (partition by k.state_key order by m.month_end) as count_cards,
    from month_ends as m
    cross join (select distinct state_key from deltas_by_month_end) as k
    left join deltas_by_month_end as d on d.month_end = m.month_end and d.state_key = k.state_key
)

select
    c.month_end,
    s.state.status as status,
    s.state.managed_by as managed_by,
    s.state.sim_type as sim_type,
    s.state.distributor as distributor,
    s.state.representative as representative,
    s.state.channel_values as channel_values,
    c.count_cards::bigint as count_cards,
from counts as c
join states as s on s.state_key = c.state_key
where c.count_cards <> 0
    and not s.state.is_deleted
    and ($managed_by is null or s.state.managed_by = $managed_by)
order by all
