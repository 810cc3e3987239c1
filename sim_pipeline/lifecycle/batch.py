"""Applying one batch file: skipped when its content was applied before, else read, checked cell by
cell, and applied all or nothing (sim_pipeline.lifecycle).

`apply_file(con, settings, path, actor, dry_run, force)` returns an ApplyResult: accepted, rejected
(nothing written but the rejection report) or duplicate (the same content was applied before).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from sim_pipeline.actor import ADMINISTRATOR, Actor
from sim_pipeline.readers.batch_reader import read_batch
from sim_pipeline.lifecycle.batch_rows import check_rows, to_operations
from sim_pipeline.errors import FileRejected, Problem
from sim_pipeline.store.ledger import file_sha256, previous_ingest
from sim_pipeline.lifecycle import ApplyResult, apply_operations
from sim_pipeline.rejections import write_rejection
from sim_pipeline.settings import Settings



def _rejected(settings: Settings, name: str, sha: str, errors: list[Problem], rows: int,
              dry_run: bool) -> ApplyResult:
    path = write_rejection(settings.home, name, settings.now(), errors)
    return ApplyResult(name, "rejected", rows=rows, errors=errors, report=str(path), sha256=sha, dry_run=dry_run)


def apply_file(con: duckdb.DuckDBPyConnection, settings: Settings, path: Path, actor: Actor = ADMINISTRATOR,
               dry_run: bool = False, force: bool = False) -> ApplyResult:
    """Apply one batch file (CSV or XLSX, one operation per row, in file order) as `actor`."""
    name = path.name
    sha = file_sha256(path) if path.is_file() else ""
    if sha and not force and (when := previous_ingest(con, sha, "batch")) is not None:
        return ApplyResult(name, "duplicate", sha256=sha, applied_at=when, dry_run=dry_run)
    try:
        batch = read_batch(path)
    except FileRejected as exc:
        return _rejected(settings, name, sha, exc.problems, 0, dry_run)
    errors = check_rows(batch.frame, name)
    if errors:
        return _rejected(settings, name, sha, errors, batch.rows, dry_run)
    ops = to_operations(batch.frame)
    return apply_operations(con, settings, ops, actor, name, dry_run=dry_run, sha256=sha)
