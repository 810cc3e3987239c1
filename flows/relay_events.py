"""relay-events: export the outbox to outbox/<first seq>-<last seq>.jsonl (same library code as `sim-pipeline relay`).

Returns file names and a count only: Prefect must never store card data.
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from sim_pipeline.store.db import open_inventory
from sim_pipeline.events.relay import relay_events
from sim_pipeline.settings import Settings


@flow(name="relay-events", persist_result=False)
def relay_events_flow() -> dict[str, Any]:
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        return relay_events(con, settings).to_json()
