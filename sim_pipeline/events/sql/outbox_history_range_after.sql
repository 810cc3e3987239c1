-- The history rows that the next $limit events after $after_seq describe, as a range of history seqs.
select min(history_seq) as first_history, max(history_seq) as last_history,
from (
    select history_seq from outbox
    where seq between $after_seq + 1 and $after_seq + $limit  -- outbox seqs are contiguous
)
