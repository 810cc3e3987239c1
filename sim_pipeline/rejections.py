"""Rejection reports: one CSV line per problem (file, line, column, masked value, reason).

Written under the working folder's rejections/; warnings of an accepted file go to a report too,
so that a 10M-line list never floods the screen.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import polars as pl

from sim_pipeline.errors import Problem
from sim_pipeline.export_safety import neutralise_expr

COLUMNS = ["severity", "file", "line", "column", "value", "reason"]
# Problems and warnings travel as frames of this schema (line, column, shown value, reason): a file with a
# million bad cells is described with polars expressions, never a Python loop per cell.
WARNING_SCHEMA = {"line": pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8}
PROBLEM_SCHEMA = WARNING_SCHEMA


def no_warnings() -> pl.DataFrame:
    return pl.DataFrame(schema=WARNING_SCHEMA)


def write_rejection(home: Path, file_name: str, at: datetime, errors: list[Problem],
                    warnings: pl.DataFrame | None = None, kind: str = "rejections") -> Path:
    """The one way a refused file (upload, batch, pre-check, command) gets its report; returns its path."""
    warnings = no_warnings() if warnings is None else warnings
    return write_report(report_path(home, file_name, at, kind), file_name, errors, warnings)


def report_path(home: Path, file_name: str, at: datetime, kind: str = "rejections") -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", file_name)[:120]
    return home / "rejections" / f"{at:%Y%m%dT%H%M%S}-{safe}.{kind}.csv"


def write_report(path: Path, file_name: str, errors: list[Problem], warnings: pl.DataFrame) -> Path:
    """Write errors then warnings; text cells are neutralised for spreadsheets. Atomic (tmp + rename)."""
    err = pl.DataFrame(
        {
            "severity": ["error"] * len(errors),
            "file": [p.file for p in errors],
            "line": [p.line for p in errors],
            "column": [p.column for p in errors],
            "value": [p.value for p in errors],
            "reason": [p.reason for p in errors],
        },
        schema={"severity": pl.Utf8, "file": pl.Utf8, "line": pl.Int64, "column": pl.Utf8,
                "value": pl.Utf8, "reason": pl.Utf8},
    )
    warn = warnings.select(
        pl.lit("warning").alias("severity"), pl.lit(file_name).alias("file"),
        pl.col("line").cast(pl.Int64), "column", "value", "reason",
    )
    frame = pl.concat([err, warn]).with_columns(
        [neutralise_expr(pl.col(c)).alias(c) for c in ("file", "column", "value", "reason")]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    frame.write_csv(tmp)
    tmp.replace(path)
    return path


def summarise_warnings(warnings: pl.DataFrame, first: int = 5) -> list[dict]:
    """Per column and rule: count and the first few lines (what the screen and --json show)."""
    if warnings.height == 0:
        return []
    agg = (
        warnings.group_by("column", "reason")
        .agg(pl.len().alias("count"), pl.col("line").sort().head(first).alias("lines"))
        .sort("column", "reason")
    )
    return [
        {"column": r["column"], "rule": r["reason"], "count": r["count"], "lines": r["lines"]}
        for r in agg.iter_rows(named=True)
    ]
