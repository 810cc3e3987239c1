"""Adding one card by hand: the same validation and merge as an upload row (line 1 of 'manual add')."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TextIO

import duckdb
import polars as pl

from schemas.vocabulary import CUSTOM_PREFIX, SECRET_COLUMNS
from sim_pipeline.actor import Actor
from sim_pipeline.readers.dispatch import LINE, Drop
from sim_pipeline.errors import SimPipelineError
from sim_pipeline.ingest.upload import IngestResult, ingest_parsed
from sim_pipeline.settings import Settings

SOURCE = "manual add"


def read_secrets(stream: TextIO | None, interactive: bool) -> dict[str, str]:
    """Secrets as NAME=VALUE lines from a stream, or prompted without echo on a terminal."""
    secrets: dict[str, str] = {}
    if stream is not None:
        for number, raw in enumerate(stream, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, value = line.partition("=")
            name = name.strip().lower()
            if not sep or name not in SECRET_COLUMNS:
                raise SimPipelineError(
                    f"standard input line {number}: expected NAME=VALUE with NAME one of {', '.join(SECRET_COLUMNS)}"
                )
            secrets[name] = value.strip()
    elif interactive and _stdin_is_terminal():
        for name in SECRET_COLUMNS:
            value = getpass.getpass(f"{name} (empty to skip): ").strip()
            if value:
                secrets[name] = value
    return secrets


def _stdin_is_terminal() -> bool:
    import sys

    return sys.stdin is not None and sys.stdin.isatty()


def add_card(con: duckdb.DuckDBPyConnection, settings: Settings, fields: dict[str, str | None],
             custom: list[str], secrets: dict[str, str], actor: Actor) -> IngestResult:
    """Validate and add one card; a rejection names 'manual add' line 1."""
    row: dict[str, str | None] = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    for item in custom:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SimPipelineError(f"--custom: expected NAME=VALUE, got {item!r}")
        row[CUSTOM_PREFIX + name.strip()] = value.strip() or None
    row.update(secrets)
    row = {k: (v or None) for k, v in row.items()}
    frame = pl.DataFrame({k: [v] for k, v in row.items()}, schema={k: pl.Utf8 for k in row}).with_columns(
        pl.lit(1, pl.Int64).alias(LINE)
    )
    return ingest_parsed(con, settings, Drop(Path(SOURCE), "manual", frame), actor)
