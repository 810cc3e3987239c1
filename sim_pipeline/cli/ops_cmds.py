"""serve, scan, resellers: data operations (the inbox, Prefect deployments and schedules)."""

from __future__ import annotations

import os
import sys
from typing import Any

import typer

from sim_pipeline.store import home as home_folder
from sim_pipeline import drops
from sim_pipeline.store import resellers as resellers_lib
from sim_pipeline.cli.app import app, fail
from sim_pipeline.cli.options import JSON, QUIET
from sim_pipeline.cli.output import emit_json, emit_text, note
from sim_pipeline.store.db import open_inventory
from sim_pipeline.settings import Settings

FAN_OUT_HELP = "Check uploads in parallel before the one writer merges them: threads here, or a Dask cluster."
DASK_ADDRESS = typer.Option(None, "--dask-address", metavar="tcp://HOST:PORT",
                            help="Dask scheduler for --fan-out dask (default: a local cluster of --workers).")
WORKERS = typer.Option(2, "--workers", min=1, help="Threads or local Dask workers for --fan-out.")


def _check_fan_out(value: str) -> str:
    if value not in ("none", "threads", "dask"):
        raise typer.BadParameter(f"expected none, threads or dask, got {value!r}", param_hint="--fan-out")
    return value


def _print_outcome(outcome: drops.Outcome, json_out: bool, quiet: bool) -> None:
    if json_out:
        emit_json(outcome.to_json())
    elif outcome.status in ("rejected", "refused", "failed"):
        note(f"Error: {outcome.summary()}")
        for problem in outcome.problems[1:]:
            note(f"  {problem}")
    elif outcome.status == "left":
        note(f"warning: {outcome.summary()}", quiet)
    else:
        emit_text(outcome.summary())


def _scan_direct(settings: Settings, json_out: bool, quiet: bool) -> list[drops.Outcome]:
    from sim_pipeline.cli.writing import writing  # relays the new events at its end

    with writing(settings, quiet) as con:
        return drops.scan(con, settings, on_outcome=lambda o: _print_outcome(o, json_out, quiet))


def _scan_flow(fan_out: str, dask_address: str | None, workers: int, json_out: bool,
               quiet: bool) -> list[drops.Outcome]:
    from flows.scan_inbox import scan_inbox

    state = scan_inbox(fan_out=fan_out, dask_address=dask_address, workers=workers, return_state=True)
    data: Any = state.result(raise_on_failure=False)
    data = getattr(data, "result", data)  # a rejection fails the run; its outcomes ride on the exception
    if isinstance(data, dict):
        outcomes = [drops.Outcome(**o) for o in data["files"]]
        for o in outcomes:
            _print_outcome(o, json_out, quiet)
        return outcomes
    raise fail(state.message or f"the scan-inbox flow run ended {state.name}")


@app.command("scan")
def scan_cmd(
    once: bool = typer.Option(False, "--once", help="Run one scan and exit (for cron and scripts)."),
    flow: bool = typer.Option(False, "--flow", help="Run as the scan-inbox flow (shows in the Prefect UI)."),
    fan_out: str = typer.Option("none", "--fan-out", metavar="none|threads|dask",
                                help=FAN_OUT_HELP + " Implies --flow.", callback=_check_fan_out),
    dask_address: str = DASK_ADDRESS,
    workers: int = WORKERS,
    json_out: bool = JSON,
    quiet: bool = QUIET,
) -> None:
    """Take every complete file waiting in inbox/admin/ and inbox/resellers/NAME/ (uploads/ and batches/).

    A file is complete when not named *.part or *.tmp (nor hidden) and unchanged for [schedules]
    settle_seconds. Each one ends in processed/ or rejected/ (with its report beside it), keeping its
    name behind a timestamp; a file taken before is recognised by its content and moved to processed/.
    Exit 1 when a file was rejected. Runs the library directly unless PREFECT_API_URL is set or --flow
    is given; `sim-pipeline serve` runs it on a schedule.

    Example: sim-pipeline scan --once --json
    """
    if not once:
        raise typer.BadParameter("scan runs one pass: add --once (or use `sim-pipeline serve` for a schedule)",
                                 param_hint="--once")
    settings = Settings.from_env()
    use_flow = flow or fan_out != "none" or bool(os.environ.get("PREFECT_API_URL"))
    if use_flow:
        outcomes = _scan_flow(fan_out, dask_address, workers, json_out, quiet)
    else:
        outcomes = _scan_direct(settings, json_out, quiet)
    if not [o for o in outcomes if o.status != "left"]:
        note(f"no complete file waiting in {drops.inbox_dir(settings)}", quiet)
    if any(o.status in ("rejected", "refused", "failed") for o in outcomes):
        raise typer.Exit(1)


@app.command("serve")
def serve_cmd(
    port: int = typer.Option(4200, "--port", help="Port of the local Prefect server (when PREFECT_API_URL is unset)."),
    fan_out: str = typer.Option("none", "--fan-out", metavar="none|threads|dask",
                                help=FAN_OUT_HELP, callback=_check_fan_out),
    dask_address: str = DASK_ADDRESS,
    workers: int = WORKERS,
) -> None:
    """Run the deployments on their schedules until stopped (Ctrl-C or SIGTERM): scan-inbox every
    [schedules] scan_inbox_seconds, retention-cleanup and monthly-report on their crons in
    [report] timezone, plus ingest-drop, apply-batch and relay-events on demand.

    With PREFECT_API_URL set, uses that server. Otherwise starts a local one for itself
    (PREFECT_HOME=<working folder>/.prefect) and prints its UI address and the export line that makes
    CLI runs in another shell show there too.

    Example: SIM_PIPELINE_HOME=/srv/sims sim-pipeline serve --port 4200
    """
    from sim_pipeline.cli import prefect_server

    settings = Settings.from_env()
    home_folder.ensure(settings)
    with open_inventory(settings):
        pass  # create or migrate the inventory now, not in the first flow run
    from flows.deployments import deployment_specs

    specs = deployment_specs(settings, fan_out, dask_address, workers)
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        note(f"starting a local Prefect server (PREFECT_HOME={prefect_server.prefect_home(settings)}) ...")
        server = prefect_server.start(settings, port=port)
        os.environ.update(prefect_server.server_env(settings))
        os.environ["PREFECT_API_URL"] = server.api_url
    api_url = os.environ["PREFECT_API_URL"]
    if server is None and not prefect_server.healthy(api_url):
        raise fail(f"no Prefect server answers at PREFECT_API_URL={api_url} (start it, or unset "
                   "PREFECT_API_URL to let serve start a local one)")
    emit_text(f"Prefect UI: {api_url.removesuffix('/api')}")
    emit_text("To see CLI runs there too, in another shell:")
    emit_text(f"  export PREFECT_API_URL={api_url}")
    for spec in specs:
        emit_text(f"  {spec.name:18} {spec.schedule_text}")
    sys.stdout.flush()
    try:
        _serve(specs, api_url)
    finally:
        if server is not None:
            note("stopping the local Prefect server")
            server.stop()
    note("stopped")


def _serve(specs: list, api_url: str) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.deployments import serve_deployments

    # prefect may have been imported before the URL was set (tests, plugins): set it in its context too
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        serve_deployments(specs)


resellers_app = typer.Typer(help="Resellers and their inbox folders.", no_args_is_help=True)
app.add_typer(resellers_app, name="resellers")


@resellers_app.command("add")
def resellers_add(name: str = typer.Argument(..., help="The reseller's name (letters, digits, space, _ . -)."),
                  json_out: bool = JSON) -> None:
    """Register a reseller and create inbox/resellers/NAME/uploads/ and batches/. Idempotent.

    Files dropped there act as reseller:NAME: they can add and touch NAME's cards only.

    Example: sim-pipeline resellers add "Nordic Mobile"
    """
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        added = resellers_lib.add(con, settings, name)
        row = next(r for r in resellers_lib.list_resellers(con, settings) if r["name"] == name.strip())
    if json_out:
        emit_json({**row, "added": added})
    else:
        emit_text(f"reseller {row['name']!r} " + ("added" if added else "exists already") + f"; inbox {row['inbox']}")


@resellers_app.command("list")
def resellers_list(json_out: bool = JSON) -> None:
    """List the resellers with their inbox folders.

    Example: sim-pipeline resellers list --json
    """
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        rows = resellers_lib.list_resellers(con, settings)
    for row in rows:
        if json_out:
            emit_json(row)
        else:
            emit_text(f"{row['name']}  {row['created_at']:%Y-%m-%d}  {row['inbox']}")
