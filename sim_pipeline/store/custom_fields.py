"""Custom fields: defined before use (`fields add Marketplace`), values stored per card."""

from __future__ import annotations

import re

import duckdb

from sim_pipeline.errors import OperationRefused
from sim_pipeline.settings import Settings

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _.-]{0,63}$")


def add_field(con: duckdb.DuckDBPyConnection, settings: Settings, name: str) -> bool:
    """Define a custom field. Returns False when it exists already (names compare case-insensitively)."""
    name = name.strip()
    if not _NAME.match(name) or name.lower().endswith(" custom"):
        raise OperationRefused(
            f"custom field name {name!r}: expected a letter then letters, digits, spaces, '_', '.', '-' "
            "(at most 64 characters)"
        )
    if con.execute("select count(*) from custom_fields where lower(name) = lower($n)", {"n": name}).fetchall()[0][0]:
        return False
    con.execute("insert into custom_fields values ($n, $at)", {"n": name, "at": settings.now()}).fetchall()
    return True


def by_lower_name(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every defined field, by its name in lower case (headers and filters match without case)."""
    return {n.lower(): n for (n,) in con.execute("select name from custom_fields").fetchall()}


def list_fields(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cur = con.execute("select name, created_at from custom_fields order by lower(name)")
    return [{"name": n, "created_at": at} for n, at in cur.fetchall()]
