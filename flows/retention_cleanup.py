"""retention-cleanup: the daily deletion of cards Disposed for more than KeepDisposedSIMDays days,
then the relay of its events (same library code as `sim-pipeline cleanup`).

Schedule: [schedules] retention_cron (default "0 2 * * *"). Returns counts only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from sim_pipeline.store.db import open_inventory
from sim_pipeline.events.relay import RelayResult, relay_events
from sim_pipeline.lifecycle.retention import cleanup
from sim_pipeline.settings import Settings


@flow(name="retention-cleanup", persist_result=False)
def retention_cleanup_flow(as_of: datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        result = cleanup(con, settings, as_of=as_of, dry_run=dry_run)
        relayed = relay_events(con, settings) if not dry_run else RelayResult()
    return {**result.to_json(), "relay": relayed.to_json()}
