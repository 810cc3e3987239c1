"""apply-batch: apply one batch file from an actor's inbox folder (same library code as `sim-pipeline scan`).

The folder says who acts (inbox/admin/batches/ or inbox/resellers/NAME/batches/), so a reseller's
batch can only touch that reseller's cards. The whole file applies or none of it; it ends in
processed/ or rejected/, and a rejection marks the run Failed with its summary in the log.
Only paths and counts cross task boundaries; nothing is persisted.
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.shared_tasks import finish, log_outcome, take_file
from sim_pipeline import drops


@flow(name="apply-batch", persist_result=False)
def apply_batch(path: str) -> dict[str, Any]:
    """Apply the batch file at PATH (in inbox/<actor>/batches/), then relay its events.

    Example: prefect deployment run apply-batch/apply-batch -p path=/srv/sims/inbox/admin/batches/alloc.csv
    """
    outcome = drops.Outcome(**take_file(path, "batch"))
    log_outcome(outcome)
    return finish([outcome])
