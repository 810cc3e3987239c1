"""Ingesting one upload file: read, validate, check against the inventory, merge. All or nothing.

`ingest_file(con, settings, path, actor)` returns an IngestResult: accepted (the cards, their history,
their events and the ledger row committed in one transaction), rejected (nothing written but the
rejection report), or duplicate (the same content was ingested before; nothing done).

The file is read once, in bounded slices (sim_pipeline.readers.blocks), so that memory does not grow with it,
inside one DuckDB transaction. Each slice is checked cell by cell (pandera); its keys (line, action,
ICCID, IMSI) go to `staged_upload`, a temporary table of a second connection (`checks`), and, while no
problem has been found, its secrets are sealed and its cards and their creation history inserted.
After the last slice the checks across rows (duplicates in the file, clashes with the inventory) run
in SQL on `checks`, which sees the inventory as committed, without this ingest's uncommitted cards.
Any problem: roll back, write the rejection report. None: removals, outbox, ledger, commit. A crash
before the commit leaves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb
import polars as pl

from schemas.vocabulary import CUSTOM_PREFIX, SECRET_COLUMNS, UPLOAD_ACTIONS
from sim_pipeline import status
from sim_pipeline.events import outbox
from sim_pipeline.store import custom_fields, ledger, queries
from sim_pipeline.sealing import columns as secret_store
from sim_pipeline.readers import blocks as staging
from sim_pipeline.actor import ADMIN_SPELLINGS, ADMINISTRATOR, Actor
from sim_pipeline.readers.columns import display
from sim_pipeline.readers.dispatch import LINE, Drop
from sim_pipeline.errors import FileRejected, Problem
from sim_pipeline.store.ledger import file_sha256, previous_ingest
from sim_pipeline.rejections import PROBLEM_SCHEMA, no_warnings, summarise_warnings, write_rejection
from sim_pipeline.sealing.key import SecretKey, load_key
from sim_pipeline.settings import Settings
from sim_pipeline.ingest.validate import cell_problems, normalise, problems_list

# On the checks connection: one row per file row, the columns the checks across rows read.
STAGED_DDL = """
create or replace temp table staged_upload (
    ordinal bigint,           -- 1.. in file order: the history row of this line is last seq + ordinal
    line bigint, action varchar, iccid varchar, imsi varchar
)
"""
KEY_COLUMNS = ("line", "action", "iccid", "imsi")  # what the checks across rows read
BATCH_COLUMNS = ("line", "iccid", "imsi", "sim_type", "amf", "description", "hlr", "managed_by", "custom")
# DuckDB's memory while ingesting (db.py allows more): two slices in flight in Python need the rest of
# a 1.5 GiB budget. Measured on a 10M-card file: 1.9 GiB peak at 1 GB, 1.3-1.5 GiB at 512 MB, same time.
INGEST_MEMORY_LIMIT = "512MB"


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


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    path: Path,
    actor: Actor = ADMINISTRATOR,
    step: Callable[[str], None] = lambda _: None,
) -> IngestResult:
    """Ingest one file: skipped when its content was ingested before, else read and ingested slice by slice."""
    name = path.name
    sha = file_sha256(path) if path.is_file() else ""
    if sha and (when := previous_ingest(con, sha, "upload")) is not None:
        return IngestResult(name, "duplicate", sha256=sha, ingested_at=when)
    for whole in (False, True):
        step("reading")
        try:
            upload = staging.open_upload(path, whole=whole)
        except FileRejected as exc:
            return _rejected(settings, name, sha, settings.now(), exc.problems, rows=0)
        try:
            return ingest_upload(con, settings, upload, actor, sha=sha, step=step)
        except staging.NotPlain:
            continue  # rolled back; read it again, whole, with drop_reader
    raise AssertionError("a whole read never raises NotPlain")


def ingest_parsed(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    drop: Drop,
    actor: Actor = ADMINISTRATOR,
    sha: str = "",
    step: Callable[[str], None] = lambda _: None,
) -> IngestResult:
    """Validate and merge rows already read. `sha` (the file's hash) puts the file in the ledger."""
    return ingest_upload(con, settings, staging.from_drop(drop), actor, sha=sha, step=step)


def ingest_upload(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    upload: staging.Upload,
    actor: Actor = ADMINISTRATOR,
    sha: str = "",
    step: Callable[[str], None] = lambda _: None,
) -> IngestResult:
    """Check and merge an upload slice by slice, in one transaction; reject it as a whole on any problem.

    Raises staging.NotPlain (nothing written) when a plain-CSV read meets what only drop_reader reads.
    """
    name = upload.path.name
    now = settings.now()
    result = IngestResult(name, "accepted", sha256=sha, header=upload.header, notes=[p.reason for p in upload.notes])
    custom_names = _custom_names(con)
    file_errors = _custom_field_errors(upload.columns, custom_names, name)
    checks = con.cursor()
    memory_limit = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"set memory_limit = '{INGEST_MEMORY_LIMIT}'").fetchall()
    try:
        queries.execute(checks, STAGED_DDL)
        con.begin()
        try:
            merged = _stage(con, checks, settings, upload, actor, custom_names, now, stage=not file_errors, step=step)
            result.rows = merged.rows
            if merged.rows == 0 and upload.plain:
                raise staging.NotPlain("no rows")  # drop_reader says what is wrong (no rows, blank lines only)
            if file_errors:
                errors = file_errors
            else:
                step("checking against the inventory")
                errors = problems_list(name, pl.concat([*merged.errors, _cross_row_errors(checks, actor)])
                                       .sort("line", "column", nulls_last=False))
            if errors:
                con.rollback()
                return _rejected(settings, name, sha, now, errors, rows=merged.rows, warnings=merged.warnings)
            step("merging")
            _finish(con, checks, settings, upload, result, actor, now, merged)
            con.commit()
        except BaseException:
            _rollback_quietly(con)
            raise
    finally:
        checks.close()
        con.execute(f"set memory_limit = '{memory_limit}'").fetchall()
    result.warnings = summarise_warnings(merged.warnings)
    if merged.warnings.height:
        result.report = str(write_rejection(settings.home, name, now, [], merged.warnings, kind="warnings"))
    return result


@dataclass
class _Staged:
    rows: int = 0
    added: int = 0
    first_seq: int = 0
    errors: list[pl.DataFrame] = field(default_factory=list)
    warnings: pl.DataFrame = field(default_factory=no_warnings)


def _stage(con: duckdb.DuckDBPyConnection, checks: duckdb.DuckDBPyConnection, settings: Settings,
           upload: staging.Upload, actor: Actor, custom_names: dict[str, str], now: datetime, stage: bool,
           step: Callable[[str], None]) -> _Staged:
    """Every slice: checked cell by cell, its keys staged on `checks`, and, while no problem is known,
    its secrets sealed and its cards with their creation history inserted (in `con`'s transaction).

    The slices are made ready (_ready_slices) by a thread of their own, one ahead of the inserts here.
    With `stage` off (a file-level problem), only the cell checks run (their warnings are reported).
    """
    out = _Staged(first_seq=outbox.last_history_seq(con))
    warnings = []
    card_params = {"now": now, "file": upload.path.name}
    history_params = {**card_params, "last_seq": out.first_seq, "actor": actor.label}
    ready = _ready_slices(upload, settings, actor, custom_names, stage, secret_store.next_chunk_id(con))
    for part in staging.in_background(ready):
        step("validating")
        out.errors.extend(part.errors)
        warnings.append(part.warnings)
        if part.keys is not None:
            _append_keys(checks, part.keys)
        if part.sealed is not None:
            secret_store.insert_sealed(con, part.key, part.sealed)
        if part.cards is not None:
            _insert_slice(con, part.cards, card_params, history_params)
        out.rows += part.rows
        out.added += part.added
    out.warnings = pl.concat(warnings) if warnings else out.warnings
    return out


@dataclass
class _Ready:
    """One slice, ready for the writer: its problems, its keys, and (while the file is clean) its cards
    with their secret refs and the sealed chunks to insert."""

    rows: int
    added: int
    errors: list[pl.DataFrame]
    warnings: pl.DataFrame
    keys: pl.DataFrame | None = None
    cards: pl.DataFrame | None = None
    sealed: secret_store.Sealed | None = None
    key: SecretKey | None = None


def _ready_slices(upload: staging.Upload, settings: Settings, actor: Actor, custom_names: dict[str, str],
                   stage: bool, first_chunk: int) -> Iterator[_Ready]:
    """The slices of `upload`, checked, prepared and sealed; no database access (it runs in a thread)."""
    rows, clean, next_chunk = 0, True, first_chunk
    key: SecretKey | None = None
    for part in upload.slices():
        part = normalise(part)
        cell_errors, cell_warnings = cell_problems(part, settings.iccid_check)
        ready = _Ready(part.height, 0, [cell_errors], cell_warnings)
        if stage:
            frame, managed_errors = _prepare(part, actor, custom_names)
            frame = frame.with_columns(_ordinals(rows, frame.height))
            ready.errors.append(managed_errors)
            ready.keys = frame.select("ordinal", *KEY_COLUMNS)
            adds = frame.filter(pl.col("action") == "add")
            ready.added = adds.height
            clean = clean and not any(e.height for e in ready.errors)
            if clean:
                adds = _in_iccid_order(adds)
                secrets = [c for c in SECRET_COLUMNS if c in adds.columns]
                if secrets:
                    key = ready.key = key or load_key(settings.secret_key, settings.key_path)
                    refs, ready.sealed, next_chunk = secret_store.seal_frames(key, adds.select(secrets), next_chunk)
                else:
                    refs = pl.DataFrame(schema=secret_store.BATCH_REF_SCHEMA).clear(adds.height)
                ready.cards = pl.concat([adds.select("ordinal", *BATCH_COLUMNS), refs], how="horizontal")
        rows += part.height
        yield ready


def _in_iccid_order(adds: pl.DataFrame) -> pl.DataFrame:
    """The part sorted by ICCID (as a number), unless it already is (MNO files usually are)."""
    number = pl.col("iccid").cast(pl.Int128, strict=False)
    return adds if adds.select(number.is_sorted()).item() else adds.sort(number, nulls_last=True)


def _append_keys(checks: duckdb.DuckDBPyConnection, staged_keys: pl.DataFrame) -> None:
    # DuckDB finds a frame by its local name (a replacement scan); con.register would keep every part
    # in memory until the connection closes (duckdb 2.0.1, unregister or not): gigabytes at 10M rows.
    checks.execute("insert into staged_upload select * from staged_keys").fetchall()


def _ordinals(first: int, n: int) -> pl.Expr:
    """1-based positions in the file of a part whose first row follows `first` rows."""
    return pl.int_range(first + 1, first + 1 + n, dtype=pl.Int64).alias("ordinal")


def _insert_slice(con: duckdb.DuckDBPyConnection, uploaded_slice: pl.DataFrame, card_params: dict[str, Any],
                  history_params: dict[str, Any]) -> None:
    """The cards of one slice and their creation history (the SQL reads `uploaded_slice` by this local's
    name: see _append_keys for why not con.register)."""
    con.execute(queries.sql("insert_uploaded_cards"), card_params).fetchall()
    con.execute(queries.sql("upload_history_rows"), history_params).fetchall()


def _rejected(settings: Settings, name: str, sha: str, now: datetime, errors: list[Problem], rows: int,
              warnings: pl.DataFrame | None = None) -> IngestResult:
    warnings = warnings if warnings is not None else no_warnings()
    path = write_rejection(settings.home, name, now, errors, warnings)
    return IngestResult(name, "rejected", rows=rows, errors=errors, report=str(path), sha256=sha,
                        warnings=summarise_warnings(warnings))


def _rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.rollback()
    except duckdb.Error:
        pass  # no transaction open any more (already rolled back)


def _custom_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Defined custom fields by lower-cased name -> the name as defined."""
    return custom_fields.by_lower_name(con)


def _custom_field_errors(columns: list[str], defined: dict[str, str], name: str) -> list[Problem]:
    return [
        Problem(name, 1, display(c), "", f"custom field {c[len(CUSTOM_PREFIX):]!r} is not defined "
                f"(define it first: sim-pipeline fields add {c[len(CUSTOM_PREFIX):]!r})")
        for c in columns
        if c.startswith(CUSTOM_PREFIX) and c[len(CUSTOM_PREFIX):].lower() not in defined
    ]


def _prepare(frame: pl.DataFrame, actor: Actor, custom_names: dict[str, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Canonical values for the merge: action, managed_by, SIM type, custom values as one JSON object.

    Returns the frame and the rejection rows of a reseller's rows naming another manager.
    """
    for col in ("action", "amf", "description", "hlr", "managed_by", "sim_type", "activation_code"):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.Utf8).alias(col))
    managed = pl.col("managed_by")
    if actor.is_admin:
        managed_expr = (pl.when(managed.is_null() | managed.str.to_lowercase().is_in(ADMIN_SPELLINGS))
                        .then(pl.lit(actor.managed_by)).otherwise(managed))
        errors = pl.DataFrame(schema=PROBLEM_SCHEMA)
    else:
        managed_expr = pl.lit(actor.managed_by)
        errors = frame.filter(managed.is_not_null() & (managed != actor.reseller)).select(
            pl.col(LINE).alias("line"), pl.lit("Managed by").alias("column"), pl.col("managed_by").alias("value"),
            pl.lit(f"must be empty or {actor.reseller!r} in a reseller's upload").alias("reason"),
        ).cast(PROBLEM_SCHEMA)
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


def _cross_row_errors(con: duckdb.DuckDBPyConnection, actor: Actor) -> pl.DataFrame:
    """Duplicates in the file and clashes with the inventory, as rejection rows (set-based SQL)."""
    found = [
        con.sql(queries.sql("upload_duplicates_in_file")).pl(),
        con.sql(queries.sql("upload_conflicts_with_inventory"), params={"reseller": actor.reseller, "removable": status.statuses_allowing("delete")}).pl(),
    ]
    return pl.concat([f.select(pl.col("line"), pl.col("column_name").alias("column"), pl.col("value").fill_null(""),
                               "reason").cast(PROBLEM_SCHEMA) for f in found])


def _finish(con: duckdb.DuckDBPyConnection, checks: duckdb.DuckDBPyConnection, settings: Settings,
            upload: staging.Upload, result: IngestResult, actor: Actor, now: datetime, staged: _Staged) -> None:
    """Inside the open transaction, after the slices: removals, outbox, ledger."""
    removed_rows = checks.sql("select ordinal, line, iccid from staged_upload where action = 'remove'").pl()  # noqa: F841
    params = {"now": now, "file": upload.path.name, "last_seq": staged.first_seq, "actor": actor.label}
    # The two statements read `removed_rows` by its local name (see _append_keys).
    con.execute(queries.sql("upload_removal_history_rows"), params).fetchall()
    con.execute(queries.sql("delete_removed_cards")).fetchall()
    result.events = outbox.enqueue(con, settings, staged.first_seq)
    result.added = staged.added
    result.removed = staged.rows - staged.added
    if result.sha256:
        _record_in_ledger(con, result, upload, actor, staged.rows, staged.warnings.height, now)


def _record_in_ledger(con: duckdb.DuckDBPyConnection, result: IngestResult, upload: staging.Upload, actor: Actor,
                      rows: int, warning_count: int, now: datetime) -> None:
    ledger.record(con, sha256=result.sha256, file_name=upload.path.name, kind="upload", at=now, actor=actor.label,
                  rows=rows, added=result.added, removed=result.removed, warnings=warning_count, header=upload.header)
