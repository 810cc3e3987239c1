-- Sales (moves into in_use) and disposals of several months: one row per month ($month_starts[i] to
-- $month_ends[i], naive UTC, end exclusive) and card state right after the change (managed_by and the
-- channel columns of report_card_counts_by_month_end_state.sql) with count_assigned and count_disposed > 0.
-- Feeds the stock outlook (average sales of the last three months), the headline's previous month and the
-- resellers section. $managed_by null = every card; else the cards it manages at each month's end, the
-- rule of report_month_event_counts_by_state.sql applied month by month.
with bounds as (
    select unnest($month_starts::timestamp[]) as month_start, unnest($month_ends::timestamp[]) as month_end
),

month_rows as (
    select
        b.month_start,
        h.seq,
        h.iccid,
        h.old_status,
        h.new_status,
        h.managed_by,
        h.distributor,
        h.representative,
        h.custom,
    from card_history as h
    join bounds as b on h.changed_at >= b.month_start and h.changed_at < b.month_end
),

month_end_managers as (
    select month_start, iccid, arg_max(managed_by, seq) as month_end_managed_by,
    from month_rows
    group by all
)

select
    r.month_start,
    r.managed_by,
    nullif(r.distributor, '') as distributor,
    nullif(r.representative, '') as representative,
    list_transform(json_extract_string(r.custom, $fields::varchar[]), lambda v: nullif(v, '')) as channel_values,
    count(*) filter (
        where r.new_status = 'in_use' and r.old_status is distinct from 'in_use'
    ) as count_assigned,
    count(*) filter (
        where r.new_status = 'disposed' and r.old_status is distinct from 'disposed'
    ) as count_disposed,
from month_rows as r
join month_end_managers as m on m.month_start = r.month_start and m.iccid = r.iccid
where $managed_by is null or m.month_end_managed_by = $managed_by
group by all
having count_assigned > 0 or count_disposed > 0
order by all
