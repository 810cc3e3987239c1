"""Which values may be printed. An allow-list (schemas.vocabulary.PRINTABLE_COLUMNS): a column not on
it, such as KI, OPC, PIN, PUK, ADM or any new secret column, is masked by default."""

from __future__ import annotations

import polars as pl

from schemas.vocabulary import CUSTOM_PREFIX, PRINTABLE_COLUMNS, SECRET_COLUMNS


def is_printable(column: str) -> bool:
    return column in PRINTABLE_COLUMNS or (column.startswith(CUSTOM_PREFIX) and column not in SECRET_COLUMNS)


def mask_value(value: str | None) -> str | None:
    """At most the last 2 characters shown; a value of 4 characters or fewer (a PIN) shows none."""
    if value is None:
        return None
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 2) + value[-2:]


def mask_expr(value: pl.Expr) -> pl.Expr:
    """mask_value for a whole polars column at once."""
    stars = value.str.replace_all(r"(?s).", "*")
    n = value.str.len_chars()
    return pl.when(n <= 4).then(stars).otherwise(stars.str.slice(0, n - 2) + value.str.slice(-2))


def shown(column: str, value: str | None) -> str | None:
    return value if is_printable(column) else mask_value(value)
