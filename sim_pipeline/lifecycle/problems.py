"""Problems of operation rows as rejection-report lines (file, line, column, value, reason).

A reseller hears "not found or not managed by you" about any card it does not manage, and nothing else.
"""

from __future__ import annotations

from typing import Any

from sim_pipeline import status
from sim_pipeline.actor import Actor
from sim_pipeline.errors import Problem
from sim_pipeline.lifecycle.model import Operation

NOT_YOURS = "not found or not managed by you"
NOT_FOUND = {
    "iccid": "no card with this ICCID",
    "imsi": "no card with this IMSI",
    "range": "the range selects no cards",
    "account": "no cards are assigned to this account",
    "filter": "the filter selects no cards",
}


def selector_cell(op: Operation) -> tuple[str, str, str]:
    """What the row picks cards by: (kind, column, value as given). A filter naming cards counts as its
    ICCID, IMSI, range or account; any other filter is just 'filter'."""
    f = op.filter
    iccid, imsi = (f.iccid, f.imsi) if f else (op.iccid, op.imsi)
    lo, hi = (f.iccid_from, f.iccid_to) if f else (op.iccid_from, op.iccid_to)
    account = f.account_id if f else op.account_id
    if iccid:
        return "iccid", "iccid", iccid
    if imsi:
        return "imsi", "imsi", imsi
    if lo or hi:
        return "range", "iccid_from", f"{lo}..{hi}"
    if account:
        return "account", "account_id", account
    return "filter", "", ""


def describe(row: dict[str, Any], op: Operation, actor: Actor, file: str) -> Problem:
    """One problem row of sql/operation_problems.sql as a report line."""
    kind, iccid = row["problem"], row["iccid"]
    if kind in ("not_found", "foreign"):
        selector, column, value = selector_cell(op)
        reason = NOT_FOUND[selector] if actor.is_admin else NOT_YOURS
        return Problem(file, op.line, column, value, reason)
    if kind == "illegal":
        return Problem(file, op.line, "iccid", iccid, str(status.illegal(iccid, row["old_status"], row["move"])))
    if kind == "guard":
        reason = status.guard_message(row["guard"], row["move"], iccid, row["card_customer"], row["requested_customer"])
        return Problem(file, op.line, "iccid", iccid, reason)
    if kind == "dealloc":
        party, named, held = row["column_name"], row["value"], row["card_customer"]
        held_text = f"to {party} {held!r}" if held else f"to no {party}"
        return Problem(file, op.line, party, named, f"card {iccid} is allocated {held_text}, not {named!r}")
    if kind == "account":
        return Problem(file, op.line, "customer", row["requested_customer"] or "",
                       f"account {row['value']!r} belongs to customer {row['card_customer']!r}, "
                       f"not {row['requested_customer']!r}")
    return Problem(file, op.line, "", "", kind)


def more(row: dict[str, Any], op: Operation, file: str, shown: int) -> Problem | None:
    """`... and N more cards` when a row had more problems of a kind than are listed."""
    extra = row["count_problems"] - shown
    if extra <= 0:
        return None
    return Problem(file, op.line, "", "", f"... and {extra} more cards with the same problem")
