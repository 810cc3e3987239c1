"""The relay: outbox rows not yet exported -> files `outbox/<first seq>-<last seq>.jsonl`, exactly once.

Input: the `outbox` table (one row per event: which type, for which history row) and `relay_state`
(progress); each event's CloudEvents envelope is built from its history row as it is written
(sql/outbox_events_after.sql). Output: one JSON object per line, at most `events_per_file` events per file,
names zero-padded so they sort in export order. Consumers may move files away; progress lives in the inventory.

The protocol survives a kill at any instant without losing or repeating an event in outbox/:

1. a pending range in relay_state is a file written completely under outbox/.tmp/ before the mark
   was committed: put it in place if it is still there (else it already is), then mark it exported;
2. anything else in outbox/.tmp/ was never marked pending: delete it (its events are unexported);
3. write the next events to outbox/.tmp/<range>.jsonl, flush and fsync;
4. commit the range as pending;
5. rename it into outbox/ and fsync the folder;
6. commit the range as exported.

The caller holds the inventory lock (`db.open_inventory`): one relay at a time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from sim_pipeline.store import queries
from sim_pipeline.store.db import inventory_id
from sim_pipeline.settings import Settings

OUTBOX = "outbox"
EVENTS_PER_FILE = 100_000  # events per file at most
FETCH_ROWS = 10_000  # rows held in memory while writing a file
SEQ_DIGITS = 12


@dataclass
class RelayResult:
    """The files this run put in outbox/ (paths relative to the working folder) and their event count."""

    files: list[str] = field(default_factory=list)
    events: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"files": self.files, "events": self.events}


@dataclass(frozen=True)
class EventFile:
    first_seq: int
    last_seq: int
    events: int

    @property
    def file_name(self) -> str:
        return file_name(self.first_seq, self.last_seq)


def file_name(first_seq: int, last_seq: int) -> str:
    return f"{first_seq:0{SEQ_DIGITS}d}-{last_seq:0{SEQ_DIGITS}d}.jsonl"


def outbox_dir(settings: Settings) -> Path:
    return settings.home / OUTBOX


def tmp_dir(settings: Settings) -> Path:
    return outbox_dir(settings) / ".tmp"


def relay_events(con: duckdb.DuckDBPyConnection, settings: Settings, events_per_file: int = EVENTS_PER_FILE) -> RelayResult:
    """Export every event not yet exported, in files of at most `events_per_file` events."""
    if events_per_file < 1:
        raise ValueError("events_per_file must be at least 1")
    tmp_dir(settings).mkdir(parents=True, exist_ok=True)
    result = RelayResult()
    finished = finish_pending(con, settings)
    if finished is not None:
        _count(result, finished)
    remove_stale_files(settings)
    while (event_file := write_event_file(con, settings, events_per_file)) is not None:
        mark_pending(con, event_file)
        publish(settings, event_file)
        mark_exported(con, event_file)
        _count(result, event_file)
    return result


def progress(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """`last_seq`, `pending_first`, `pending_last` of relay_state."""
    return queries.rows(con, "relay_progress")[0]


def finish_pending(con: duckdb.DuckDBPyConnection, settings: Settings) -> EventFile | None:
    """Step 1. Returns the pending file when this call put its file in place, else None."""
    state = progress(con)
    if state["pending_first"] is None:
        return None
    # Outbox seqs are contiguous (each enqueue numbers on from the last), so the range is the count.
    event_file = EventFile(state["pending_first"], state["pending_last"], state["pending_last"] - state["pending_first"] + 1)
    moved = (tmp_dir(settings) / event_file.file_name).exists()
    if moved:
        publish(settings, event_file)
    mark_exported(con, event_file)
    return event_file if moved else None


def remove_stale_files(settings: Settings) -> None:
    """Step 2: files under outbox/.tmp/ never marked pending (a relay stopped while writing them)."""
    for path in tmp_dir(settings).iterdir():
        if path.is_file():
            path.unlink()


def write_event_file(con: duckdb.DuckDBPyConnection, settings: Settings, events_per_file: int) -> EventFile | None:
    """Step 3: the next events after last_seq into outbox/.tmp/<range>.jsonl, fsynced; None when none left."""
    after = progress(con)["last_seq"]
    part = tmp_dir(settings) / f"{after + 1:0{SEQ_DIGITS}d}-writing.jsonl"
    first = last = None
    count = 0
    # Streamed as Arrow batches and read to the end (an unfinished DuckDB result would hold the
    # connection); each event_file's payloads are joined into one write: no Python object per event.
    [history] = queries.rows(con, "outbox_history_range_after", after_seq=after, limit=events_per_file)
    relation = con.sql(queries.sql("outbox_events_after"),
                       params={"after_seq": after, "limit": events_per_file, "inventory_id": inventory_id(con), **history})
    with part.open("wb") as fh, relation.to_arrow_reader(batch_size=FETCH_ROWS) as reader:
        for rows in reader:
            if rows.num_rows == 0:
                continue
            seqs = rows.column(0)
            fh.write(pl.Series(rows.column(1)).cast(pl.String).str.join("\n").item().encode("utf-8"))
            fh.write(b"\n")
            first = seqs[0].as_py() if first is None else first
            last = seqs[-1].as_py()
            count += rows.num_rows
        fh.flush()
        os.fsync(fh.fileno())
    if first is None:
        part.unlink()
        return None
    event_file = EventFile(first, last, count)
    os.replace(part, tmp_dir(settings) / event_file.file_name)
    _fsync_dir(tmp_dir(settings))
    return event_file


def mark_pending(con: duckdb.DuckDBPyConnection, event_file: EventFile) -> None:
    """Step 4 (one committed statement)."""
    queries.run(con, "relay_mark_pending", first_seq=event_file.first_seq, last_seq=event_file.last_seq)


def publish(settings: Settings, event_file: EventFile) -> None:
    """Step 5: the finished file into outbox/, durably."""
    os.replace(tmp_dir(settings) / event_file.file_name, outbox_dir(settings) / event_file.file_name)
    _fsync_dir(outbox_dir(settings))
    _fsync_dir(tmp_dir(settings))


def mark_exported(con: duckdb.DuckDBPyConnection, event_file: EventFile) -> None:
    """Step 6 (one committed statement)."""
    queries.run(con, "relay_mark_exported", last_seq=event_file.last_seq)


def _count(result: RelayResult, event_file: EventFile) -> None:
    result.files.append(f"{OUTBOX}/{event_file.file_name}")
    result.events += event_file.events


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
