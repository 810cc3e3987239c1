"""What `apply` and the group-operation commands share: building the operation rows a batch file would
hold (one row, its cards picked by the command's filter), applying them, and printing an ApplyResult.

The batch schema and the lifecycle engine (pandera, polars) are imported by the commands that run them:
`sim-pipeline report` or `list` do not pay for loading them."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from sim_pipeline.actor import Actor
from sim_pipeline.cli.app import fail
from sim_pipeline.cli.filters import FilterOptions
from sim_pipeline.cli.output import emit_json, emit_text, rejection
from sim_pipeline.cli.writing import writing
from sim_pipeline.errors import FileRejected
from sim_pipeline.settings import Settings

if TYPE_CHECKING:
    import polars as pl

    from sim_pipeline.store.card_filter import CardFilter
    from sim_pipeline.lifecycle import ApplyResult

MAX_ERRORS_SHOWN = 20


def _transitions_text(r: ApplyResult) -> str:
    parts = [f"{t['old_status']} -> {t['new_status'] or 'deleted'}: {t['count']}" for t in r.transition_list()]
    return ", ".join(parts) if parts else "nothing to change"


def summary(r: ApplyResult) -> str:
    if r.status == "duplicate":
        return (f"{r.file}: already applied at {r.applied_at:%Y-%m-%d %H:%M:%S} UTC; skipped "
                "(--force applies it again)")
    if r.status == "rejected":
        head = f"{r.file}: rejected, {len(r.errors)} problem{'s' if len(r.errors) != 1 else ''}; nothing written"
        return head + (f"; report: {r.report}" if r.report else "")
    cards = f"{r.changed} card{'s' if r.changed != 1 else ''}"
    rows = f"{r.rows} row{'s' if r.rows != 1 else ''}"
    if r.dry_run:
        return f"{r.file}: dry run, {rows}: {cards} would change ({_transitions_text(r)}); nothing written"
    return f"{r.file}: accepted, {rows}: {cards} changed ({_transitions_text(r)}), {r.events} events"


def report(r: ApplyResult, json_out: bool, quiet: bool = False) -> None:
    """JSON on stdout, or a summary on stdout; problems and the rejection on stderr."""
    if json_out:
        emit_json(r.to_json())
    if r.status == "rejected":
        rejection(r.errors, r.report, summary(r), MAX_ERRORS_SHOWN)
    elif not json_out:
        emit_text(summary(r))


def read_pin(pin_from: str | None) -> str | None:
    """A PIN from standard input (`--pin-from -`): never from the command line, where `ps` shows it."""
    if pin_from is None:
        return None
    if pin_from != "-":
        raise fail("--pin-from takes '-' (standard input) only")
    for line in sys.stdin:
        if line.strip():
            return line.strip()
    raise fail("--pin-from -: standard input holds no PIN")


def _frame(action: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    import polars as pl

    from schemas.batch_file import COLUMNS, normalise_action
    from sim_pipeline.readers.common import LINE

    custom = sorted({k for r in rows for k in r if k.startswith("custom:")})
    schema = {c: pl.Utf8 for c in (*COLUMNS, *custom)} | {LINE: pl.Int64}
    full = [{**{c: None for c in schema}, **r, "action": action} for r in rows]
    frame = pl.DataFrame(full, schema=schema)
    return frame.with_columns(normalise_action(pl.col("action")).alias("action"))


def run_group(command: str, action: str, filters: FilterOptions, params: dict[str, Any], *, as_actor: str,
              dry_run: bool, json_out: bool, all_cards: bool, account_id: str | None = None,
              iccids: list[str] | None = None) -> None:
    """Select cards by the filter (or the ICCIDs given), apply `action` with `params` as one operation
    row per selector, print the result; exit 1 when refused."""
    from sim_pipeline.lifecycle.batch_rows import check_rows, to_operations
    from sim_pipeline.lifecycle import apply_operations

    actor = Actor.parse(as_actor)
    card_filter: CardFilter = filters.to_filter(actor)
    card_filter.account_id = account_id
    if iccids and not card_filter.is_empty():
        raise typer.BadParameter(f"{command}: give ICCIDs or filters, not both")
    if not iccids and card_filter.is_empty() and not all_cards:
        raise typer.BadParameter(f"{command}: no filter selects the cards: name them (--iccid-from/--iccid-to, "
                               "--status, ...) or pass --all to act on every card you manage")
    params = {k: v for k, v in params.items() if v is not None}
    source = f"sim-pipeline {command}"
    if iccids:
        frame = _frame(action, [{"iccid": i.strip(), **params} for i in iccids])
    else:
        frame = _frame(action, [params])
    problems = check_rows(frame, source, selectors=bool(iccids))
    if problems:
        raise FileRejected(source, problems)
    ops = to_operations(frame) if iccids else to_operations(frame, base_filter=card_filter)
    settings = Settings.from_env()
    with writing(settings, quiet=json_out) as con:
        result = apply_operations(con, settings, ops, actor, source, dry_run=dry_run)
    report(result, json_out)
    if result.status == "rejected":
        raise typer.Exit(1)
