"""The transactional outbox: events derived from history rows, written in the change's transaction."""

from __future__ import annotations

import duckdb

from sim_pipeline.store import queries
from sim_pipeline.store.db import inventory_id
from sim_pipeline.settings import Settings


def last_history_seq(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select coalesce(max(seq), 0) from card_history").fetchall()[0][0]


def enqueue(con: duckdb.DuckDBPyConnection, settings: Settings, from_seq: int) -> int:
    """Write outbox rows for every history row after `from_seq`, for the subscribed types.

    Call inside the transaction that wrote those history rows. Returns the number of events written.
    """
    before = con.execute("select count(*) from outbox").fetchall()[0][0]
    queries.run(con, "outbox_events_from_history", from_seq=from_seq,
                subscriptions=list(settings.event_subscriptions), inventory_id=inventory_id(con))
    return con.execute("select count(*) from outbox").fetchall()[0][0] - before
