"""relay, cleanup."""

from __future__ import annotations

from datetime import datetime

import typer

from sim_pipeline.events import relay
from sim_pipeline.cli.app import app
from sim_pipeline.cli.options import DRY_RUN, JSON
from sim_pipeline.cli.output import emit_json, emit_text, note
from sim_pipeline.store.db import open_inventory
from sim_pipeline.settings import Settings

AS_OF = typer.Option(
    None, "--as-of", metavar="DATE", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
    help="Judge the age of Disposed cards at this instant (UTC; a date alone is midnight). Default: now.",
)


def relay_summary(result: relay.RelayResult) -> str:
    if not result.events:
        return "no new events"
    files = len(result.files)
    return (f"relayed {result.events} event{'s' if result.events != 1 else ''} in {files} "
            f"file{'s' if files != 1 else ''}: {', '.join(result.files)}")


@app.command("relay")
def relay_cmd(json_out: bool = JSON) -> None:
    """Export the events not yet exported to outbox/<first seq>-<last seq>.jsonl, one CloudEvent per line.

    Each event lands in exactly one file, even when a run is killed midway; consumers may move the
    files away once read. Writing commands (ingest, apply, cleanup) relay at their end.

    Example: sim-pipeline relay --json
    """
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        result = relay.relay_events(con, settings)
    if json_out:
        emit_json(result.to_json())
    else:
        emit_text(relay_summary(result))


@app.command("cleanup")
def cleanup_cmd(as_of: datetime = AS_OF, dry_run: bool = DRY_RUN, json_out: bool = JSON) -> None:
    """Delete the cards Disposed for more than SIM_cards.KeepDisposedSIMDays days (default 365).

    Each deletion is a change-history row (the card's history stays, for audits and past-month
    reports) and a SIMCard/Deleted event when subscribed. Runs daily as the retention-cleanup flow.

    Example: sim-pipeline cleanup --as-of 2026-12-31 --dry-run
    """
    from sim_pipeline.lifecycle import retention

    settings = Settings.from_env()
    with open_inventory(settings) as con:
        result = retention.cleanup(con, settings, as_of=as_of, dry_run=dry_run)
        relayed = relay.relay_events(con, settings) if not dry_run else relay.RelayResult()
    if json_out:
        emit_json({**result.to_json(), "relay": relayed.to_json()})
        return
    emit_text(retention.summary(result))
    if relayed.events:
        note(relay_summary(relayed))
