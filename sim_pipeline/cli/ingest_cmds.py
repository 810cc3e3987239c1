"""ingest, add, files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sim_pipeline.store import ledger
from sim_pipeline.actor import Actor
from sim_pipeline.cli.app import app, fail
from sim_pipeline.cli.options import AS_ACTOR, JSON, QUIET
from sim_pipeline.cli.output import emit_json, emit_text, note, rejection
from sim_pipeline.cli.writing import writing
from sim_pipeline.store.db import open_inventory
from sim_pipeline.settings import Settings

if TYPE_CHECKING:
    from sim_pipeline.ingest.upload import IngestResult


def _summary(r: IngestResult) -> str:
    if r.status == "duplicate":
        return f"{r.file}: already ingested at {r.ingested_at:%Y-%m-%d %H:%M:%S} UTC; skipped"
    if r.status == "rejected":
        head = f"{r.file}: rejected, {len(r.errors)} problem{'s' if len(r.errors) != 1 else ''}; nothing written"
        return head + (f"; report: {r.report}" if r.report else "")
    text = f"{r.file}: accepted, {r.rows} rows: {r.added} added, {r.removed} removed"
    return text + (f", {r.events} events" if r.events else "")


def report_result(r: IngestResult, json_out: bool, quiet: bool, max_errors: int = 20) -> None:
    """Print one file's outcome: JSON on stdout, or a summary with the first problems on stderr."""
    if json_out:
        emit_json(r.to_json())
    for n in r.notes:
        note(f"{r.file}: note: {n}", quiet)
    for w in r.warnings:
        lines = ", ".join(str(x) for x in w["lines"]) + (", ..." if w["count"] > len(w["lines"]) else "")
        note(f"{r.file}: warning: {w['column']}: {w['rule']}: {w['count']} rows (lines {lines})", quiet)
    if r.status == "rejected":
        rejection(r.errors, r.report, _summary(r), max_errors)
    elif not json_out:
        emit_text(_summary(r))
    elif r.report and r.warnings:
        note(f"{r.file}: warnings written to {r.report}", quiet)


@app.command("ingest")
def ingest_cmd(
    files: list[Path] = typer.Argument(..., help="CSV, XLSX/XLS or vendor .out files.", metavar="FILE..."),
    as_actor: str = AS_ACTOR,
    json_out: bool = JSON,
    quiet: bool = QUIET,
    flow: bool = typer.Option(False, "--flow", help="Run through the Prefect flow (shows in the Prefect UI)."),
) -> None:
    """Validate SIM files and merge them into the inventory, each all or nothing.

    A rejected file writes a report under rejections/ and exits 1; a file ingested before is skipped.

    Example: sim-pipeline ingest mega-telecom-1000.csv --json
    """
    actor = Actor.parse(as_actor)
    settings = Settings.from_env()
    from sim_pipeline.cli.writing import run_ingest

    results = run_ingest(settings, files, actor, quiet, use_flow=flow)
    for r in results:
        report_result(r, json_out, quiet)
    if any(r.status == "rejected" for r in results):
        raise typer.Exit(1)


@app.command("add")
def add_cmd(
    iccid: str = typer.Option(..., "--iccid"),
    imsi: str = typer.Option(..., "--imsi"),
    sim_type: str = typer.Option(None, "--sim-type", help="SIM or eSIM"),
    amf: str = typer.Option(None, "--amf"),
    description: str = typer.Option(None, "--description"),
    hlr: str = typer.Option(None, "--hlr"),
    managed_by: str = typer.Option(None, "--managed-by"),
    custom: list[str] = typer.Option([], "--custom", help="NAME=VALUE for a defined custom field."),
    secrets_from: str = typer.Option(
        None, "--secrets-from",
        help="'-' reads secrets as NAME=VALUE lines from stdin (pin1, pin2, puk1, puk2, adm1, ki, opc, "
             "activation_code); without it, a terminal prompts for each.",
    ),
    as_actor: str = AS_ACTOR,
    json_out: bool = JSON,
) -> None:
    """Add one card, with the same validation as an upload. Secrets never come from the command line.

    Example: printf 'pin1=1234\\npuk1=12345678\\n' | sim-pipeline add --iccid 8947000000000012140 --imsi 242017100011213 --secrets-from -
    """
    from sim_pipeline.ingest.manual_add import add_card, read_secrets

    actor = Actor.parse(as_actor)
    settings = Settings.from_env()
    if secrets_from not in (None, "-"):
        raise fail("--secrets-from takes '-' (standard input) only")
    secrets = read_secrets(sys.stdin if secrets_from == "-" else None, interactive=secrets_from is None)
    fields = {"iccid": iccid, "imsi": imsi, "sim_type": sim_type, "amf": amf, "description": description,
              "hlr": hlr, "managed_by": managed_by}
    with writing(settings, quiet=json_out) as con:
        result = add_card(con, settings, fields, custom, secrets, actor)
    report_result(result, json_out, quiet=False)
    if result.status == "rejected":
        raise typer.Exit(1)


@app.command("files")
def files_cmd(json_out: bool = JSON) -> None:
    """List the ingested-files ledger: name, content hash, when, actor, counts, vendor header.

    Example: sim-pipeline files --json
    """
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        rows = ledger.list_files(con)
    for row in rows:
        if json_out:
            emit_json(row)
        else:
            header = row.get("header") or {}
            vendor = "".join(f" {k}={v}" for k, v in header.items() if k in ledger.HEADER_KEYS_SHOWN)
            emit_text(f"{row['ingested_at']:%Y-%m-%d %H:%M:%S}  {row['kind']:6} {row['file']}  "
                      f"{row['sha256'][:12]}  {row['actor']}  rows={row['rows']} added={row['added']} "
                      f"removed={row['removed']} changed={row['changed']} warnings={row['warnings']}{vendor}")
