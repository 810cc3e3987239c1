"""The data of group operations: an Operation row (what a batch line or a CLI command asks) and the
ApplyResult of a whole file (or command)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas.batch_file import ANY_PARTY
from schemas.vocabulary import STATUSES
from sim_pipeline.store.card_filter import CardFilter
from sim_pipeline.errors import Problem

PARTIES = ("customer", "distributor", "representative")


@dataclass
class Operation:
    """One operation row: `action` on the cards its selector picks, with `params`.

    Exactly one selector: iccid, imsi, iccid_from + iccid_to, account_id (terminate_account) or
    `filter` (CLI group operations). `params` keys: account_id, customer, distributor, representative,
    activated_at (ISO text or datetime), reason, description, pin, managed_by, and `custom:<Name>`.
    `line` is the file line (None for a command).
    """

    action: str
    line: int | None = None
    iccid: str | None = None
    imsi: str | None = None
    iccid_from: str | None = None
    iccid_to: str | None = None
    account_id: str | None = None
    filter: CardFilter | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def selector(self) -> str:
        """iccid | imsi | range | account | filter."""
        if self.filter is not None:
            return "filter"
        if self.iccid:
            return "iccid"
        if self.imsi:
            return "imsi"
        if self.iccid_from or self.iccid_to:
            return "range"
        return "account"

    @property
    def names_cards(self) -> bool:
        """Whether it picks cards by identity (then finding none is an error)."""
        return self.filter is None or self.filter.names_cards()

    @property
    def move(self) -> str:
        """Its row key in the status table (sim_pipeline/status.py)."""
        named = [p for p in PARTIES if self.params.get(p)]
        if self.action == "allocate":
            return "allocate_customer" if "customer" in named else "allocate_partner"
        if self.action == "deallocate":
            return "deallocate_partner" if named and "customer" not in named else "deallocate_customer"
        return self.action

    def deallocated(self) -> dict[str, str | None]:
        """Deallocate: the allocations it removes (a name or '*'); none named = the customer's."""
        named = {p: self.params.get(p) or None for p in PARTIES}
        if not any(named.values()):
            named["customer"] = ANY_PARTY
        return named


@dataclass
class ApplyResult:
    file: str
    status: str                      # accepted | rejected | duplicate
    rows: int = 0
    transitions: dict[tuple[str | None, str | None], int] = field(default_factory=dict)
    changed: int = 0
    deleted: int = 0
    events: int = 0
    errors: list[Problem] = field(default_factory=list)
    report: str | None = None
    dry_run: bool = False
    sha256: str = ""
    applied_at: datetime | None = None

    def transition_list(self) -> list[dict[str, Any]]:
        order = {s: i for i, s in enumerate(STATUSES)}
        keys = sorted(self.transitions, key=lambda k: (order.get(k[0], 9), order.get(k[1], 9)))
        return [{"old_status": o, "new_status": n, "count": self.transitions[(o, n)]} for o, n in keys]

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "status": self.status, "rows": self.rows, "transitions": self.transition_list(),
            "changed": self.changed, "deleted": self.deleted, "events": self.events,
            "errors": [{"line": p.line, "column": p.column, "value": p.value, "reason": p.reason}
                       for p in self.errors],
            "report": self.report, "dry_run": self.dry_run, "sha256": self.sha256,
            "applied_at": self.applied_at.isoformat() if self.applied_at else None,
        }
