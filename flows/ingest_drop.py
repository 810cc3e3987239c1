"""ingest-drop: take one upload file from an actor's inbox folder (same library code as `sim-pipeline scan`).

The folder says who acts (inbox/admin/uploads/ or inbox/resellers/NAME/uploads/); the file ends in
processed/ or rejected/ (sim_pipeline.drops). A rejected file marks the run Failed, with the rejection
summary in the log. Then the new events are relayed (a relay-events subflow run).
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.shared_tasks import finish, log_outcome, take_file
from sim_pipeline import drops


@flow(name="ingest-drop", persist_result=False)
def ingest_drop(path: str) -> dict[str, Any]:
    """Take the upload file at PATH (in inbox/<actor>/uploads/), then relay its events.

    Example: prefect deployment run ingest-drop/ingest-drop -p path=/srv/sims/inbox/admin/uploads/mega.csv
    """
    outcome = drops.Outcome(**take_file(path, "upload"))
    log_outcome(outcome)
    return finish([outcome])
