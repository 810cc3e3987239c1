"""ICCIDs: the F pad, the Luhn check digit (ITU-T E.118 / ISO 7812), numeric form for ranges."""

from __future__ import annotations

import polars as pl

WIDTH = 20  # at most 20 digits; left zero-padding does not change a Luhn sum


def strip_pad(expr: pl.Expr) -> pl.Expr:
    """Drop a trailing F (nibble filler up to 20 digits), as delivered otherwise."""
    return expr.str.replace(r"[Ff]$", "")


def luhn_ok(expr: pl.Expr) -> pl.Expr:
    """True when the last digit is the Luhn check digit of the others. Vectorised: 20 fixed positions."""
    padded = expr.str.zfill(WIDTH)
    total = pl.lit(0, dtype=pl.Int32)
    for i in range(WIDTH):  # i = position from the right, 0 = the check digit
        d = padded.str.slice(WIDTH - 1 - i, 1).cast(pl.Int32)
        total = total + (d if i % 2 == 0 else pl.when(d * 2 > 9).then(d * 2 - 9).otherwise(d * 2))
    return total % 10 == 0


def luhn_digit(body: str) -> str:
    """The check digit to append to `body` (pySim calculate_luhn)."""
    digits = [int(c) for c in body]
    total = 0
    for i, d in enumerate(reversed(digits)):
        total += sum(divmod(d * 2, 10)) if i % 2 == 0 else d
    return str((10 - total % 10) % 10)
