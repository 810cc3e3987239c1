-- Version 4: the outbox keeps which events to send; the relay builds each CloudEvents envelope from its
-- history row when it exports it (sim_pipeline/sql/outbox_events_after.sql). Applied by
-- sim_pipeline/migrations.py.
--
-- Why: a change's transaction wrote ~600 bytes of JSON per event (1M events: 594 MB, 2.6 s of a 1M-card
-- ingest with every event type subscribed) and the relay read it all back; history rows never change,
-- so an envelope built at export is the one that would have been stored. Rows not yet exported get
-- theirs from history like any other; exported rows need none.
alter table outbox drop column payload;
