"""Ingesting one upload file: read, validate, check against the inventory, merge. All or nothing.

`ingest_file(con, settings, path, actor)` returns an IngestResult: accepted (the cards, their history,
their events and the ledger row committed in one transaction), rejected (nothing written but the
rejection report), or duplicate (the same content was ingested before; nothing done).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import duckdb
import polars as pl

from schemas.vocabulary import CUSTOM_PREFIX, SECRET_COLUMNS, UPLOAD_ACTIONS
from sim_pipeline import outbox, queries, secret_store
from sim_pipeline.actor import ADMINISTRATOR, Actor
from sim_pipeline.columns import display
from sim_pipeline.drop_reader import LINE, Drop, read_drop
from sim_pipeline.errors import FileRejected, Problem
from sim_pipeline.rejections import report_path, summarise_warnings, write_report
from sim_pipeline.secret_box import load_key
from sim_pipeline.settings import Settings
from sim_pipeline.validate import WARNING_SCHEMA, check_cells, normalise

STAGED_COLUMNS = ("line", "action", "iccid", "imsi", "sim_type", "amf", "description", "hlr", "managed_by", "custom")


@dataclass
class IngestResult:
    file: str
    status: str                      # accepted | rejected | duplicate
    rows: int = 0
    added: int = 0
    removed: int = 0
    events: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    report: str | None = None
    sha256: str = ""
    ingested_at: datetime | None = None
    header: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "status": self.status, "rows": self.rows, "added": self.added,
            "removed": self.removed, "events": self.events, "warnings": self.warnings,
            "errors": [{"line": p.line, "column": p.column, "value": p.value, "reason": p.reason}
                       for p in self.errors],
            "report": self.report, "sha256": self.sha256,
            "ingested_at": self.ingested_at.isoformat() if self.ingested_at else None,
            "header": self.header, "notes": self.notes,
        }


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


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    path: Path,
    actor: Actor = ADMINISTRATOR,
    step: Callable[[str], None] = lambda _: None,
) -> IngestResult:
    """Ingest one file: skipped when its content was ingested before, else read and ingest_drop."""
    name = path.name
    sha = file_sha256(path) if path.is_file() else ""
    if sha and (when := previous_ingest(con, sha, "upload")) is not None:
        return IngestResult(name, "duplicate", sha256=sha, ingested_at=when)
    step("reading")
    try:
        drop = read_drop(path)
    except FileRejected as exc:
        return _rejected(settings, name, sha, settings.now(), exc.problems, rows=0)
    return ingest_drop(con, settings, drop, actor, sha=sha, step=step)


def ingest_drop(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    drop: Drop,
    actor: Actor = ADMINISTRATOR,
    sha: str = "",
    step: Callable[[str], None] = lambda _: None,
) -> IngestResult:
    """Validate and merge rows already read. `sha` (the file's hash) puts the file in the ledger."""
    name = drop.path.name
    now = settings.now()
    result = IngestResult(name, "accepted", rows=drop.rows, sha256=sha, header=drop.header,
                          notes=[p.reason for p in drop.notes])
    step("validating")
    frame = normalise(drop.frame)
    cells = check_cells(frame, name, settings.iccid_check)
    errors = _custom_field_errors(con, drop, name)
    if not errors:  # a file-level problem: the cells cannot be read as the file meant them
        frame, managed_errors = _prepare(frame, actor, name, _custom_names(con))
        step("checking against the inventory")
        con.register("staged_upload", frame.select(STAGED_COLUMNS))
        try:
            errors = sorted(cells.errors + managed_errors + _cross_row_errors(con, name, actor),
                            key=lambda p: (p.line or 0, p.column))
            if not errors:
                step("merging")
                _merge(con, settings, frame, drop, result, actor, now, cells.warnings.height)
        finally:
            con.unregister("staged_upload")
    if errors:
        return _rejected(settings, name, sha, now, errors, rows=drop.rows, warnings=cells.warnings)
    result.warnings = summarise_warnings(cells.warnings)
    if cells.warnings.height:
        path_ = report_path(settings.home, name, now, kind="warnings")
        result.report = str(write_report(path_, name, [], cells.warnings))
    return result


def _rejected(settings: Settings, name: str, sha: str, now: datetime, errors: list[Problem], rows: int,
              warnings: pl.DataFrame | None = None) -> IngestResult:
    warnings = warnings if warnings is not None else pl.DataFrame(schema=WARNING_SCHEMA)
    path = write_report(report_path(settings.home, name, now), name, errors, warnings)
    return IngestResult(name, "rejected", rows=rows, errors=errors, report=str(path), sha256=sha,
                        warnings=summarise_warnings(warnings))


def _custom_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Defined custom fields by lower-cased name -> the name as defined."""
    return {n.lower(): n for (n,) in con.execute("select name from custom_fields").fetchall()}


def _custom_field_errors(con: duckdb.DuckDBPyConnection, drop: Drop, name: str) -> list[Problem]:
    defined = _custom_names(con)
    return [
        Problem(name, 1, display(c), "", f"custom field {c[len(CUSTOM_PREFIX):]!r} is not defined "
                f"(define it first: sim-pipeline fields add {c[len(CUSTOM_PREFIX):]!r})")
        for c in drop.frame.columns
        if c.startswith(CUSTOM_PREFIX) and c[len(CUSTOM_PREFIX):].lower() not in defined
    ]


def _prepare(frame: pl.DataFrame, actor: Actor, name: str,
             custom_names: dict[str, str]) -> tuple[pl.DataFrame, list[Problem]]:
    """Canonical values for the merge: action, managed_by, SIM type, custom values as one JSON object."""
    for col in ("action", "amf", "description", "hlr", "managed_by", "sim_type", "activation_code"):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.Utf8).alias(col))
    managed = pl.col("managed_by")
    if actor.is_admin:
        managed_expr = (pl.when(managed.is_null() | (managed.str.to_lowercase() == "administrator only"))
                        .then(pl.lit(actor.managed_by)).otherwise(managed))
    else:
        managed_expr = pl.lit(actor.managed_by)
    errors = []
    if not actor.is_admin:
        foreign = frame.filter(managed.is_not_null() & (managed != actor.reseller))
        errors = [Problem(name, line, "Managed by", value or "",
                          f"must be empty or {actor.reseller!r} in a reseller's upload")
                  for line, value in foreign.select(LINE, "managed_by").iter_rows()]
    custom_cols = [c for c in frame.columns if c.startswith(CUSTOM_PREFIX)]
    custom_expr = (
        pl.struct([pl.col(c).alias(custom_names[c[len(CUSTOM_PREFIX):].lower()]) for c in custom_cols])
        .struct.json_encode() if custom_cols else pl.lit(None, pl.Utf8)
    )
    sim_type = pl.col("sim_type").str.to_lowercase()
    frame = frame.with_columns(
        # An unknown action is already a cell error; null keeps it out of the inventory checks.
        action=pl.when(pl.col("action").is_null()).then(pl.lit("add"))
        .otherwise(pl.col("action").str.to_lowercase().replace_strict(UPLOAD_ACTIONS, default=None)),
        managed_by=managed_expr,
        sim_type=pl.when(sim_type == "esim").then(pl.lit("eSIM"))
        .when(sim_type == "sim").then(pl.lit("SIM"))
        .when(pl.col("activation_code").is_not_null()).then(pl.lit("eSIM"))
        .otherwise(pl.lit("SIM")),
        custom=custom_expr,
    )
    return frame, errors


def _cross_row_errors(con: duckdb.DuckDBPyConnection, name: str, actor: Actor) -> list[Problem]:
    found = queries.rows(con, "upload_duplicates_in_file") + queries.rows(
        con, "upload_conflicts_with_inventory", reseller=actor.reseller)
    found.sort(key=lambda r: (r["line"], r["column_name"]))
    return [Problem(name, r["line"], r["column_name"], r["value"] or "", r["reason"]) for r in found]


def _merge(con: duckdb.DuckDBPyConnection, settings: Settings, frame: pl.DataFrame, drop: Drop,
           result: IngestResult, actor: Actor, now: datetime, warning_count: int) -> None:
    """One transaction: secrets sealed, cards inserted/deleted, history, outbox, ledger."""
    adds = frame.filter(pl.col("action") == "add")
    secrets = adds.select("iccid", *[c for c in SECRET_COLUMNS if c in adds.columns])
    key = load_key(settings.secret_key, settings.key_path) if secrets.width > 1 else None
    params = {"now": now, "file": drop.path.name}
    con.begin()
    try:
        refs = secret_store.seal(con, key, secrets) if key else secret_store.seal(con, None, secrets.select("iccid"))
        con.register("staged_secret_refs", refs)
        first_seq = outbox.last_history_seq(con)
        queries.run(con, "upload_history_rows", actor=actor.label, **params)
        queries.run(con, "delete_removed_cards")
        queries.run(con, "insert_uploaded_cards", **params)
        result.events = outbox.enqueue(con, settings, first_seq)
        result.added = adds.height
        result.removed = frame.height - adds.height
        if result.sha256:
            _record_in_ledger(con, result, drop, actor, frame.height, warning_count, now)
        con.commit()
    except Exception:
        con.rollback()
        raise
    finally:
        try:
            con.unregister("staged_secret_refs")
        except duckdb.Error:
            pass


def _record_in_ledger(con: duckdb.DuckDBPyConnection, result: IngestResult, drop: Drop, actor: Actor,
                      rows: int, warning_count: int, now: datetime) -> None:
    con.execute(
        "insert into ingested_files values ($sha, $file, 'upload', $now, $actor, $rows, $added, $removed, 0, "
        "$warnings, $header)",
        {"sha": result.sha256, "file": drop.path.name, "now": now, "actor": actor.label, "rows": rows,
         "added": result.added, "removed": result.removed, "warnings": warning_count,
         "header": json.dumps(drop.header) if drop.header else None},
    ).fetchall()
