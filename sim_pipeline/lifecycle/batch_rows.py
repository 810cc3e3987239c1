"""Batch rows -> Operation rows: the pandera contract (schemas/batch_file.py) checked cell by cell, then
each row turned into the Operation that `apply_operations` applies. CLI group commands build one row
the same way (without selector columns: their cards come from a filter)."""

from __future__ import annotations

import polars as pl

from schemas.batch_file import ACTIONS, FORMATS, PRINTABLE, SELECTORS, batch_schema
from schemas.vocabulary import CUSTOM_PREFIX
from sim_pipeline.store.card_filter import CardFilter
from sim_pipeline.errors import Problem
from sim_pipeline.masking import mask_value
from sim_pipeline.lifecycle.model import Operation
from sim_pipeline.readers.common import LINE
from sim_pipeline.cell_checks import describe, failures_by_chunk



def column_name(column: str) -> str:
    """As the batch header names it: `iccid_from`, `Marketplace custom`."""
    return column[len(CUSTOM_PREFIX):] + " custom" if column.startswith(CUSTOM_PREFIX) else column


def printable(column: str) -> bool:
    return column in PRINTABLE or column.startswith(CUSTOM_PREFIX)


def shown(column: str, value: str | None) -> str | None:
    """The value as a report may print it: masked unless the column is on the allow-list."""
    return value if printable(column) else mask_value(value)


def _reason(column: str, check: str, value: str | None) -> str:
    if column in FORMATS and check == FORMATS[column][1]:
        # describe() prints the value of a printable upload column (with hints: white space, scientific
        # notation) and only the shape of any other; a printable batch column is printed like `iccid`.
        return describe("iccid" if printable(column) else column, value, check)
    if check == "not_nullable":
        return f"{column_name(column)} is mandatory"
    return check


def check_rows(frame: pl.DataFrame, file_name: str, selectors: bool = True) -> list[Problem]:
    """Every cell that breaks the contract, one problem per cell (its first broken check)."""
    schema = batch_schema(frame.columns, selectors=selectors)
    found: dict[tuple[int, str], Problem] = {}
    for start, chunk, failures in failures_by_chunk(schema, frame):
        cases = failures.filter(pl.col("index").is_not_null()).sort("index", "check_number")
        for column, check, index in cases.select("column", "check", "index").iter_rows():
            value = chunk[index, column]
            line = chunk[index, LINE]
            key = (start + index, column)
            if key not in found:
                found[key] = Problem(file_name, line, column_name(column), shown(column, value) or "",
                                     _reason(column, check, value))
    return sorted(found.values(), key=lambda p: (p.line or 0, p.column))


def to_operations(frame: pl.DataFrame, base_filter: CardFilter | None = None) -> list[Operation]:
    """One Operation per row of a checked frame. With `base_filter`, every row selects by that filter."""
    params_cols = [c for c in frame.columns if c not in (LINE, "action", *SELECTORS)]
    ops = []
    for row in frame.iter_rows(named=True):
        action = row["action"]
        assert action in ACTIONS
        params = {c: row[c] for c in params_cols if row[c] is not None}
        op = Operation(action, line=row[LINE], filter=base_filter, params=params,
                       **({} if base_filter else {c: row[c] for c in SELECTORS}))
        if action == "terminate_account" and base_filter is None:
            op.account_id = params.pop("account_id", None)
        ops.append(op)
    return ops
