"""Retention: cards Disposed for more than SIM_cards.KeepDisposedSIMDays days leave the inventory.

`cleanup(con, settings, as_of, dry_run)` deletes the cards whose disposal instant is earlier than
`as_of - keep_disposed_days`, writing one deletion row per card to the change history (the card's
earlier history stays: audits and reports of past months read it) and the subscribed events, all in
one transaction. Returns a CleanupResult: how many cards it deleted (or would delete, dry run).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from schemas.vocabulary import DISPOSED
from sim_pipeline.actor import ADMINISTRATOR
from sim_pipeline.store.card_filter import CardFilter
from sim_pipeline.errors import OperationRefused
from sim_pipeline.lifecycle import Operation, apply_operations
from sim_pipeline.settings import Settings

SOURCE = "retention cleanup"  # the source_file of its history rows (and `data.batch.file` of its events)


@dataclass
class CleanupResult:
    as_of: datetime
    keep_disposed_days: int
    disposed_before: datetime  # cards disposed before this instant go
    deleted: int  # with dry_run: how many would be deleted
    events: int = 0
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(), "keep_disposed_days": self.keep_disposed_days,
            "disposed_before": self.disposed_before.isoformat(), "dry_run": self.dry_run,
            "deleted": self.deleted, "events": self.events,
        }


def reason(keep_days: int) -> str:
    """The reason written on each deletion row."""
    return f"retention: disposed more than {keep_days} days"


def cleanup(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: datetime | None = None,
            dry_run: bool = False) -> CleanupResult:
    """Delete (or count, with dry_run) the cards Disposed before `as_of` minus the retention period.

    One `delete` operation of the lifecycle engine (the same code path as a batch file's delete rows,
    so the status table decides), selecting Disposed cards by their disposal instant. `as_of` defaults
    to settings.now(); a later instant is refused unless dry_run, since it would delete cards before
    their retention period is over.
    """
    now = settings.now()
    as_of = now if as_of is None else as_of
    if as_of > now and not dry_run:
        raise OperationRefused(
            f"--as-of {as_of.isoformat()} is later than now ({now.isoformat(timespec='seconds')}): it would delete "
            "cards before their retention period is over (use --dry-run to preview)"
        )
    keep = settings.keep_disposed_days
    disposed_before = as_of - timedelta(days=keep)
    expired = CardFilter(status=[DISPOSED], disposed_before=disposed_before)
    op = Operation("delete", filter=expired, params={"reason": reason(keep)})
    applied = apply_operations(con, settings, [op], ADMINISTRATOR, SOURCE, dry_run=dry_run)
    if applied.status != "accepted":
        first = applied.errors[0] if applied.errors else "rejected"
        raise OperationRefused(f"retention cleanup refused: {first} (report: {applied.report})")
    return CleanupResult(as_of, keep, disposed_before, deleted=applied.deleted, events=applied.events,
                         dry_run=dry_run)


def summary(result: CleanupResult) -> str:
    """One line for a person."""
    cards = f"{result.deleted} card{'s' if result.deleted != 1 else ''}"
    when = (f"Disposed before {result.disposed_before:%Y-%m-%d %H:%M:%S} UTC "
            f"(KeepDisposedSIMDays={result.keep_disposed_days})")
    if result.dry_run:
        return f"Would delete {cards} {when}; nothing changed (dry run)"
    return f"deleted {cards} {when}" + (f", {result.events} events" if result.events else "")
