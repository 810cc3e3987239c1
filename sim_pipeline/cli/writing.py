"""Direct library calls by default; the Prefect flow when a server is configured or --flow is given.

Prefect's ephemeral mode costs 10-18 s a run on this machine, against about 1 s for the library
directly, so a person running the CLI waits for Prefect only when the run should show in a UI.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import duckdb

from sim_pipeline.actor import Actor
from sim_pipeline.cli.output import note, progress
from sim_pipeline.store.db import open_inventory
from sim_pipeline.events.relay import relay_events
from sim_pipeline.settings import Settings

if TYPE_CHECKING:
    from sim_pipeline.ingest.upload import IngestResult


def prefect_configured() -> bool:
    return bool(os.environ.get("PREFECT_API_URL"))


@contextmanager
def writing(settings: Settings, quiet: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """The inventory for a writing command; new events are relayed to outbox/ at its end.

    Every writing command (ingest, add, apply, the group operations, cleanup) goes through here, so
    none of them leaves its events waiting for the next scheduled relay.
    """
    with open_inventory(settings) as con:
        yield con
        relayed = relay_events(con, settings)
    if relayed.events:
        from sim_pipeline.cli.events_cmds import relay_summary

        note(relay_summary(relayed), quiet)


def run_ingest(settings: Settings, files: list[Path], actor: Actor, quiet: bool, use_flow: bool) -> list[IngestResult]:
    if use_flow or prefect_configured():
        from flows.ingest import ingest_files_flow

        return ingest_files_flow([str(f.resolve()) for f in files], actor.label)
    from sim_pipeline.ingest.upload import ingest_file

    results = []
    with writing(settings, quiet) as con, progress("ingesting", len(files), quiet) as bar:
        for path in files:
            results.append(ingest_file(con, settings, path, actor, step=lambda s, p=path: bar.step(f"{p.name}: {s}")))
            bar.advance(1)
    return results
