"""A consistent copy of the inventory while nothing writes (the inventory lock is held throughout)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sim_pipeline.store.db import connect
from sim_pipeline.store.home import ensure
from sim_pipeline.store.lock import inventory_lock
from sim_pipeline.settings import SETTINGS_FILE, Settings


@dataclass
class BackupResult:
    folder: Path
    files: list[str]
    cards: int


def backup(settings: Settings, dest: Path) -> BackupResult:
    """Copy inventory.duckdb (checkpointed: no WAL to lose) and sim-pipeline.toml into `dest/<timestamp>/`.

    The key is NOT copied: keep it apart from the data (a backup with its key beside it protects nothing).
    """
    ensure(settings)
    folder = dest / f"sim-pipeline-backup-{settings.now():%Y%m%dT%H%M%S}"
    folder.mkdir(parents=True, exist_ok=False)
    with inventory_lock(settings.home, settings.lock_timeout):
        con = connect(str(settings.inventory_path))
        try:
            con.execute("checkpoint").fetchall()
            cards = con.execute("select count(*) from cards").fetchall()[0][0]
        finally:
            con.close()
        copied = []
        for name in ("inventory.duckdb", SETTINGS_FILE):
            source = settings.home / name
            if source.exists():
                shutil.copy2(source, folder / name)
                copied.append(name)
    (folder / "BACKUP.txt").write_text(
        f"sim-pipeline backup of {settings.home.resolve()} at {datetime.now().isoformat(timespec='seconds')}\n"
        f"cards: {cards}\n"
        "Restore: stop every sim-pipeline process (and `serve`), copy inventory.duckdb and sim-pipeline.toml\n"
        "into the working folder, and provide the key the inventory was sealed with (SIM_PIPELINE_KEY or the\n"
        "key file); the key is not part of the backup.\n",
        encoding="utf-8",
    )
    return BackupResult(folder, copied, cards)
