"""Reading an MNO or reseller file into a frame of text columns with physical line numbers.

Every reader returns a `Drop`: canonical column names (sim_pipeline.columns), every value as trimmed
text (empty -> null), and a `line` column holding the line of the file on which the row stands, as a
person counts it (1-based; an XLSX row number). File-level problems raise FileRejected.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from sim_pipeline.columns import map_headers
from sim_pipeline.errors import FileRejected, Problem

LINE = "line"


@dataclass
class Drop:
    path: Path
    format: str                                   # csv | xlsx | xls | out
    frame: pl.DataFrame                           # canonical text columns + `line`
    header: dict[str, str] = field(default_factory=dict)   # vendor .out header block (Batch, Quantity, ...)
    notes: list[Problem] = field(default_factory=list)     # warnings about the file (skipped columns, ...)

    @property
    def rows(self) -> int:
        return self.frame.height


def reject(path: Path, reason: str, line: int | None = None, column: str = "") -> FileRejected:
    return FileRejected(path.name, [Problem(path.name, line, column, "", reason)])


def read_drop(path: Path) -> Drop:
    """Read any supported file, by content and extension."""
    if not path.is_file():
        raise reject(path, "not a regular file")
    return read_csv(path)


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise reject(path, "the file is empty")
    if b"\x00" in data[:65536]:
        raise reject(path, "binary content (NUL bytes): expected a CSV, XLSX or vendor .out file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise reject(path, "not UTF-8 text (save the file as UTF-8)", line=line) from None


def _sniff_separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","


def read_csv(path: Path) -> Drop:
    text = _decode(path, path.read_bytes())
    lines = text.splitlines()
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        raise reject(path, "the file is empty")
    sep = _sniff_separator(lines[first])
    header = next(csv.reader([lines[first]], delimiter=sep))
    hmap = map_headers(header, skip_unknown=False)
    if hmap.errors:
        raise FileRejected(path.name, [Problem(path.name, first + 1, "", "", e) for e in hmap.errors])
    try:
        frame = pl.read_csv(
            io.StringIO(text), separator=sep, has_header=True, infer_schema=False,
            skip_rows=first, truncate_ragged_lines=False, raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as exc:
        raise reject(path, f"cannot parse as CSV: {str(exc).splitlines()[0]}") from None
    if frame.height == 0:
        raise reject(path, "no rows after the header", line=first + 1)
    frame = frame.select(
        [pl.col(frame.columns[pos]).str.strip_chars().replace("", None).alias(name)
         for pos, name in hmap.columns.items()]
    )
    frame = frame.with_columns(pl.Series(LINE, _line_numbers(text, sep, first, frame.height)))
    frame = frame.filter(~pl.all_horizontal(pl.exclude(LINE).is_null()))  # blank lines
    if frame.height == 0:
        raise reject(path, "no rows after the header", line=first + 1)
    return Drop(path, "csv", frame)


def _line_numbers(text: str, sep: str, header_index: int, rows: int) -> list[int]:
    """Physical line of each record. The fast case (no blank lines, no quoted line breaks) is arithmetic."""
    body = text.split("\n", header_index + 1)[-1] if header_index else text.split("\n", 1)[-1]
    if '"' not in body and "\n\n" not in body.replace("\r\n", "\n"):
        start = header_index + 2
        return list(range(start, start + rows))
    numbers: list[int] = []
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    for _ in range(header_index + 1):
        next(reader)
    previous_end = reader.line_num
    for record in reader:
        numbers.append(previous_end + 1)  # blank records too: polars keeps them as all-null rows
        previous_end = reader.line_num
    return numbers[:rows] + list(range(len(numbers), rows))
