"""Per-cell validation of an upload: the pandera schema of schemas/sim_upload.py, run in bounded chunks,
turned into rejection rows (file, line, column, masked value, reason) and aggregated policy warnings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandera.polars as pa
import polars as pl

from schemas.sim_upload import FORMATS, MANDATORY_MESSAGE, upload_schema
from sim_pipeline.columns import display
from sim_pipeline.drop_reader import LINE
from sim_pipeline.errors import Problem
from sim_pipeline.iccid import luhn_ok, strip_pad
from sim_pipeline.masking import is_printable, shown

CHUNK_ROWS = 500_000  # pandera collects per check; bounded chunks bound its memory
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+-]?\d+$")
LUHN_RULE = "ICCID check digit (Luhn) does not match"
PREFIX_RULE = "ICCID does not start with 89 (telecom)"


WARNING_SCHEMA = {"line": pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8}


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
    """`expected 6-15 digits, got "2420171000112X"`; for a secret, its shape only: `got 7`."""
    if value is None:
        return f"{display(column)} {MANDATORY_MESSAGE}"
    if _SCIENTIFIC.match(value):
        return (f'{expectation}, got "{value}": a spreadsheet turned the number into scientific notation '
                "and lost digits; format the column as Text and export again")
    if not is_printable(column):
        kind = "digits" if value.isdigit() else "characters"
        return f"{expectation}, got {len(value)}" + ("" if kind == "digits" else f" {kind}")
    got = f'got "{value}"'
    if re.search(r"\s", value):
        got += " (it contains white space)"
    return f"{expectation}, {got}"


def check_cells(frame: pl.DataFrame, file_name: str, iccid_policy: str) -> CellReport:
    """Run the schema over `frame` (canonical text columns + line), chunk by chunk."""
    report = CellReport()
    schema = upload_schema(frame.columns)
    for start in range(0, frame.height, CHUNK_ROWS):
        chunk = frame.slice(start, CHUNK_ROWS)
        try:
            schema.validate(chunk, lazy=True)
        except pa.errors.SchemaErrors as exc:
            report.errors.extend(_problems(exc.failure_cases, chunk, file_name))
    if iccid_policy != "off" and "iccid" in frame.columns:
        policy = _iccid_policy(frame)
        if iccid_policy == "strict":
            report.errors.extend(Problem(file_name, *row) for row in policy.iter_rows())
        else:
            report.warnings = policy
    report.errors.sort(key=lambda p: (p.line or 0, p.column))
    return report


def _problems(failures: pl.DataFrame, chunk: pl.DataFrame, file_name: str) -> list[Problem]:
    out = []
    cells = failures.filter(pl.col("index").is_not_null())
    for column, index in cells.select("column", "index").unique().sort("index", "column").iter_rows():
        value = chunk[index, column]
        expectation = FORMATS.get(column, ("", "expected at most 255 characters"))[1]
        out.append(Problem(file_name, int(chunk[index, LINE]), display(column), shown(column, value) or "",
                           describe(column, value, expectation)))
    for row in failures.filter(pl.col("index").is_null()).iter_rows(named=True):
        out.append(Problem(file_name, None, display(row["column"] or ""), "", f"{row['check']}"))
    return out


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
