-- Forget which month ends are kept (one row per instant and fields) later than $instant.
delete from month_end_snapshots where instant > $instant
