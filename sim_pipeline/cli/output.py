"""One output helper shared by every command: --json, plain text, CSV, and progress on stderr."""

from __future__ import annotations

import csv
import json
import sys
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Iterable, Iterator

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sim_pipeline.cli.app import err_console
from sim_pipeline.export_safety import neutralise_cell, terminal_safe


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def emit_json(obj: Any) -> None:
    """One JSON object on one line of stdout."""
    sys.stdout.write(json.dumps(obj, default=_default, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def emit_text(text: str) -> None:
    sys.stdout.write(terminal_safe(text) + "\n")


def emit_csv(rows: Iterable[dict[str, Any]], columns: list[str]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise_cell(row.get(c)) for c in columns])


def note(message: str, quiet: bool = False) -> None:
    """A human message on stderr (never on stdout, which scripts parse)."""
    if not quiet:
        err_console.print(terminal_safe(message), markup=False)


def progress_wanted(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


class _Silent:
    def advance(self, n: int = 1) -> None:
        pass

    def step(self, text: str) -> None:
        pass


class _Bar:
    def __init__(self, bar: Progress, task: object, description: str) -> None:
        self._bar, self._task, self._description = bar, task, description

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._task, n)

    def step(self, text: str) -> None:
        """Name the stage of long work (reading, validating, merging)."""
        self._bar.update(self._task, description=f"{self._description}: {text}")


@contextmanager
def progress(description: str, total: int | None, quiet: bool) -> Iterator[_Silent | _Bar]:
    """A progress bar on stderr, or a no-op when quiet or stderr is not a terminal.

    Yields an object with `advance(n)` and `step(text)`.
    """
    if not progress_wanted(quiet):
        yield _Silent()
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        yield _Bar(bar, bar.add_task(description, total=total), description)


def rejection(problems: list, report: str | None, summary: str, shown: int = 20) -> None:
    """A rejected file on stderr: its first problems (`file:line: column: reason`), then `Error: summary`."""
    for problem in problems[:shown]:
        note(str(problem))
    if len(problems) > shown:
        note(f"... and {len(problems) - shown} more in {report}")
    note(f"Error: {summary}")
