"""Resellers: the table `resellers(name, created_at)` and each one's drop folders in the inbox.

A reseller's name is its folder name (inbox/resellers/NAME/uploads|batches), the `managed_by` value of
its cards and the actor `reseller:NAME`; so it is restricted to what is safe in all three.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from sim_pipeline.actor import ADMIN_SPELLINGS, Actor
from sim_pipeline.errors import OperationRefused
from sim_pipeline.settings import Settings
from sim_pipeline.store.home import actor_folder, ensure_actor_folders, inbox_dir

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}[A-Za-z0-9_-]$|^[A-Za-z0-9]$")


def check_name(name: str) -> str:
    """The name, trimmed, or OperationRefused saying what a name may hold."""
    name = name.strip()
    if not _NAME.match(name) or ".." in name or "  " in name:
        raise OperationRefused(
            f"reseller name {name!r}: expected letters, digits, spaces, '_', '.', '-' (at most 64 characters, "
            "starting with a letter or digit, no '..'); it names the reseller's inbox folder"
        )
    if name.lower() in ADMIN_SPELLINGS:
        raise OperationRefused(f"reseller name {name!r} is reserved for the administrator")
    return name


def add(con: duckdb.DuckDBPyConnection, settings: Settings, name: str) -> bool:
    """Register a reseller and create its inbox folders. False when it exists already (names compare
    case-insensitively: 'Acme' and 'acme' would share a folder on some filesystems)."""
    name = check_name(name)
    found = con.execute("select name from resellers where lower(name) = lower($n)", {"n": name}).fetchall()
    if found and found[0][0] != name:
        raise OperationRefused(f"reseller {found[0][0]!r} exists already (names compare without case)")
    if not found:
        con.execute("insert into resellers values ($n, $at)", {"n": name, "at": settings.now()}).fetchall()
    ensure_actor_folders(settings, Actor(name))
    return not found


def names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [n for (n,) in con.execute("select name from resellers order by lower(name)").fetchall()]


def list_resellers(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[dict[str, Any]]:
    """One row per reseller: name, created_at, and its inbox folder."""
    rows = con.execute("select name, created_at from resellers order by lower(name)").fetchall()
    return [{"name": n, "created_at": at, "inbox": str(inbox_dir(settings) / actor_folder(Actor(n)))}
            for n, at in rows]
