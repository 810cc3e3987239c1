"""report: the monthly sales-channel report (HTML, CSV and PDF files; the numbers with --json)."""

from __future__ import annotations

from pathlib import Path

import typer

from sim_pipeline.actor import Actor
from sim_pipeline.report.channels import build_report
from sim_pipeline.cli.app import app, fail
from sim_pipeline.cli.options import AS_ACTOR, JSON
from sim_pipeline.cli.output import emit_json, emit_text
from sim_pipeline.store.db import open_inventory
from sim_pipeline.report.period import parse_month
from sim_pipeline.report.render import report_json, start_loading_pdf_engine, write_report
from sim_pipeline.settings import Settings


def _month(value: str) -> str:
    try:
        parse_month(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value.strip()


@app.command("report")
def report_cmd(
    month: str = typer.Option(..., "--month", callback=_month, metavar="YYYY-MM",
                              help="The month; the current month is reported up to now."),
    out: Path = typer.Option(None, "--out", metavar="DIR",
                             help="Folder for the files (default: reports/ in the working folder)."),
    as_actor: str = AS_ACTOR,
    json_out: bool = JSON,
) -> None:
    """Write the sales-channel report of one month: channel-report-YYYY-MM.html, .pdf, .xlsx, .csv, .json.

    Cards in use, newly assigned, in stock and disposed per distributor, representative, direct sale and
    custom field (`[report] channel_fields`), at the end of the month (midnight in `[report] timezone`),
    from the change history: a past month's report never changes. With --as reseller:NAME, only NAME's
    cards (files end in -reseller-NAME). Rebuilds the folder's index.html (index-reseller-NAME.html).

    Example: sim-pipeline report --month 2025-10 --json
    """
    settings = Settings.from_env()
    scope = Actor.parse(as_actor)
    start_loading_pdf_engine()
    with open_inventory(settings) as con:
        report = build_report(con, settings, month, scope)
    folder = out if out is not None else settings.home / "reports"
    try:
        files = write_report(report, folder)
    except OSError as exc:
        raise fail(f"cannot write the report into {folder}: {exc.strerror or exc}; choose another --out") from None
    if json_out:
        emit_json(report_json(report, files.as_dict()))
        return
    active = report.dimensions[0].total.active if report.dimensions else 0
    when = "now" if report.period.is_current else "at month end"
    emit_text(f"channel report {report.period.month} for {report.scope.label}: {active:,} cards in use {when}")
    for path in (files.html, files.pdf, files.xlsx, files.csv, files.json, files.index):
        emit_text(f"  {path}")
