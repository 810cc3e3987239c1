-- The relay's progress (one row): events up to last_seq are exported; a pending range is a file
-- completely written under outbox/.tmp/ and not yet known to be in outbox/.
select
    rs.last_seq,
    rs.pending_first,
    rs.pending_last,
from relay_state as rs
