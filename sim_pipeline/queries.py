"""One function per file in sim_pipeline/sql/: load the SQL, bind named parameters ($name).

DuckDB 2 trap: a result that is not fetched to the end (an INSERT's count, a `fetchone()`) keeps
owning the connection, and `register()` or the next statement fails with "unfinished result".
Always `fetchall()` (or use `execute`/`run`/`rows` here).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


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
