-- The file outbox/.tmp/<$first_seq>-<$last_seq>.jsonl is complete and fsynced: it will be put in place.
update relay_state set
    pending_first = $first_seq,
    pending_last = $last_seq
