"""Loading the SQL files of every stage (sim_pipeline/<stage>/sql/*.sql, package data) by name, and binding
named parameters ($name): `run(con, "insert_uploaded_cards", ...)`.

DuckDB 2 trap: a result that is not fetched to the end (an INSERT's count, a `fetchone()`) keeps
owning the connection, and `register()` or the next statement fails with "unfinished result".
Always `fetchall()` (or use `execute`/`run`/`rows` here).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import duckdb

# The stages that keep SQL beside their code. Names are unique across them, so a call site names the
# query alone and the file can move between stages without touching it.
SQL_STAGES = ("store", "events", "ingest", "lifecycle", "report")


@cache
def sql_files() -> dict[str, Traversable]:
    """Query name -> its file, over every stage's sql/ folder; a name in two stages is a packaging error."""
    found: dict[str, Traversable] = {}
    for stage in SQL_STAGES:
        for entry in (files(f"sim_pipeline.{stage}") / "sql").iterdir():
            if entry.name.endswith(".sql"):
                name = entry.name.removesuffix(".sql")
                if name in found:
                    raise RuntimeError(f"two SQL files named {entry.name}: in {stage}/sql/ and another stage")
                found[name] = entry
    return found


@cache
def sql(name: str) -> str:
    return sql_files()[name].read_text(encoding="utf-8")


def execute(con: duckdb.DuckDBPyConnection, text: str, params: dict[str, Any] | None = None) -> list[tuple]:
    """Execute a statement and fetch its whole result.

    DuckDB 2 results stream: an unfetched result (even an INSERT's row count) owns the connection
    and the next statement fails with "connection has an unfinished result".
    """
    return con.execute(text, params or None).fetchall()


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[tuple]:
    """Execute sql/<name>.sql with its named parameters (a write: its result is fetched and dropped)."""
    return execute(con, sql(name), params)


def rows(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run a query file and return its rows as dicts (fully fetched: DuckDB 2 results own the connection)."""
    cur = con.execute(sql(name), params or None)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
