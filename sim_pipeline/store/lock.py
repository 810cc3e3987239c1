"""The one-writer lock. DuckDB lets one process open the inventory file for writing and no other
process open it at all meanwhile, so every command that opens the inventory holds this lock first.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from sim_pipeline.errors import InventoryBusy


def _holder_path(lock_path: Path) -> Path:
    return lock_path.with_suffix(".holder")


@contextmanager
def inventory_lock(home: Path, timeout: float) -> Iterator[None]:
    """Hold the inventory lock; wait up to `timeout` seconds, then raise InventoryBusy naming the holder."""
    lock_path = home / "inventory.lock"
    lock = FileLock(str(lock_path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise InventoryBusy(_busy_message(lock_path)) from None
    try:
        # Who holds it, for the next process's message; written after the lock is ours.
        _holder_path(lock_path).write_text(
            json.dumps({"pid": os.getpid(), "since": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        )
        yield
    finally:
        lock.release()


def _busy_message(lock_path: Path) -> str:
    try:
        holder = json.loads(_holder_path(lock_path).read_text())
        return f"inventory busy (held by PID {holder['pid']}, since {holder['since']})"
    except (OSError, ValueError, KeyError):
        return "inventory busy (held by another process)"
