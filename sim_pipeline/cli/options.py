"""Options shared by several commands (one definition each)."""

from __future__ import annotations

import typer

JSON = typer.Option(False, "--json", help="Print JSON (one object per line) for scripts.")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress or notes on stderr.")
AS_ACTOR = typer.Option("admin", "--as", help="Act as 'admin' or 'reseller:NAME'.", metavar="admin|reseller:NAME")
DRY_RUN = typer.Option(False, "--dry-run", help="Say what would change; change nothing.")
