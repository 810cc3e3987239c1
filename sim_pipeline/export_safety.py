"""Text from files is data, never code: neutralise it wherever it leaves the pipeline."""

from __future__ import annotations

import re
from typing import Any

import polars as pl

# A spreadsheet runs a cell starting with these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")


def neutralise_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will show as text. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def terminal_safe(text: str) -> str:
    """Drop control characters (ANSI escapes) that a file could smuggle onto an operator's terminal."""
    return _CONTROL.sub("\ufffd", text)


def neutralise_expr(expr: pl.Expr) -> pl.Expr:
    """neutralise_cell for a whole polars column at once."""
    return pl.when(expr.str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + expr).otherwise(expr)
