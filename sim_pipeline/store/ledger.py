"""The ingested-files ledger: every file taken in, by content hash. Read and written here only."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import duckdb

# Vendor header keys worth a glance in `files` (all of them are in --json).
HEADER_KEYS_SHOWN = ("Batch", "Batch No", "Quantity", "Transport_key", "Transport Key", "OP Key Index")


def list_files(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cur = con.execute(
        "select file_name, sha256, kind, ingested_at, actor, rows, added, removed, changed, warnings, header "
        "from ingested_files order by ingested_at, file_name"
    )
    out = []
    for name, sha, kind, at, actor, rows, added, removed, changed, warnings, header in cur.fetchall():
        out.append({"file": name, "sha256": sha, "kind": kind, "ingested_at": at, "actor": actor,
                    "rows": rows, "added": added, "removed": removed, "changed": changed,
                    "warnings": warnings, "header": json.loads(header) if header else {}})
    return out


def record(con: duckdb.DuckDBPyConnection, *, sha256: str, file_name: str, kind: str, at: datetime, actor: str,
           rows: int, added: int = 0, removed: int = 0, changed: int = 0, warnings: int = 0,
           header: dict[str, str] | None = None) -> None:
    """One ledger row for a file taken in (`kind`: upload | batch), in the caller's transaction, by name."""
    con.execute(
        "insert into ingested_files by name select $sha256 as sha256, $file_name as file_name, $kind as kind, "
        "$at as ingested_at, $actor as actor, $rows as rows, $added as added, $removed as removed, "
        "$changed as changed, $warnings as warnings, $header::json as header",
        {"sha256": sha256, "file_name": file_name, "kind": kind, "at": at, "actor": actor, "rows": rows,
         "added": added, "removed": removed, "changed": changed, "warnings": warnings,
         "header": json.dumps(header) if header else None},
    ).fetchall()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def previous_ingest(con: duckdb.DuckDBPyConnection, sha256: str, kind: str) -> datetime | None:
    row = con.execute(
        "select min(ingested_at) from ingested_files where sha256 = $sha and kind = $kind",
        {"sha": sha256, "kind": kind},
    ).fetchall()
    return row[0][0]
