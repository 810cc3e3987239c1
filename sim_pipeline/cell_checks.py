"""What every cell check shares: pandera run over bounded chunks, and a bad cell described for people.

`describe` is the one wording of a refused cell, for uploads and batch files alike: the value of a printable
column is quoted (with hints: white space, a spreadsheet's scientific notation), a secret only by its shape
(`got 7`). `describe_expr` is the same text for a whole column of values. `display` names a canonical
column the way people read it (`IMSI`, `Marketplace custom`).
"""

from __future__ import annotations

import re
from typing import Iterator

import pandera.polars as pa
import polars as pl

from schemas.sim_upload import MANDATORY_MESSAGE
from schemas.vocabulary import CUSTOM_PREFIX, DISPLAY_NAMES
from sim_pipeline.masking import is_printable

CHUNK_ROWS = 500_000  # pandera collects per check; bounded chunks bound its memory
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+-]?\d+$")
SCIENTIFIC_HINT = ": a spreadsheet turned the number into scientific notation and lost digits; format the column " \
                  "as Text and export again"


def display(column: str) -> str:
    """How a canonical column is named to people: `IMSI`, `Marketplace custom`."""
    if column.startswith(CUSTOM_PREFIX):
        return column[len(CUSTOM_PREFIX):] + " custom"
    return DISPLAY_NAMES.get(column, column)


def failures_by_chunk(schema: pa.DataFrameSchema, frame: pl.DataFrame,
                      chunk_rows: int = CHUNK_ROWS) -> Iterator[tuple[int, pl.DataFrame, pl.DataFrame]]:
    """(first row, chunk, pandera's failure cases) for every chunk of `frame` the schema refuses.

    Value checks need a DataFrame (a LazyFrame gets schema-level checks only) and `lazy=True` collects
    every failing cell, not the first.
    """
    for start in range(0, frame.height, chunk_rows):
        chunk = frame.slice(start, chunk_rows)
        try:
            schema.validate(chunk, lazy=True)
        except pa.errors.SchemaErrors as exc:
            yield start, chunk, exc.failure_cases


def describe(column: str, value: str | None, expectation: str) -> str:
    """`expected 6-15 digits, got "2420171000112X"`; for a secret, its shape only: `got 7`.

    describe_expr is the same text for a whole column of values.
    """
    if value is None:
        return f"{display(column)} {MANDATORY_MESSAGE}"
    if _SCIENTIFIC.match(value) and is_printable(column):
        return f'{expectation}, got "{value}"{SCIENTIFIC_HINT}'
    if not is_printable(column):
        kind = "digits" if value.isdigit() else "characters"
        return f"{expectation}, got {len(value)}" + ("" if kind == "digits" else f" {kind}")
    got = f'got "{value}"'
    if re.search(r"\s", value):
        got += " (it contains white space)"
    return f"{expectation}, {got}"


def describe_expr(column: str, value: pl.Expr, expectation: str) -> pl.Expr:
    """describe() over a column of values (null = the empty mandatory cell)."""
    quoted = pl.lit(f'{expectation}, got "') + value + pl.lit('"')
    if is_printable(column):
        shape = quoted + pl.when(value.str.contains(r"\s")).then(pl.lit(" (it contains white space)")).otherwise(pl.lit(""))
    else:
        shape = (pl.lit(f"{expectation}, got ") + value.str.len_chars().cast(pl.Utf8)
                 + pl.when(value.str.contains(r"^\d+$")).then(pl.lit("")).otherwise(pl.lit(" characters")))
    return (
        pl.when(value.is_null()).then(pl.lit(f"{display(column)} {MANDATORY_MESSAGE}"))
        # A secret is never quoted, even when a spreadsheet mangled it: its shape only.
        .when(pl.lit(is_printable(column)) & value.str.contains(_SCIENTIFIC.pattern))
        .then(quoted + pl.lit(SCIENTIFIC_HINT))
        .otherwise(shape)
    )
