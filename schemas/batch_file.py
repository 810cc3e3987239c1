"""The per-cell contract of a batch file (group operations), as a pandera (polars) schema.

A batch file has an `action` column and one row per operation. A row selects cards by `iccid`, by
`imsi`, by an ICCID range (`iccid_from` + `iccid_to`) or, for `terminate_account`, by `account_id`;
the other columns are the operation's parameters. Every column is text (as read); each check's
`error` is what a person reads in the rejection. Rules about the inventory are SQL, elsewhere.
"""

from __future__ import annotations

from datetime import datetime

import pandera.polars as pa
import polars as pl

from schemas.vocabulary import CUSTOM_PREFIX, PRINTABLE_COLUMNS

ACTIONS = ("allocate", "deallocate", "assign", "unassign", "deactivate", "terminate_account", "activate",
           "delete", "update")
SELECTORS = ("iccid", "imsi", "iccid_from", "iccid_to")
PARAMS = ("account_id", "customer", "distributor", "representative", "activated_at", "reason", "description",
          "pin", "managed_by")
COLUMNS = ("action", *SELECTORS, *PARAMS)
# Columns whose values may be printed in messages and reports (an allow-list: `pin` and any new column
# are masked until added).
# The one allow-list of printable columns (schemas.vocabulary), plus the batch file's own plain columns.
PRINTABLE = PRINTABLE_COLUMNS | {*SELECTORS, "activated_at", "reason"}
CUSTOM = "custom"  # stands for every `<Name> custom` column in the tables below
ANY_PARTY = "*"    # deallocate: whichever customer / distributor / representative the card has

# Which parameters each action takes (`reason` goes with every action), which it needs, and of which
# it needs at least one.
ALLOWED: dict[str, frozenset[str]] = {
    "allocate": frozenset({"customer", "distributor", "representative"}),
    "deallocate": frozenset({"customer", "distributor", "representative"}),
    "assign": frozenset({"account_id", "customer"}),
    "unassign": frozenset(),
    "deactivate": frozenset(),
    "terminate_account": frozenset({"account_id"}),
    "activate": frozenset({"activated_at"}),
    "delete": frozenset(),
    "update": frozenset({"description", "pin", "managed_by", "distributor", "representative", CUSTOM}),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "assign": ("account_id", "customer"),
    "terminate_account": ("account_id",),
    "activate": ("activated_at",),
}
ONE_OF: dict[str, tuple[str, ...]] = {
    "allocate": ("customer", "distributor", "representative"),
    "update": ("description", "pin", "managed_by", "distributor", "representative", CUSTOM),
}

TEXT_MAX = 255
# column -> (regex the whole value must match, the expectation as people read it)
FORMATS: dict[str, tuple[str, str]] = {
    "action": ("^(" + "|".join(ACTIONS) + ")$", "expected one of " + ", ".join(ACTIONS)),
    "iccid": (r"^[0-9]{18,20}$", "expected 18-20 digits (a trailing F pad is allowed)"),
    "iccid_from": (r"^[0-9]{18,20}$", "expected 18-20 digits (a trailing F pad is allowed)"),
    "iccid_to": (r"^[0-9]{18,20}$", "expected 18-20 digits (a trailing F pad is allowed)"),
    "imsi": (r"^[0-9]{6,15}$", "expected 6-15 digits"),
    "pin": (r"^[0-9]{4,8}$", "expected 4-8 digits"),
    "activated_at": (
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$",
        "expected an ISO timestamp such as 2026-11-30T23:00:00Z",
    ),
}
TEXT_MESSAGE = f"expected at most {TEXT_MAX} characters"


def normalise_action(expr: pl.Expr) -> pl.Expr:
    """`Terminate-Account` -> `terminate_account`."""
    return expr.str.strip_chars().str.to_lowercase().str.replace_all("-", "_").str.replace_all(" ", "_")


def parse_timestamp(text: str) -> datetime | None:
    """An ISO timestamp as naive UTC (how timestamps are stored); None when it is not one."""
    from datetime import timezone

    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def _col_kind(column: str) -> str:
    return CUSTOM if column.startswith(CUSTOM_PREFIX) else column


def _acting(actions: list[str]) -> pl.Expr:
    return pl.col("action").is_in(actions)


def _applies_check(column: str) -> pa.Check:
    kind = _col_kind(column)
    takers = [a for a in ACTIONS if kind in ALLOWED[a] or kind == "reason"]
    others = [a for a in ACTIONS if a not in takers]
    return pa.Check(
        lambda d: d.lazyframe.select(~(_acting(others) & pl.col(d.key).is_not_null())),
        error=f"does not apply to this action (only to {', '.join(takers)})", ignore_na=False,
    )


def _required_check(column: str) -> pa.Check | None:
    needers = [a for a, cols in REQUIRED.items() if column in cols]
    if not needers:
        return None
    return pa.Check(
        lambda d: d.lazyframe.select(~(_acting(needers) & pl.col(d.key).is_null())),
        error=f"required for {' and '.join(needers)} rows", ignore_na=False,
    )


def _one_of_check(columns: list[str]) -> pa.Check:
    """On `action`: an allocate or update row names something to set."""
    def check(d):  # noqa: ANN001  pandera's PolarsData
        failing = pl.lit(False)
        for action, kinds in ONE_OF.items():
            present = [c for c in columns if _col_kind(c) in kinds]
            anything = pl.any_horizontal([pl.col(c).is_not_null() for c in present]) if present else pl.lit(False)
            failing = failing | ((pl.col("action") == action) & ~anything)
        return d.lazyframe.select(~failing)

    message = "; ".join(f"{a} rows need one of {', '.join(c if c != CUSTOM else '<Name> custom' for c in cols)}"
                        for a, cols in ONE_OF.items())
    return pa.Check(check, error=message, ignore_na=False)


def _selector_check() -> pa.Check:
    """On `iccid`: exactly one way of selecting cards (account_id alone for terminate_account)."""
    def check(d):  # noqa: ANN001
        ways = (pl.col("iccid").is_not_null().cast(pl.Int8) + pl.col("imsi").is_not_null().cast(pl.Int8)
                + (pl.col("iccid_from").is_not_null() | pl.col("iccid_to").is_not_null()).cast(pl.Int8))
        terminate = pl.col("action") == "terminate_account"
        ok = pl.when(terminate).then(ways == 0).otherwise((ways == 1) | ~_acting(list(ACTIONS)))
        return d.lazyframe.select(ok)

    return pa.Check(check, ignore_na=False, error=(
        "a row selects cards by exactly one of iccid, imsi, or iccid_from with iccid_to "
        "(terminate_account rows by account_id alone)"))


def _range_check() -> pa.Check:
    """On `iccid_to`: both bounds, of equal length, the first not greater than the last."""
    def check(d):  # noqa: ANN001
        lo, hi = pl.col("iccid_from"), pl.col("iccid_to")
        one_only = lo.is_null() != hi.is_null()
        both = lo.is_not_null() & hi.is_not_null()
        bad = both & ((lo.str.len_chars() != hi.str.len_chars())
                      | (lo.str.zfill(20) > hi.str.zfill(20)))
        return d.lazyframe.select(~(one_only | bad.fill_null(False)))

    return pa.Check(check, ignore_na=False, error=(
        "an ICCID range needs iccid_from and iccid_to of the same length, iccid_from not greater than iccid_to"))


def _timestamp_check() -> pa.Check:
    return pa.Check(
        lambda d: d.lazyframe.select(
            pl.col(d.key).map_elements(lambda v: parse_timestamp(v) is not None, return_dtype=pl.Boolean)),
        error=FORMATS["activated_at"][1],
    )


def batch_schema(columns: list[str], selectors: bool = True) -> pa.DataFrameSchema:
    """The schema for a batch frame holding every column of COLUMNS (absent ones as null) plus `line`
    and its custom columns. `selectors=False` for rows whose cards a filter selects (CLI group operations)."""
    cols: dict[str, pa.Column] = {"line": pa.Column(pl.Int64, nullable=True)}
    for name in columns:
        if name == "line":
            continue
        checks: list[pa.Check] = []
        if name in FORMATS:
            regex, expectation = FORMATS[name]
            checks.append(pa.Check.str_matches(regex, error=expectation))
        elif name != "action":
            checks.append(pa.Check(lambda d: d.lazyframe.select(pl.col(d.key).str.len_chars() <= TEXT_MAX),
                                   error=TEXT_MESSAGE))
        if name == "activated_at":
            checks.append(_timestamp_check())
        if name == "action":
            checks.append(_one_of_check(columns))
        elif name in PARAMS or name.startswith(CUSTOM_PREFIX):
            checks.append(_applies_check(name))
            required = _required_check(name)
            checks.extend([required] if required else [])
        if selectors and name == "iccid":
            checks.append(_selector_check())
        if selectors and name == "iccid_to":
            checks.append(_range_check())
        cols[name] = pa.Column(pl.Utf8, nullable=name != "action", checks=checks)
    return pa.DataFrameSchema(cols, strict=False)
