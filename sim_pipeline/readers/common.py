"""What every reader shares: the result type, rejections, header mapping, trimming text columns.

A reader's frame: canonical column names (sim_pipeline.readers.columns), every value trimmed text with empty
as null, plus `line` (Int64, the 1-based physical line or spreadsheet row of the record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import polars as pl

from sim_pipeline.readers.columns import HeaderMap, map_headers
from sim_pipeline.errors import FileRejected, Problem

LINE = "line"
MAX_LISTED = 100  # rejection rows listed for one kind of file-level problem; the rest are counted


@dataclass
class Parsed:
    """What a reader found: the rows, the vendor header block, warnings about the file."""

    frame: pl.DataFrame
    header: dict[str, str] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)


def reject(path: Path, reason: str, line: int | None = None, column: str = "") -> FileRejected:
    """A FileRejected with one problem."""
    return FileRejected(path.name, [Problem(path.name, line, column, "", reason)])


def reject_lines(path: Path, lines: list[int], reason: str) -> FileRejected:
    """One problem per line (at most MAX_LISTED of them, then a count of the others)."""
    problems = [Problem(path.name, ln, "", "", reason) for ln in lines[:MAX_LISTED]]
    more = len(lines) - len(problems)
    if more > 0:
        problems.append(Problem(path.name, None, "", "", f"... and {more} more lines like these"))
    return FileRejected(path.name, problems)


def map_or_reject(path: Path, headers: list[str], line: int, *, skip_unknown: bool) -> HeaderMap:
    """columns.map_headers, its errors raised as one FileRejected pointing at the header line."""
    hmap = map_headers(headers, skip_unknown=skip_unknown)
    if hmap.errors:
        raise FileRejected(path.name, [Problem(path.name, line, "", "", e) for e in hmap.errors])
    return hmap


# (file, header cells, header line) -> (the mapping, positions of unnamed columns)
HeaderMapper = Callable[[Path, list[str], int], tuple[HeaderMap, list[int]]]


def map_named(path: Path, headers: list[str], line: int) -> tuple[HeaderMap, list[int]]:
    """Map a CSV/XLSX header row, leaving out columns with no header name.

    Returns the map (positions in `headers`) and the positions of the unnamed columns: a spreadsheet
    often carries a trailing empty column, which is fine as long as it holds no data (the caller checks).
    """
    named = [i for i, h in enumerate(headers) if h is not None and str(h).strip()]
    hmap = map_or_reject(path, [str(headers[i]) for i in named], line, skip_unknown=False)
    hmap.columns = {named[i]: name for i, name in hmap.columns.items()}
    return hmap, sorted(set(range(len(headers))) - set(named))


def text(expr: pl.Expr) -> pl.Expr:
    """Trimmed text, empty as null."""
    return expr.cast(pl.String).str.strip_chars().replace("", None)


def canonical_frame(raw: pl.DataFrame, hmap: HeaderMap, lines: pl.Series) -> pl.DataFrame:
    """Select the mapped columns of `raw` by position, trim them, add `line`, drop blank rows."""
    cols = raw.columns
    frame = raw.select([text(pl.col(cols[pos])).alias(name) for pos, name in hmap.columns.items()])
    frame = frame.with_columns(lines.cast(pl.Int64).alias(LINE))
    return frame.filter(~pl.all_horizontal(pl.exclude(LINE).is_null()))


def reject_unnamed_with_data(path: Path, raw: pl.DataFrame, unnamed: list[int], lines: pl.Series) -> None:
    """A column with no header name may only be empty; name the first line where it is not."""
    for pos in unnamed:
        holds = raw.select(text(pl.col(raw.columns[pos])).is_not_null()).to_series()
        filled = lines.filter(holds)
        if filled.len():
            raise reject(path, f"column {pos + 1} has no header but holds data", line=int(filled[0]))
