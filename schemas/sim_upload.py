"""The per-cell contract of an upload file, as a pandera (polars) schema.

Every column is text (as read); each check's `error` is the expectation a person reads in a
rejection ("expected 6-15 digits"). Cross-row rules (duplicates, the inventory) are SQL, elsewhere.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

TEXT_MAX = 255

# canonical column -> (regex the whole value must match, the expectation as people read it)
FORMATS: dict[str, tuple[str, str]] = {
    "action": (r"^(?i:\+|-|add|remove)$", "expected +, add, - or remove"),
    "iccid": (r"^[0-9]{18,20}$", "expected 18-20 digits (a trailing F pad is allowed)"),
    "imsi": (r"^[0-9]{6,15}$", "expected 6-15 digits"),
    "pin1": (r"^[0-9]{4,8}$", "expected 4-8 digits"),
    "pin2": (r"^[0-9]{4,8}$", "expected 4-8 digits"),
    "puk1": (r"^[0-9]{8}$", "expected 8 digits"),
    "puk2": (r"^[0-9]{8}$", "expected 8 digits"),
    "adm1": (r"^([0-9]{8}|[0-9A-Fa-f]{16})$", "expected 8 digits or 16 hex characters"),
    "ki": (r"^[0-9A-Fa-f]{32}$", "expected 32 hex characters"),
    "opc": (r"^[0-9A-Fa-f]{32}$", "expected 32 hex characters"),
    "amf": (r"^[0-9A-Fa-f]{4}$", "expected 4 hex characters"),
    # GSMA SGP.22 4.1: [LPA:]1$<SM-DP+ address>$<matching id>[$<OID>[$<flag>...]]
    "activation_code": (r"^(LPA:)?1\$[^$\s]+\$[^$\s]+(\$[^$]*)*$", "expected LPA:1$<SM-DP+ address>$<matching id>"),
    "sim_type": (r"^(?i:sim|esim)$", "expected SIM or eSIM"),
}
TEXT_COLUMNS = ("description", "hlr", "managed_by")
MANDATORY_MESSAGE = "is mandatory"
TEXT_MESSAGE = f"expected at most {TEXT_MAX} characters"


def upload_schema(columns: list[str]) -> pa.DataFrameSchema:
    """The schema for the columns a file actually has (`line` and custom columns included)."""
    cols: dict[str, pa.Column] = {"line": pa.Column(pl.Int64)}
    for name in columns:
        if name in FORMATS:
            regex, expectation = FORMATS[name]
            cols[name] = pa.Column(
                pl.Utf8, nullable=name not in ("iccid", "imsi"),
                checks=[pa.Check.str_matches(regex, error=expectation)],
            )
        elif name in TEXT_COLUMNS or name.startswith("custom:"):
            cols[name] = pa.Column(pl.Utf8, nullable=True, checks=[
                pa.Check(lambda d: d.lazyframe.select(pl.col(d.key).str.len_chars() <= TEXT_MAX), error=TEXT_MESSAGE)
            ])
    return pa.DataFrameSchema(cols, strict=False)
