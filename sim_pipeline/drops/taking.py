"""Taking inbox files: each one ingested or applied (committed), then filed under processed/ or
rejected/; one pass over the inbox is `scan`.

The inventory commits before the file moves: after a crash between the two the file is still in the
inbox, the ledger (content hash) recognises it on the next scan and it moves to processed/ as a
duplicate, never applied twice and never lost.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import duckdb

from sim_pipeline.actor import Actor
from sim_pipeline.drops.filing import to_processed, to_rejected
from sim_pipeline.drops.listing import InboxFile, Refused, list_inbox
from sim_pipeline.errors import SimPipelineError
from sim_pipeline.ingest.upload import ingest_file
from sim_pipeline.lifecycle.batch import apply_file
from sim_pipeline.settings import Settings
from sim_pipeline.store import resellers

FIRST_PROBLEMS = 5  # problems quoted in an outcome (the whole list is in the report file)


@dataclass
class Outcome:
    """What became of one inbox entry; names and counts only, never card values beyond the problems'
    file:line: column: reason text (secrets are masked there)."""

    file: str
    folder: str
    status: str  # accepted | duplicate | rejected | refused | left | failed | gone
    moved_to: str | None = None  # relative to the working folder
    report: str | None = None  # relative to the working folder
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    message: str = ""

    def summary(self) -> str:
        where = f"{self.folder}/{self.file}" if self.folder else self.file
        if self.status == "accepted":
            counts = ", ".join(f"{v} {k}" for k, v in self.counts.items() if v)
            return f"{where}: accepted ({counts or 'no changes'}); moved to {self.moved_to}"
        if self.status == "duplicate":
            return f"{where}: duplicate of a file taken {self.message}; nothing applied; moved to {self.moved_to}"
        if self.status == "rejected":
            head = f"{where}: rejected, {self.problem_count} problem{'s' if self.problem_count != 1 else ''}"
            first = f"; first: {self.problems[0]}" if self.problems else ""
            return f"{head}{first}; moved to {self.moved_to}, report {self.report}"
        if self.status == "refused":
            return f"{where}: refused ({self.message}); moved to {self.moved_to}"
        if self.status == "left":
            return f"{where}: left in the inbox ({self.message})"
        if self.status == "gone":
            return f"{where}: taken by another run meanwhile"
        return f"{where}: failed ({self.message}); left in the inbox for the next scan"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "folder": self.folder, "status": self.status, "moved_to": self.moved_to,
                "report": self.report, "counts": self.counts, "problem_count": self.problem_count,
                "problems": self.problems, "message": self.message}


Handler = Callable[[duckdb.DuckDBPyConnection, Settings, Path, Actor], Any]


def handler_for(kind: str) -> Handler:
    """The library function that takes a file of this kind: ingest for uploads, the batch engine for batches."""
    return ingest_file if kind == "upload" else apply_file


def take(con: duckdb.DuckDBPyConnection, settings: Settings, item: InboxFile,
         handler: Handler | None = None) -> Outcome:
    """Ingest or apply one inbox file (committed), then move it to processed/ or rejected/.

    The caller holds the inventory lock (db.open_inventory), so no other run takes the same file.
    """
    base = Outcome(item.path.name, item.folder, "gone")
    if not item.path.is_file() or item.path.is_symlink():
        return base
    at = settings.now()
    try:
        result = (handler or handler_for(item.kind))(con, settings, item.path, item.actor)
    except SimPipelineError as exc:
        base.status, base.message = "failed", str(exc)
        return base
    status = result.status
    if status == "rejected":
        errors = list(getattr(result, "errors", []) or [])
        report = getattr(result, "report", None)
        return reject(settings, item, Path(report) if report else None,
                      [str(p) for p in errors[:FIRST_PROBLEMS]], len(errors))
    moved = to_processed(settings, item, at)
    warnings = getattr(result, "report", None)
    outcome = Outcome(item.path.name, item.folder, status, _rel(settings, moved),
                      _rel(settings, Path(warnings)) if warnings else None, counts=_counts(result))
    if status == "duplicate":
        when = getattr(result, "ingested_at", None) or getattr(result, "applied_at", None)
        outcome.message = f"at {when:%Y-%m-%d %H:%M:%S} UTC" if when else "before"
    return outcome


def reject(settings: Settings, item: InboxFile, report: Path | None, problems: list[str],
           problem_count: int) -> Outcome:
    """Move a file found wrong (nothing of it committed) to rejected/, its report beside it."""
    moved, beside = to_rejected(settings, item.path, item.folder, settings.now(), report=report)
    return Outcome(item.path.name, item.folder, "rejected", _rel(settings, moved), _rel(settings, beside),
                   problems=problems[:FIRST_PROBLEMS], problem_count=problem_count)


def refuse(settings: Settings, refused: Refused) -> Outcome:
    """Move a refused entry (never following it) to rejected/ with its reason, or report it left."""
    if not refused.move:
        return Outcome(refused.path.name, refused.folder, "left", message=refused.reason)
    if not os.path.lexists(refused.path):
        return Outcome(refused.path.name, refused.folder, "gone")
    moved, beside = to_rejected(settings, refused.path, refused.folder, settings.now(), reason=refused.reason)
    return Outcome(refused.path.name, refused.folder, "refused", _rel(settings, moved), _rel(settings, beside),
                   problems=[refused.reason], problem_count=1, message=refused.reason)


def scan(con: duckdb.DuckDBPyConnection, settings: Settings, now: float | None = None,
         on_outcome: Callable[[Outcome], None] = lambda _: None) -> list[Outcome]:
    """One pass over the inbox: refuse what must be refused, take every complete file, in order.

    Files still being written (or not settled) are not touched and not reported.
    """
    listing = list_inbox(settings, resellers.names(con), now)
    outcomes = []
    for refused in listing.refused:
        outcomes.append(refuse(settings, refused))
        on_outcome(outcomes[-1])
    for item in listing.ready:
        try:
            outcomes.append(take(con, settings, item))
        except Exception as exc:  # noqa: BLE001 - one broken file must not hold up the files after it
            outcomes.append(Outcome(item.path.name, item.folder, "failed",
                                    message=f"unexpected {type(exc).__name__}: {exc}"))
        on_outcome(outcomes[-1])
    return outcomes


def _counts(result: Any) -> dict[str, int]:
    data = result.to_json() if hasattr(result, "to_json") else {}
    keys = ("rows", "added", "removed", "changed", "deleted", "events")
    return {k: int(data[k]) for k in keys if isinstance(data.get(k), int)}


def _rel(settings: Settings, path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return str(Path(path).relative_to(settings.home))
    except ValueError:
        return str(path)
