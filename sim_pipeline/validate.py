"""Per-cell validation of an upload: the pandera schema of schemas/sim_upload.py, run in bounded chunks,
turned into rejection rows (file, line, column, masked value, reason) and aggregated policy warnings.

Problems travel as frames of PROBLEM_SCHEMA (line, column, value, reason): a file with a million bad
cells is described with polars expressions, never a Python loop per cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandera.polars as pa
import polars as pl

from schemas.sim_upload import FORMATS, MANDATORY_MESSAGE, TEXT_MESSAGE, upload_schema
from sim_pipeline.columns import display
from sim_pipeline.drop_reader import LINE
from sim_pipeline.errors import Problem
from sim_pipeline.iccid import luhn_ok, strip_pad
from sim_pipeline.masking import is_printable, mask_expr

CHUNK_ROWS = 500_000  # pandera collects per check; bounded chunks bound its memory
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+-]?\d+$")
LUHN_RULE = "ICCID check digit (Luhn) does not match"
PREFIX_RULE = "ICCID does not start with 89 (telecom)"
SCIENTIFIC_HINT = ": a spreadsheet turned the number into scientific notation and lost digits; format the column " \
                  "as Text and export again"


WARNING_SCHEMA = {"line": pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8}
PROBLEM_SCHEMA = WARNING_SCHEMA


@dataclass
class CellReport:
    errors: list[Problem] = field(default_factory=list)
    # Warnings stay a frame (line, column, value, reason): a 10M-card file with bad check digits
    # has 10M of them, aggregated for the screen and written whole to the report file.
    warnings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=WARNING_SCHEMA))


def normalise(frame: pl.DataFrame) -> pl.DataFrame:
    """The ICCID as stored: delivered minus a trailing F pad."""
    return frame.with_columns(strip_pad(pl.col("iccid")).alias("iccid")) if "iccid" in frame.columns else frame


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


def check_cells(frame: pl.DataFrame, file_name: str, iccid_policy: str) -> CellReport:
    """Run the schema over `frame` (canonical text columns + line), chunk by chunk."""
    errors, warnings = cell_problems(frame, iccid_policy)
    return CellReport(problems_list(file_name, errors), warnings)


def cell_problems(frame: pl.DataFrame, iccid_policy: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(errors, warnings) of `frame` as PROBLEM_SCHEMA frames sorted by line and column.

    Errors: every cell the schema refuses (line null for a problem of the whole file) and, with the
    strict ICCID policy, the policy findings; warnings: the policy findings under `warn`.
    """
    schema = upload_schema(frame.columns)
    found = []
    for start in range(0, frame.height, CHUNK_ROWS):
        chunk = frame.slice(start, CHUNK_ROWS)
        try:
            schema.validate(chunk, lazy=True)
        except pa.errors.SchemaErrors as exc:
            found.append(_problems(exc.failure_cases, chunk))
    warnings = pl.DataFrame(schema=WARNING_SCHEMA)
    if iccid_policy != "off" and "iccid" in frame.columns:
        policy = _iccid_policy(frame)
        if iccid_policy == "strict":
            found.append(policy)
        else:
            warnings = policy
    errors = pl.concat(found) if found else pl.DataFrame(schema=PROBLEM_SCHEMA)
    return errors.sort("line", "column", nulls_last=False), warnings


def problems_list(file_name: str, problems: pl.DataFrame) -> list[Problem]:
    """PROBLEM_SCHEMA rows as Problem objects (one per rejection row, for the result and the screen)."""
    return [Problem(file_name, line, column, value or "", reason)
            for line, column, value, reason in problems.select(list(PROBLEM_SCHEMA)).iter_rows()]


def _problems(failures: pl.DataFrame, chunk: pl.DataFrame) -> pl.DataFrame:
    """Pandera's failure cases as rejection rows: the cell's line, column, shown value and reason."""
    cells = failures.filter(pl.col("index").is_not_null()).select("column", "index").unique()
    out = []
    for column, indexes in cells.group_by("column").agg("index").iter_rows():  # one pass per failing column
        expectation = FORMATS.get(column, ("", TEXT_MESSAGE))[1]
        idx = pl.Series(indexes, dtype=pl.Int64).sort()
        values = chunk.select(pl.col(LINE).gather(idx).alias("line"), pl.col(column).gather(idx).alias("raw"))
        raw = pl.col("raw")
        out.append(values.select(
            "line",
            pl.lit(display(column)).alias("column"),
            (raw if is_printable(column) else mask_expr(raw)).fill_null("").alias("value"),
            describe_expr(column, raw, expectation).alias("reason"),
        ))
    whole_file = failures.filter(pl.col("index").is_null())
    if whole_file.height:
        out.append(pl.DataFrame({
            "line": [None] * whole_file.height,
            "column": [display(c or "") for c in whole_file.get_column("column").to_list()],
            "value": [""] * whole_file.height,
            "reason": [str(c) for c in whole_file.get_column("check").to_list()],
        }, schema=PROBLEM_SCHEMA))
    return pl.concat(out).cast(PROBLEM_SCHEMA) if out else pl.DataFrame(schema=PROBLEM_SCHEMA)


def _iccid_policy(frame: pl.DataFrame) -> pl.DataFrame:
    """Luhn digit (19-20 digits; 18 have none) and the 89 prefix: a policy, since real ICCIDs break both.

    One row per finding: line, column, value, reason.
    """
    digits = frame.select(LINE, "iccid").filter(pl.col("iccid").str.contains(r"^\d{18,20}$"))
    base = digits.select(pl.col(LINE).alias("line"), pl.lit("ICCID").alias("column"), pl.col("iccid").alias("value"))
    luhn = base.filter((pl.col("value").str.len_chars() >= 19) & ~luhn_ok(pl.col("value")))
    prefix = base.filter(~pl.col("value").str.starts_with("89"))
    return pl.concat([
        luhn.with_columns(reason=pl.lit(LUHN_RULE)),
        prefix.with_columns(reason=pl.lit(PREFIX_RULE)),
    ]).sort("line").cast(WARNING_SCHEMA)

