"""One step, set-based: select the cards of its rows, decide their state after (status table joined),
collect what stops it, and, when nothing does, write cards, history and accounts.

Temp tables, all dropped with the connection: op_rows (the step's operation rows), op_selected (the
cards each row picks, before), op_after (the same cards after, with their changes).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from sim_pipeline import status

from sim_pipeline.store import queries
from sim_pipeline.actor import ADMINISTRATOR, Actor
from sim_pipeline.errors import Problem
from sim_pipeline.lifecycle import problems
from sim_pipeline.lifecycle.model import Operation
from sim_pipeline.lifecycle.plan import Step, rows_frame
from sim_pipeline.settings import Settings

# How each kind of selector joins operation rows (r) to cards (c): fixed fragments, values stay in op_rows.
MATCH = {
    "iccid": "c.iccid = r.iccid",
    "imsi": "c.imsi = r.imsi",
    "range": ("c.iccid_num between cast(r.iccid_from as hugeint) and cast(r.iccid_to as hugeint) "
              "and length(c.iccid) = length(r.iccid_from)"),
    "account": "c.account_id = r.sel_account",
}


@dataclass
class Context:
    """What every step of one file shares."""

    settings: Settings
    actor: Actor
    file: str
    now: datetime


@dataclass
class StepOutcome:
    problems: list[Problem] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    pins: dict[str, str] = field(default_factory=dict)   # iccid -> new PIN, sealed at the end of the file


def _match(ops: list[Operation], step: Step, actor: Actor) -> tuple[str, dict[str, Any]]:
    if step.selector != "filter":
        return MATCH[step.selector], {}
    f = ops[step.indices[0]].filter
    assert f is not None
    # A filter naming cards (ICCIDs, a range, an account) touches whatever it names, so a reseller's
    # foreign cards are selected (and reject the row); other filters only see the reseller's own cards.
    if f.names_cards():
        f = dataclasses.replace(f, actor=ADMINISTRATOR)
    else:
        f = dataclasses.replace(f, actor=actor)
    return f.where("c")


def _decide(con: duckdb.DuckDBPyConnection, ctx: Context, ops: list[Operation], step: Step) -> None:
    con.register("op_rows_frame", rows_frame(ops, step))
    try:
        queries.execute(con, "create or replace temp table op_rows as select * from op_rows_frame")
    finally:
        con.unregister("op_rows_frame")
    match, params = _match(ops, step, ctx.actor)
    queries.execute(con, queries.sql("operation_selected_cards").replace("__match__", match),
                    {"reseller": ctx.actor.reseller, **params})
    after = (queries.sql("operation_after_states").replace("__moves__", status.values_sql())
             .replace("__guard_ok__", status.guards_sql()))
    queries.execute(con, after, {"detailed": ctx.settings.use_detailed_statuses, "now": ctx.now})


def _problems(con: duckdb.DuckDBPyConnection, ctx: Context, ops: list[Operation], step: Step) -> list[Problem]:
    names_cards = ops[step.indices[0]].names_cards
    found: list[Problem] = []
    shown: dict[tuple[int, str], int] = {}
    last: dict[tuple[int, str], dict[str, Any]] = {}
    for row in queries.rows(con, "operation_problems", names_cards=names_cards):
        op = ops[row["op_index"]]
        found.append(problems.describe(row, op, ctx.actor, ctx.file))
        key = (row["op_index"], row["problem"])
        shown[key] = shown.get(key, 0) + 1
        last[key] = row
    for key, row in last.items():
        extra = problems.more(row, ops[key[0]], ctx.file, shown[key])
        found.extend([extra] if extra else [])
    return found


def _write(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    queries.run(con, "operation_history_rows", now=ctx.now, file=ctx.file, actor=ctx.actor.label)
    queries.run(con, "operation_updated_cards", now=ctx.now)
    queries.run(con, "operation_deleted_cards")
    queries.run(con, "operation_new_accounts")


def _pins(con: duckdb.DuckDBPyConnection, ops: list[Operation], step: Step) -> dict[str, str]:
    """iccid -> new PIN for the cards of the step's update rows that carry one."""
    with_pin = [i for i in step.indices if ops[i].params.get("pin")]
    if not with_pin:
        return {}
    cards = queries.execute(
        con, "select op_index, iccid from op_after where has_pin and is_changed and not is_deleted")
    return {iccid: ops[i].params["pin"] for i, iccid in cards}


def run_step(con: duckdb.DuckDBPyConnection, ctx: Context, ops: list[Operation], step: Step) -> StepOutcome:
    """Apply one step inside the caller's transaction; with problems, change nothing and return them."""
    _decide(con, ctx, ops, step)
    found = _problems(con, ctx, ops, step)
    if found:
        return StepOutcome(problems=found)
    outcome = StepOutcome(transitions=queries.rows(con, "operation_transitions"), pins=_pins(con, ops, step))
    _write(con, ctx)
    return outcome
