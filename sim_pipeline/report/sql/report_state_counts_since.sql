-- How many cards were in each state at each instant of $month_ends (naive UTC, ascending, every one after
-- $base_instant): one row per (instant, state) with count_cards <> 0, deleted cards' states included, in
-- the columns of month_end_state_counts (schemas/ddl/003), which keeps them once the clock has passed.
-- A card's state at an instant is its last history row before it (by seq: the clock only moves forward,
-- see db.check_clock): status, is_deleted, managed_by, sim_type, distributor, representative, and
-- channel_values (the values of the custom fields $fields, in order).
--
-- Counting starts from the counts kept at $base_instant (month_end_state_counts for $fields) or, when it
-- is null, from nothing; then each history row from the base on adds one card to the state it enters and
-- takes one from the state the card leaves (its row before, which may be before the base). Only the
-- history after the base is read whole; of the rows before it, only those of cards changed since.
-- Raw states are compared by a 64-bit hash (a collision among a report's few hundred states: ~1 in 10^14).
with recent as (
    select
        iccid,
        seq,
        changed_at,
        hash(new_status, is_deleted, managed_by, sim_type, distributor, representative, custom) as state_key,
    from card_history
    where ($base_instant is null or changed_at >= $base_instant) and changed_at < list_max($month_ends)
),

-- The state each card changed since the base had at the base: the state its first recent row leaves.
at_base as (
    select
        iccid,
        max(seq) as seq,
        arg_max(hash(new_status, is_deleted, managed_by, sim_type, distributor, representative, custom), seq)
            as state_key,
    from card_history
    where changed_at < $base_instant and iccid in (
        select iccid from card_history where changed_at >= $base_instant and changed_at < list_max($month_ends)
    )
    group by iccid
),

transitions as (
    select
        changed_at,
        state_key,
        lag(state_key) over (partition by iccid order by seq) as previous_state_key,
    from (
        select iccid, seq, changed_at, state_key from recent
        union all
        select iccid, seq, null as changed_at, state_key from at_base
    )
),

-- Summed per instant before anything else: a history has far fewer instants (one per operation) than rows.
deltas as materialized (
    select changed_at, state_key, sum(delta) as delta,
    from (
        select
            changed_at,
            unnest([
                {'state_key': state_key, 'delta': 1},
                {'state_key': previous_state_key, 'delta': -1}
            ], recursive := true),
        from transitions
        where changed_at is not null and state_key is distinct from previous_state_key
    )
    group by all
),

-- The raw states met, as the report sees them (one scan of the hash, no JSON but for distinct states).
states as (
    select
        state_key,
        {
            'status': any_value(new_status),
            'is_deleted': any_value(is_deleted),
            'managed_by': any_value(managed_by),
            'sim_type': any_value(sim_type),
            'distributor': nullif(any_value(distributor), ''),
            'representative': nullif(any_value(representative), ''),
            'channel_values': list_transform(
                json_extract_string(any_value(custom), $fields::varchar[]), lambda v: nullif(v, '')
            ),
        } as state,
    from (
        select
            hash(new_status, is_deleted, managed_by, sim_type, distributor, representative, custom) as state_key,
            new_status, is_deleted, managed_by, sim_type, distributor, representative, custom,
        from card_history
        where changed_at < list_max($month_ends)
    )
    where state_key in (select state_key from deltas)
    group by state_key
),

-- Each change counts from the first month end after it on; the base counts from the first month end.
changes_by_month_end as (
    select
        $month_ends[len(list_filter($month_ends, lambda m: m <= d.changed_at)) + 1] as month_end,
        s.state,
        sum(d.delta) as delta,
    from deltas as d
    join states as s on s.state_key = d.state_key
    group by all

    union all

    select
        $month_ends[1] as month_end,
        {
            'status': status,
            'is_deleted': is_deleted,
            'managed_by': managed_by,
            'sim_type': sim_type,
            'distributor': distributor,
            'representative': representative,
            'channel_values': channel_values,
        } as state,
        count_cards as delta,
    from month_end_state_counts
    where instant = $base_instant and fields = $fields::varchar[]
),

month_ends as (
    select unnest($month_ends) as month_end
),

counts as (
    select
        m.month_end,
        k.state,
        sum(coalesce(c.delta, 0)) over (partition by k.state order by m.month_end) as count_cards,
    from month_ends as m
    cross join (select distinct state from changes_by_month_end) as k
    left join (
        select month_end, state, sum(delta) as delta from changes_by_month_end group by all
    ) as c on c.month_end = m.month_end and c.state is not distinct from k.state
)

select
    month_end as instant,
    $fields::varchar[] as fields,
    state.status as status,
    state.is_deleted as is_deleted,
    state.managed_by as managed_by,
    state.sim_type as sim_type,
    state.distributor as distributor,
    state.representative as representative,
    state.channel_values as channel_values,
    count_cards::bigint as count_cards,
from counts
where count_cards <> 0
