"""Per-cell validation of an upload: the pandera schema of schemas/sim_upload.py, run in bounded chunks,
turned into rejection rows (file, line, column, masked value, reason) and aggregated policy warnings.

Problems travel as frames of PROBLEM_SCHEMA (line, column, value, reason): a file with a million bad
cells is described with polars expressions, never a Python loop per cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from schemas.sim_upload import FORMATS, TEXT_MESSAGE, upload_schema
from sim_pipeline.cell_checks import describe_expr, display, failures_by_chunk
from sim_pipeline.readers.dispatch import LINE
from sim_pipeline.errors import Problem
from sim_pipeline.iccid import luhn_ok, strip_pad
from sim_pipeline.masking import is_printable, mask_expr
from sim_pipeline.rejections import PROBLEM_SCHEMA, WARNING_SCHEMA

LUHN_RULE = "ICCID check digit (Luhn) does not match"
PREFIX_RULE = "ICCID does not start with 89 (telecom)"




@dataclass
class CellReport:
    errors: list[Problem] = field(default_factory=list)
    # Warnings stay a frame (line, column, value, reason): a 10M-card file with bad check digits
    # has 10M of them, aggregated for the screen and written whole to the report file.
    warnings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=WARNING_SCHEMA))


def normalise(frame: pl.DataFrame) -> pl.DataFrame:
    """The ICCID as stored: delivered minus a trailing F pad."""
    return frame.with_columns(strip_pad(pl.col("iccid")).alias("iccid")) if "iccid" in frame.columns else frame


def check_cells(frame: pl.DataFrame, file_name: str, iccid_policy: str) -> CellReport:
    """Run the schema over `frame` (canonical text columns + line), chunk by chunk."""
    errors, warnings = cell_problems(frame, iccid_policy)
    return CellReport(problems_list(file_name, errors), warnings)


def cell_problems(frame: pl.DataFrame, iccid_policy: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(errors, warnings) of `frame` as PROBLEM_SCHEMA frames sorted by line and column.

    Errors: every cell the schema refuses (line null for a problem of the whole file) and, with the
    strict ICCID policy, the policy findings; warnings: the policy findings under `warn`.
    """
    found = [_problems(failures, chunk) for _, chunk, failures in failures_by_chunk(upload_schema(frame.columns), frame)]
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

