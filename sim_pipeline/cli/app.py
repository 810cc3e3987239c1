"""The typer application and the one place where exceptions become exit codes."""

from __future__ import annotations

import os

import typer
from rich.console import Console

from sim_pipeline.errors import SimPipelineError

app = typer.Typer(
    name="sim-pipeline",
    help="SIM card inventory for MVNOs and LTE operators. Working folder: ./data or $SIM_PIPELINE_HOME.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    """Print `Error: message` on stderr and return the exit to raise (status 1)."""
    err_console.print(f"Error: {message}", markup=False)
    return typer.Exit(1)


def run(application: typer.Typer) -> int:
    """Run the CLI; click handles usage errors itself (exit 2), expected failures exit 1."""
    try:
        application()  # standalone: click prints usage errors and exits 2
    except SimPipelineError as exc:
        err_console.print(f"Error: {exc}", markup=False)
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:  # a bug or an environment failure: one line, not a traceback
        if os.environ.get("SIM_PIPELINE_DEBUG"):
            raise
        err_console.print(f"Error: unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
                          "(set SIM_PIPELINE_DEBUG=1 to see the traceback)", markup=False)
        return 1
    return 0
