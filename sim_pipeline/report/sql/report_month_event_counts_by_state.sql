-- The changes of one month [$month_start, $month_end) (naive UTC): one row per action and card state right
-- after the change (the history row's own state) with count_changes, count_assigned (moves into in_use)
-- and count_disposed (moves into disposed). State columns as in report_card_counts_by_month_end_state.sql.
-- $managed_by null = every card; else only cards it manages at $month_end (a card changed in the month
-- has its month-end state among the month's rows, so the month's rows suffice).
with month_rows as (
    select
        seq,
        iccid,
        action,
        old_status,
        new_status,
        managed_by,
        distributor,
        representative,
        custom,
    from card_history
    where changed_at >= $month_start and changed_at < $month_end
),

month_end_managers as (
    select iccid, arg_max(managed_by, seq) as month_end_managed_by,
    from month_rows
    group by iccid
)

select
    r.action,
    nullif(r.distributor, '') as distributor,
    nullif(r.representative, '') as representative,
    list_transform(json_extract_string(r.custom, $fields::varchar[]), lambda v: nullif(v, '')) as channel_values,
    count(*) as count_changes,
    count(*) filter (
        where r.new_status = 'in_use' and r.old_status is distinct from 'in_use'
    ) as count_assigned,
    count(*) filter (
        where r.new_status = 'disposed' and r.old_status is distinct from 'disposed'
    ) as count_disposed,
from month_rows as r
join month_end_managers as m on m.iccid = r.iccid
where $managed_by is null or m.month_end_managed_by = $managed_by
group by all
order by all
