"""Applying operation rows: one transaction per file (or command), all or nothing.

Cards, their history rows, accounts, new PIN chunks, outbox events and the ledger row commit together;
any problem (or a dry run) rolls everything back. A rejection writes the report under rejections/.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from schemas.vocabulary import CUSTOM_PREFIX
from sim_pipeline.events import outbox
from sim_pipeline.store import custom_fields, ledger, queries
from sim_pipeline.actor import Actor
from sim_pipeline.errors import Problem
from sim_pipeline.lifecycle.model import ApplyResult, Operation
from sim_pipeline.lifecycle.pins import set_pins
from sim_pipeline.lifecycle.run_step import Context, run_step
from sim_pipeline.lifecycle.plan import managed_by_value, plan
from sim_pipeline.rejections import write_rejection
from sim_pipeline.sealing.key import load_key
from sim_pipeline.settings import Settings


def _custom_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return custom_fields.by_lower_name(con)


def _row_problems(ops: list[Operation], actor: Actor, file: str, defined: dict[str, str]) -> list[Problem]:
    """What a row says wrong on its own: an undefined custom field, a reseller handing cards to another.

    Resolves custom field names to their defined spelling in place."""
    found: list[Problem] = []
    for op in ops:
        for key in [k for k in op.params if k.startswith(CUSTOM_PREFIX)]:
            name = key[len(CUSTOM_PREFIX):]
            if name.lower() not in defined:
                found.append(Problem(file, op.line, f"{name} custom", "", f"custom field {name!r} is not defined "
                                     f"(define it first: sim-pipeline fields add {name!r})"))
            else:
                op.params[CUSTOM_PREFIX + defined[name.lower()]] = op.params.pop(key)
        target = managed_by_value(op.params.get("managed_by"))
        if not actor.is_admin and target not in (None, "admin", actor.reseller):
            found.append(Problem(file, op.line, "managed_by", target or "",
                                 "a reseller may not hand cards to another reseller"))
    return found


def _record(con: duckdb.DuckDBPyConnection, result: ApplyResult, actor: Actor, now: datetime) -> None:
    ledger.record(con, sha256=result.sha256, file_name=result.file, kind="batch", at=now, actor=actor.label,
                  rows=result.rows, removed=result.deleted, changed=result.changed)


def _run(con: duckdb.DuckDBPyConnection, ctx: Context, ops: list[Operation], result: ApplyResult) -> dict[str, str]:
    """Every step in order; problems and counts into `result`. Returns the new PINs to seal."""
    pins: dict[str, str] = {}
    for step in plan(ops):
        outcome = run_step(con, ctx, ops, step)
        result.errors.extend(outcome.problems)
        for t in outcome.transitions:
            key = (t["old_status"], t["new_status"])
            result.transitions[key] = result.transitions.get(key, 0) + t["count_cards"]
            result.changed += t["count_cards"]
            result.deleted += t["count_deleted"]
        pins.update(outcome.pins)
    return pins


def apply_operations(con: duckdb.DuckDBPyConnection, settings: Settings, ops: list[Operation], actor: Actor,
                     source_file: str, dry_run: bool = False, sha256: str = "") -> ApplyResult:
    """Apply `ops` in order, each seeing the effect of those before, in one transaction.

    Returns accepted (committed; with `sha256`, recorded in the ledger as a batch) or rejected (nothing
    written but the report). With `dry_run`, the counts of what would change and nothing written.
    """
    now = settings.now()
    result = ApplyResult(source_file, "accepted", rows=len(ops), dry_run=dry_run, sha256=sha256)
    ctx = Context(settings, actor, source_file, now)
    result.errors = _row_problems(ops, actor, source_file, _custom_names(con))
    con.begin()
    try:
        first_seq = outbox.last_history_seq(con)
        pins = _run(con, ctx, ops, result) if not result.errors else {}
        queries.execute(con, "drop table if exists op_rows; drop table if exists op_selected; "
                             "drop table if exists op_after")
        if result.errors or dry_run:
            con.rollback()
        else:
            if pins:
                set_pins(con, load_key(settings.secret_key, settings.key_path), pins)
            result.events = outbox.enqueue(con, settings, first_seq)
            if sha256:
                _record(con, result, actor, now)
            con.commit()
    except Exception:
        con.rollback()
        raise
    if result.errors:
        result.errors.sort(key=lambda p: p.line or 0)  # stable: cards keep their order within a line
        result.status = "rejected"
        result.transitions, result.changed, result.deleted = {}, 0, 0
        result.report = str(write_rejection(settings.home, source_file, now, result.errors))
    return result


__all__ = ["apply_operations"]
