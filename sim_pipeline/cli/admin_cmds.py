"""rekey, backup, unseal."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from sim_pipeline.store import backup as backup_lib
from sim_pipeline.cli.app import app, fail
from sim_pipeline.cli.options import JSON
from sim_pipeline.cli.output import emit_json, emit_text
from sim_pipeline.store.db import open_inventory
from sim_pipeline.sealing.key import KEY_ENV, SecretKey, load_key
from sim_pipeline.settings import Settings


@app.command("rekey")
def rekey_cmd(
    new_key_from: str = typer.Option(
        ..., "--new-key-from", help="'-' reads the new key from stdin; or a file holding it (as `keygen` prints)."),
    json_out: bool = JSON,
) -> None:
    """Re-encrypt every card's secrets under a new key, in one transaction.

    With the key file in use, the file is replaced by the new key once the inventory has committed.
    With SIM_PIPELINE_KEY, set it to the new key afterwards.

    Example: sim-pipeline keygen > new.key && sim-pipeline rekey --new-key-from new.key
    """
    settings = Settings.from_env()
    text = sys.stdin.read() if new_key_from == "-" else Path(new_key_from).read_text(encoding="ascii")
    new = SecretKey.parse(text, "the new key")
    old = load_key(settings.secret_key, settings.key_path)
    if new.key_id == old.key_id:
        raise fail("the new key is the key in use")
    staged = settings.key_path.with_name(settings.key_path.name + ".new")
    if not settings.secret_key:
        # Written before the commit: if the process dies between the two, the new key is not lost.
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text.strip() + "\n")
    from sim_pipeline.sealing import columns as secret_store  # loaded by the commands that open sealed secrets (pyarrow)

    with open_inventory(settings) as con:
        chunks = secret_store.rekey(con, old, new)
    if not settings.secret_key:
        staged.replace(settings.key_path)
    if json_out:
        emit_json({"chunks": chunks, "key_id": new.key_id})
    else:
        emit_text(f"re-encrypted {chunks} secret chunks under key {new.key_id}"
                  + (f"; now set {KEY_ENV} to the new key" if settings.secret_key else f"; key file {settings.key_path} replaced"))


@app.command("backup")
def backup_cmd(dest: Path = typer.Argument(..., help="Folder to write the backup into."), json_out: bool = JSON) -> None:
    """Make a consistent copy of the inventory and its settings (not the key) while nothing writes.

    Example: sim-pipeline backup /mnt/backups
    """
    result = backup_lib.backup(Settings.from_env(), dest)
    if json_out:
        emit_json({"folder": str(result.folder), "files": result.files, "cards": result.cards})
    else:
        emit_text(f"backup of {result.cards} cards in {result.folder} (the key is not included: back it up apart)")


@app.command("unseal")
def unseal_cmd(
    sealed: Path = typer.Argument(..., help="A file under processed/ or rejected/ ending in .sealed."),
    out: Path = typer.Option(None, "--out", help="Where to write the original (default: beside it, without .sealed)."),
) -> None:
    """Give back the original of a kept drop file (they are sealed: an MNO file holds secrets in clear).

    Example: sim-pipeline unseal data/processed/admin/uploads/20261201T060000Z-mega.csv.sealed --out /tmp/mega.csv
    """
    from sim_pipeline.sealing.files import SUFFIX, unseal_file

    settings = Settings.from_env()
    target = out or sealed.with_name(sealed.name.removesuffix(SUFFIX) if sealed.name.endswith(SUFFIX) else sealed.name + ".original")
    unseal_file(sealed, target, load_key(settings.secret_key, settings.key_path))
    emit_text(f"original written to {target}")
