"""Checking one upload file without the inventory: what a worker of the fan-out does.

Reading, the per-cell checks and the duplicates within the file need no inventory, so many files can
be checked at once, on other cores or other machines (Prefect's Dask task runner), while the merge
stays with the one writer. Each check stages the file in a scratch DuckDB of its own (in memory) for
the set-based duplicate check, and hands back only the file's name, its verdict and its problems as
text; a rejected file's report is written like ingest's (rejections/), ready to move beside it.
The writer still runs every check again in ingest_file (against the inventory too): a file passing
here can still be rejected there, a file failing here is never merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from sim_pipeline.store import queries
from sim_pipeline.readers.dispatch import read_drop
from sim_pipeline.errors import FileRejected, Problem
from sim_pipeline.rejections import write_rejection
from sim_pipeline.settings import Settings
from sim_pipeline.ingest.validate import check_cells, normalise

FIRST_PROBLEMS = 5


@dataclass
class PreCheck:
    """The verdict on one file: `valid` (the writer may take it) or `rejected` (with its report)."""

    path: str
    status: str  # valid | rejected
    rows: int = 0
    problem_count: int = 0
    problems: list[str] = field(default_factory=list)  # the first few, as file:line: column: reason
    report: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "status": self.status, "rows": self.rows, "problem_count": self.problem_count,
                "problems": self.problems, "report": self.report}


def precheck_file(settings: Settings, path: Path) -> PreCheck:
    """Read and check `path` as an upload; nothing is written but a rejection report."""
    path = Path(path)
    name = path.name
    try:
        drop = read_drop(path)
    except FileRejected as exc:
        return _rejected(settings, path, exc.problems, rows=0)
    frame = normalise(drop.frame)
    cells = check_cells(frame, name, settings.iccid_check)
    errors = sorted(cells.errors + _duplicates_in_file(frame, name), key=lambda p: (p.line or 0, p.column))
    if errors:
        return _rejected(settings, path, errors, rows=drop.rows, warnings=cells.warnings)
    return PreCheck(str(path), "valid", rows=drop.rows)


def _duplicates_in_file(frame: pl.DataFrame, name: str) -> list[Problem]:
    """The same SQL as ingest's in-file check, on a scratch in-memory database of this worker's own."""
    if "iccid" not in frame.columns or "imsi" not in frame.columns:
        return []  # a missing mandatory column is already a cell error
    with duckdb.connect(":memory:") as scratch:
        scratch.register("staged_upload", frame.select("line", "iccid", "imsi"))
        found = queries.rows(scratch, "upload_duplicates_in_file")
    return [Problem(name, r["line"], r["column_name"], r["value"] or "", r["reason"]) for r in found]


def _rejected(settings: Settings, path: Path, errors: list[Problem], rows: int,
              warnings: pl.DataFrame | None = None) -> PreCheck:
    report = write_rejection(settings.home, path.name, settings.now(), errors, warnings)
    return PreCheck(str(path), "rejected", rows=rows, problem_count=len(errors),
                    problems=[str(p) for p in errors[:FIRST_PROBLEMS]], report=str(report))
