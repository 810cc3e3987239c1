"""Schema versions: schemas/ddl/NNN_*.sql applied in order, the version recorded in `meta`.

Opening an inventory made by an older version applies the missing files in one transaction.
"""

from __future__ import annotations

import re
import uuid

import duckdb

from schemas.vocabulary import DDL_DIR

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def ddl_files() -> list[tuple[int, str]]:
    found = []
    for path in sorted(DDL_DIR.iterdir(), key=lambda p: p.name):
        m = _NAME.match(path.name)
        if m:
            found.append((int(m.group(1)), path.read_text(encoding="utf-8")))
    return found


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    has_meta = con.execute(
        "select count(*) from information_schema.tables where table_name = 'meta'"
    ).fetchall()[0][0]
    if not has_meta:
        return 0
    row = con.execute("select value from meta where key = 'schema_version'").fetchall()
    return int(row[0][0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the inventory to the newest schema; returns the version now in force."""
    version = current_version(con)
    pending = [(n, sql) for n, sql in ddl_files() if n > version]
    if not pending:
        return version
    con.begin()
    try:
        for number, sql in pending:
            con.execute(sql).fetchall()
            version = number
        con.execute("delete from meta where key = 'schema_version'").fetchall()
        con.execute("insert into meta values ('schema_version', $v)", {"v": str(version)}).fetchall()
        if not con.execute("select count(*) from meta where key = 'inventory_id'").fetchall()[0][0]:
            con.execute("insert into meta values ('inventory_id', $v)", {"v": str(uuid.uuid4())}).fetchall()
        con.commit()
    except Exception:
        con.rollback()
        raise
    return version
