"""init, keygen, fields."""

from __future__ import annotations

import typer

from sim_pipeline.store import custom_fields

from sim_pipeline.store import home
from sim_pipeline.cli.app import app
from sim_pipeline.cli.options import JSON
from sim_pipeline.cli.output import emit_json, emit_text
from sim_pipeline.store.db import inventory_id, open_inventory
from sim_pipeline.sealing.key import new_key
from sim_pipeline.settings import Settings


@app.command("init")
def init_cmd(json_out: bool = JSON) -> None:
    """Create the working folder (./data or $SIM_PIPELINE_HOME), its settings, key and inventory. Idempotent.

    Example: SIM_PIPELINE_HOME=/srv/sims sim-pipeline init
    """
    settings = Settings.from_env()
    created = home.ensure(settings)
    with open_inventory(settings) as con:
        inv = inventory_id(con)
    if json_out:
        emit_json({"home": str(settings.home), "inventory_id": inv, "created": created})
    else:
        emit_text(f"working folder {settings.home} ready (inventory {inv})"
                  + (f"; created: {', '.join(created)}" if created else "; nothing to create"))


@app.command("keygen")
def keygen_cmd() -> None:
    """Print a new secret key, one line, nothing else.

    Example: sim-pipeline keygen > /secure/sim-pipeline.key
    """
    emit_text(new_key())


fields_app = typer.Typer(help="Custom SIM card fields (e.g. Marketplace).", no_args_is_help=True)
app.add_typer(fields_app, name="fields")


@fields_app.command("add")
def fields_add(names: list[str] = typer.Argument(..., help="Field names."), json_out: bool = JSON) -> None:
    """Define custom fields; upload files then carry them as '<Name> custom' columns.

    Example: sim-pipeline fields add Marketplace
    """
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        added = {n: custom_fields.add_field(con, settings, n) for n in names}
    for name, was_added in added.items():
        if json_out:
            emit_json({"name": name.strip(), "added": was_added})
        else:
            emit_text(f"custom field {name.strip()!r} " + ("added" if was_added else "exists already"))


@fields_app.command("list")
def fields_list(json_out: bool = JSON) -> None:
    """List the custom fields.

    Example: sim-pipeline fields list --json
    """
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        rows = custom_fields.list_fields(con)
    for row in rows:
        emit_json(row) if json_out else emit_text(row["name"])
