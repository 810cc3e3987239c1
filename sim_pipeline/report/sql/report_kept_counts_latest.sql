-- The latest month end whose card counts the report keeps (one row, null when none is kept). The store's
-- clock check runs it by name: a fixed clock set back before it makes the counts after it invalid.
select max(instant) as latest_instant from month_end_snapshots
