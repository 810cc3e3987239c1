"""ingest: SIM files into the inventory as a Prefect flow run (same library code as the CLI).

Paths and ids cross task boundaries, never frames, and results are not persisted: Prefect must
never store card data.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.shared_tasks import relay_after_write
from sim_pipeline.actor import Actor
from sim_pipeline.store.db import open_inventory
from sim_pipeline.ingest.upload import IngestResult, ingest_file
from sim_pipeline.settings import Settings


@task(name="ingest file", cache_policy=NO_CACHE, persist_result=False)
def ingest_one(path: str, actor: str) -> IngestResult:
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        return ingest_file(con, settings, Path(path), Actor.parse(actor))


@flow(name="ingest", persist_result=False)
def ingest_files_flow(paths: list[str], actor: str = "admin") -> list[IngestResult]:
    logger = get_run_logger()
    results = []
    for path in paths:
        result = ingest_one(path, actor)
        if result.status == "rejected":
            logger.error("%s: rejected, %d problems; first: %s; report: %s",
                         result.file, len(result.errors), result.errors[0] if result.errors else "-", result.report)
        else:
            logger.info("%s: %s, %d rows, %d added, %d removed", result.file, result.status,
                        result.rows, result.added, result.removed)
        results.append(result)
    relayed = relay_after_write()
    if relayed["events"]:
        logger.info("relayed %d events: %s", relayed["events"], ", ".join(relayed["files"]))
    return results
