"""The `sim-pipeline` command: parses arguments, calls the library, formats results, maps errors to exit codes.

Exit status: 0 ok, 1 rejected or failed (`Error: ...` on stderr), 2 usage.
Each command group lives in its own module and registers itself on `app`.
"""

from __future__ import annotations

import sys

import typer

from sim_pipeline.cli.app import app

# Command modules register on import. One line each; keep the order of `--help`.
from sim_pipeline.cli import setup_cmds  # noqa: E402,F401  init, keygen, fields
from sim_pipeline.cli import ingest_cmds  # noqa: E402,F401  ingest, add, files
from sim_pipeline.cli import inventory_cmds  # noqa: E402,F401  list, search, show
from sim_pipeline.cli import lifecycle_cmds  # noqa: E402,F401  apply and group operations
from sim_pipeline.cli import admin_cmds  # noqa: E402,F401  rekey, backup, unseal
from sim_pipeline.cli import events_cmds  # noqa: E402,F401  relay, cleanup
from sim_pipeline.cli import report_cmds  # noqa: E402,F401  report
from sim_pipeline.cli import ops_cmds  # noqa: E402,F401  scan, serve, resellers


def main() -> None:
    from sim_pipeline.cli.app import run

    sys.exit(run(app))


__all__ = ["app", "main", "typer"]
