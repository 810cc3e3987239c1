-- Events up to $last_seq are in outbox/; nothing is pending.
update relay_state set
    last_seq = $last_seq,
    pending_first = null,
    pending_last = null
