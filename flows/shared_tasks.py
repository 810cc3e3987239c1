"""What the inbox flows share: the task that takes one inbox file, the relay task, the retry rule around
I/O, and how a run's outcomes become its final state (a rejected file marks the run Failed).

Only paths, names and counts cross task boundaries, and no result is persisted: Prefect never
stores card data. The one retry is around I/O (the inventory lock, the file move): validation
never raises, and re-taking a committed file is a no-op (the ledger recognises it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed, State

from sim_pipeline import drops

from sim_pipeline.store import resellers
from sim_pipeline.store.db import open_inventory
from sim_pipeline.errors import InventoryBusy, SimPipelineError
from sim_pipeline.settings import Settings

RETRY_DELAYS = [10, 60, 300]  # seconds: another writer holds the lock, or a share is briefly away


def retry_on_io(task: Any, task_run: Any, state: State) -> bool:
    """Retry only what a retry can cure: the inventory lock held too long, a failed file move."""
    try:
        state.result()
    except (InventoryBusy, OSError):
        return True
    except BaseException:
        return False
    return False


def _take_run_name() -> str:
    from prefect.runtime import task_run

    return f"take {Path(task_run.parameters['path']).name}"


@task(name="take file", task_run_name=_take_run_name, cache_policy=NO_CACHE, persist_result=False,
      retries=len(RETRY_DELAYS), retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=retry_on_io)
def take_file(path: str, kind: str | None = None) -> dict[str, Any]:
    """Ingest or apply one inbox file and move it; holds the inventory lock throughout."""
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        try:
            item = drops.locate(settings, Path(path), resellers.names(con))
        except FileNotFoundError:
            return drops.Outcome(Path(path).name, "", "gone").to_json()
        if kind is not None and item.kind != kind:
            other = "apply-batch" if item.kind == "batch" else "ingest-drop"
            raise SimPipelineError(f"{path}: an {item.kind} file; run {other} for it")
        return drops.take(con, settings, item).to_json()


@task(name="relay events", cache_policy=NO_CACHE, persist_result=False,
      retries=len(RETRY_DELAYS), retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=retry_on_io)
def relay_after_write() -> dict[str, Any]:
    """Export the events the run committed (the same code as the relay-events flow)."""
    from sim_pipeline.events.relay import relay_events

    settings = Settings.from_env()
    with open_inventory(settings) as con:
        return relay_events(con, settings).to_json()


def log_outcome(outcome: drops.Outcome) -> None:
    logger = get_run_logger()
    if outcome.status in ("rejected", "refused", "failed"):
        logger.error(outcome.summary())
        for problem in outcome.problems[1:]:
            logger.error("  %s", problem)
    elif outcome.status in ("duplicate", "left"):
        logger.warning(outcome.summary())
    else:
        logger.info(outcome.summary())


def finish(outcomes: list[drops.Outcome]) -> dict[str, Any] | State:
    """Relay what was committed; the run's result (names and counts), or Failed naming the rejected files."""
    if any(o.status == "accepted" for o in outcomes):
        relayed = relay_after_write()
        if relayed["events"]:
            get_run_logger().info("relayed %d events: %s", relayed["events"], ", ".join(relayed["files"]))
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    result = {"counts": counts, "files": [o.to_json() for o in outcomes]}
    bad = [o for o in outcomes if o.status in ("rejected", "refused", "failed")]
    if bad:
        head = f"{len(bad)} of {len(outcomes)} file{'s' if len(outcomes) != 1 else ''} not taken: "
        message = head + "; ".join(o.summary() for o in bad[:3]) + ("; ..." if len(bad) > 3 else "")
        return Failed(message=message, data=FilesNotTaken(message, result))
    return result


class FilesNotTaken(Exception):
    """The failure of a run that rejected a file; `result` holds every file's outcome (names and counts),
    for a caller in this process: `state.result(raise_on_failure=False).result`."""

    def __init__(self, message: str, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.result = result
