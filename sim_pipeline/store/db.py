"""Opening the inventory: the working folder, the lock, the DuckDB connection, migrations, the clock check."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import duckdb

from sim_pipeline.store import home as home_folder
from sim_pipeline.errors import ClockError
from sim_pipeline.store.lock import inventory_lock
from sim_pipeline.store import queries
from sim_pipeline.store.migrations import migrate
from sim_pipeline.settings import NOW_ENV, Settings

# Offline by design: touching an extension must never try a download.
CONNECT_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "memory_limit": "1GB",
}


def connect(path: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(path, config=CONNECT_CONFIG)


@contextmanager
def open_inventory(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to the inventory, holding the one-writer lock for as long as it is open.

    Creates the working folder when missing and migrates an older inventory.
    """
    home_folder.ensure(settings)
    with inventory_lock(settings.home, settings.lock_timeout):
        con = connect(str(settings.inventory_path))
        try:
            migrate(con)
            check_clock(con, settings)
            yield con
        finally:
            con.close()


def check_clock(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """A fixed clock earlier than the newest history row would write history out of order."""
    if settings.fixed_now is None:
        return
    newest = con.execute("select max(changed_at) from card_history").fetchall()[0][0]
    if newest is not None and settings.fixed_now < newest:
        raise ClockError(
            f"{NOW_ENV}={settings.fixed_now.isoformat()} is earlier than the newest history row "
            f"({newest.isoformat()}); a clock may only move forward"
        )
    # Month-end counts kept by reports are final only while the clock stays past them. The statements
    # belong to the report stage (report/sql/), run here by name: the store imports no stage above it.
    kept = queries.run(con, "report_kept_counts_latest")[0][0]
    if kept is not None and settings.fixed_now < kept:
        con.begin()
        try:
            queries.run(con, "report_kept_state_counts_forget_after", instant=settings.fixed_now)
            queries.run(con, "report_kept_snapshots_forget_after", instant=settings.fixed_now)
            con.commit()
        except BaseException:
            con.rollback()
            raise


def inventory_id(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select value from meta where key = 'inventory_id'").fetchall()[0][0]
