"""Every error the pipeline raises on purpose. The CLI maps each to `Error: <message>` and exit 1.

SimPipelineError
├── SettingsError          a bad option or value in sim-pipeline.toml or the environment
├── ClockError             SIM_PIPELINE_NOW is malformed or earlier than the newest history row
├── InventoryBusy          another process holds the inventory lock
├── SecretKeyError         the key is missing or does not open the inventory's secrets
├── FileRejected           a drop or batch file cannot be taken; carries its rejection rows
├── NotFound               no card / field / reseller by that name (for a reseller: "not found or not managed by you")
└── OperationRefused       a rule forbids the operation (e.g. deleting a card In use)
    └── IllegalTransition  the status machine (sim_pipeline/status.py) has no such move for the card
"""

from __future__ import annotations

from dataclasses import dataclass, field


class SimPipelineError(Exception):
    """Base class: an expected failure with a message meant for a person."""


class SettingsError(SimPipelineError):
    pass


class ClockError(SimPipelineError):
    pass


class InventoryBusy(SimPipelineError):
    pass


class SecretKeyError(SimPipelineError):
    pass


class NotFound(SimPipelineError):
    pass


class OperationRefused(SimPipelineError):
    pass


class IllegalTransition(OperationRefused):
    """`card 894...: In use: cannot delete it (unassign it first)`: the card, its status, the action."""

    def __init__(self, iccid: str, from_status: str | None, doing: str, hint: str | None = None) -> None:
        from schemas.vocabulary import LABELS

        self.iccid, self.from_status, self.doing, self.hint = iccid, from_status, doing, hint
        state = LABELS.get(from_status, from_status) if from_status else "not in the inventory"
        super().__init__(f"card {iccid} is {state}: cannot {doing}" + (f" ({hint})" if hint else ""))


@dataclass(frozen=True)
class Problem:
    """One line of a rejection report. `value` is already masked when the column is secret."""

    file: str
    line: int | None
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        col = f" {self.column}:" if self.column else ""
        return f"{where}:{col} {self.reason}"


@dataclass
class FileRejected(SimPipelineError):
    """The whole file is refused; `problems` says why, cell by cell."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    report_path: str | None = None

    def __str__(self) -> str:
        if not self.problems:
            return f"{self.file}: rejected"
        first = self.problems[0]
        more = len(self.problems) - 1
        return str(first) + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
