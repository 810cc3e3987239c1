"""Opening an inventory made by an older version applies the missing DDL and records the version."""

from __future__ import annotations

import duckdb

from sim_pipeline.store import migrations
from sim_pipeline.store.db import open_inventory


LATEST = migrations.ddl_files()[-1][0]


def test_an_older_inventory_is_migrated_on_open(settings, monkeypatch):
    with open_inventory(settings) as con:
        assert migrations.current_version(con) == LATEST
        con.execute("insert into custom_fields values ('Marketplace', now())").fetchall()
    newer = migrations.ddl_files() + [(LATEST + 1, "alter table cards add column form_factor varchar;")]
    monkeypatch.setattr(migrations, "ddl_files", lambda: newer)
    with open_inventory(settings) as con:
        assert migrations.current_version(con) == LATEST + 1
        assert con.execute("select count(*) from custom_fields").fetchall() == [(1,)]
        assert "form_factor" in [r[0] for r in con.execute("describe cards").fetchall()]


def test_a_failing_migration_leaves_the_inventory_at_its_version(settings, monkeypatch):
    with open_inventory(settings):
        pass
    files = migrations.ddl_files()
    monkeypatch.setattr(migrations, "ddl_files", lambda: files + [(LATEST + 1, "alter table nope add column x int;")])
    try:
        with open_inventory(settings):
            raise AssertionError("the broken migration should have failed")
    except duckdb.Error:
        pass
    with duckdb.connect(str(settings.inventory_path), read_only=True) as con:
        assert migrations.current_version(con) == LATEST
