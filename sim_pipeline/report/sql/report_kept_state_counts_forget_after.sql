-- Forget the kept card counts (one row per instant, fields and state) at instants later than $instant.
delete from month_end_state_counts where instant > $instant
