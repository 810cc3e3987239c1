"""Planning: operation rows -> steps, each step one set of set-based statements.

Rows apply in file order, each seeing the effect of the rows before it. Consecutive rows of the same
action that pick single cards (by ICCID or IMSI) never see each other's effect unless they pick the
same card, so they share a step: an activation feed of a million rows is a few statements, not a
million. A range, an account or a filter is a step of its own (one row, however many cards).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import polars as pl

from schemas.batch_file import parse_timestamp
from schemas.vocabulary import ADMIN, CUSTOM_PREFIX
from sim_pipeline.actor import ADMIN_SPELLINGS
from sim_pipeline.iccid import strip_pad_text
from sim_pipeline.lifecycle.model import PARTIES, Operation

ROW_SCHEMA = {
    "op_index": pl.Int64, "line": pl.Int64, "action": pl.Utf8, "move": pl.Utf8,
    "iccid": pl.Utf8, "imsi": pl.Utf8, "iccid_from": pl.Utf8, "iccid_to": pl.Utf8, "sel_account": pl.Utf8,
    "account_id": pl.Utf8, "customer": pl.Utf8, "distributor": pl.Utf8, "representative": pl.Utf8,
    "dealloc_customer": pl.Utf8, "dealloc_distributor": pl.Utf8, "dealloc_representative": pl.Utf8,
    "activated_at": pl.Datetime("us"), "reason": pl.Utf8, "description": pl.Utf8, "managed_by": pl.Utf8,
    "custom_patch": pl.Utf8, "has_pin": pl.Boolean,
}
SINGLE = ("iccid", "imsi")


@dataclass
class Step:
    indices: list[int]   # positions in the operation list, in order
    selector: str        # iccid | imsi | range | account | filter


def plan(ops: list[Operation]) -> list[Step]:
    steps: list[Step] = []
    keys: set[str] = set()
    for i, op in enumerate(ops):
        kind = op.selector
        key = strip_pad_text(op.iccid or "") if kind == "iccid" else (op.imsi or "")
        last = steps[-1] if steps else None
        if (last is not None and kind in SINGLE and last.selector == kind
                and ops[last.indices[-1]].action == op.action and key not in keys):
            last.indices.append(i)
        else:
            steps.append(Step([i], kind))
            keys = set()
        keys.add(key)
    return steps


def managed_by_value(value: str | None) -> str | None:
    """`Administrator only` and the like -> 'admin'; a reseller name as given."""
    if value is None:
        return None
    return ADMIN if value.strip().lower() in ADMIN_SPELLINGS else value.strip()


def _custom_patch(op: Operation) -> str | None:
    """The custom values an update sets, as a JSON merge patch (an empty value clears the field)."""
    patch = {k[len(CUSTOM_PREFIX):]: (v or None) for k, v in op.params.items() if k.startswith(CUSTOM_PREFIX)}
    return json.dumps(patch, ensure_ascii=False) if patch else None


def _timestamp(value: Any) -> Any:
    return parse_timestamp(value) if isinstance(value, str) else value


def _row(i: int, op: Operation) -> dict[str, Any]:
    p = op.params
    dealloc = op.deallocated() if op.action == "deallocate" else {}
    return {
        "op_index": i, "line": op.line, "action": op.action, "move": op.move,
        "iccid": strip_pad_text(op.iccid) if op.iccid else None, "imsi": op.imsi,
        "iccid_from": op.iccid_from, "iccid_to": op.iccid_to,
        "sel_account": op.account_id if op.selector == "account" else None,
        "account_id": p.get("account_id"),
        **{party: (None if op.action == "deallocate" else p.get(party)) for party in PARTIES},
        **{f"dealloc_{party}": dealloc.get(party) for party in PARTIES},
        "activated_at": _timestamp(p.get("activated_at")), "reason": p.get("reason"),
        "description": p.get("description"), "managed_by": managed_by_value(p.get("managed_by")),
        "custom_patch": _custom_patch(op), "has_pin": bool(p.get("pin")),
    }


def rows_frame(ops: list[Operation], step: Step) -> pl.DataFrame:
    """One row per operation row of the step: selectors and parameters, never a PIN (only has_pin)."""
    return pl.DataFrame([_row(i, ops[i]) for i in step.indices], schema=ROW_SCHEMA)
