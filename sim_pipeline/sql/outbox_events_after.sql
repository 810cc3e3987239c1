-- The next events to export: outbox rows after $after_seq, in export order, at most $limit of them.
select
    o.seq,
    o.payload,
from outbox as o
where o.seq > $after_seq
order by o.seq
limit $limit
