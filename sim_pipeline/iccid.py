"""ICCIDs: the F pad, the Luhn check digit (ITU-T E.118 / ISO 7812), numeric form for ranges."""

from __future__ import annotations

import polars as pl

WIDTH = 20  # at most 20 digits; left zero-padding does not change a Luhn sum


def strip_pad(expr: pl.Expr) -> pl.Expr:
    """Drop one trailing F (nibble filler up to 20 digits), as delivered otherwise; strip_pad_text is its twin
    for one value."""
    return expr.str.replace(r"[Ff]$", "")


def strip_pad_text(value: str) -> str:
    """One ICCID as typed or read: surrounding spaces and one trailing F pad removed (never more: `...FF`
    is not an ICCID, and stripping both would make it one)."""
    value = value.strip()
    return value[:-1] if value[-1:] in ("F", "f") else value


def _doubled(d: int) -> int:
    return 2 * d if d < 5 else 2 * d - 9


# The Luhn sum of every 4-digit group whose rightmost digit is not doubled (groups start at even positions).
_GROUP_SUMS = pl.Series([v % 10 + _doubled(v // 10 % 10) + v // 100 % 10 + _doubled(v // 1000) for v in range(10_000)],
                        dtype=pl.Int32)


def _luhn_ok_series(values: pl.Series) -> pl.Series:
    padded = values.str.zfill(WIDTH)
    total = None
    for k in range(WIDTH // 4):  # 5 groups of 4 digits, from the right: 5 look-ups instead of 20 digits
        group_sum = _GROUP_SUMS.gather(padded.str.slice(WIDTH - 4 * (k + 1), 4).cast(pl.Int32, strict=False))
        total = group_sum if total is None else total + group_sum
    return total % 10 == 0


def luhn_ok(expr: pl.Expr) -> pl.Expr:
    """True when the last digit is the Luhn check digit of the others; null unless 1-20 digits.

    Vectorised by table look-up on 4-digit groups, on whole columns (map_batches): one digit at a time,
    as 20 sliced and cast expressions, cost ten times as much (eager polars evaluates each slice again).
    """
    return pl.when(expr.str.contains(r"^[0-9]{1,20}$")).then(expr.map_batches(_luhn_ok_series, return_dtype=pl.Boolean))


def luhn_digit(body: str) -> str:
    """The check digit to append to `body` (pySim calculate_luhn)."""
    digits = [int(c) for c in body]
    total = 0
    for i, d in enumerate(reversed(digits)):
        total += sum(divmod(d * 2, 10)) if i % 2 == 0 else d
    return str((10 - total % 10) % 10)
