-- How many cards of one step moved from each status to each (the same status for detail changes;
-- new_status null for deleted cards).
select
    old_status,
    new_status,
    count(*) as count_cards,
    count(*) filter (where is_deleted) as count_deleted,
from op_after
where is_changed
group by all
order by all
