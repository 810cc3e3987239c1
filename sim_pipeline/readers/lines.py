"""The physical lines of a text file (CSV, vendor .out), read by polars without a Python loop.

`raw_lines(path)` returns a String Series, one element per line, without its LF or CRLF and without a
UTF-8 byte order mark; a file that is not UTF-8 is rejected naming the line of the first bad byte.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sim_pipeline.errors import FileRejected
from sim_pipeline.readers.common import reject


def raw_lines(path: Path) -> pl.Series:
    """Every physical line, without its LF or CRLF, the UTF-8 byte order mark dropped."""
    try:
        lines = pl.read_lines(path, name="raw").to_series()
    except pl.exceptions.PolarsError:
        raise reject_non_utf8(path) from None
    if lines.len() and lines[0].startswith("\ufeff"):
        lines = lines.scatter(0, lines[0][1:])
    return lines


def reject_non_utf8(path: Path) -> FileRejected:
    """The rejection for a file that is not UTF-8, naming the line of the first bad byte."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        return reject(path, f"not UTF-8 text (byte 0x{byte:02X} cannot be read): save the file as UTF-8 "
                            "(in Excel: 'CSV UTF-8')", line=line)
    return reject(path, "cannot read the file as UTF-8 text")
