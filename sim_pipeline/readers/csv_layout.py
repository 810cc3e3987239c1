"""The layout of a CSV file from its raw lines, with polars expressions (no Python loop per row).

`layout(path)` returns a Layout: the header line (1-based), its fields, the separator, and one row per
record after the header (blank lines included, in file order) with the physical line it starts on,
its number of fields and whether it is blank. polars.read_csv yields exactly one row per such record
(a blank line is an all-empty row), so the two line up by position.

Raises FileRejected: not UTF-8, lone-CR line ends, no header, an unclosed or misplaced quote.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from sim_pipeline.readers.common import LINE, reject, reject_lines
from sim_pipeline.readers.sniff import reject_non_utf8

SEPARATORS = (",", ";", "\t")
_RE_SEP = {",": ",", ";": ";", "\t": r"\t"}  # as a literal in a (Rust) regex
_QUOTED = r'"(?:[^"]|"")*"'
UNCLOSED_QUOTE = (
    'unbalanced quote: a quote (") on this line opens a field that is never closed; a field holding a quote '
    'must start and end with a quote, with every quote inside doubled ("5"" screen")'
)
MISPLACED_QUOTE = (
    'misplaced quote: a field holding a quote (") must start and end with a quote, with every quote '
    'inside doubled ("5"" screen"), and nothing between the closing quote and the separator'
)


@dataclass
class Layout:
    header_line: int
    header: list[str]
    separator: str
    records: pl.DataFrame  # line (Int64), fields (UInt32), blank (Boolean): one row per record after the header


def layout(path: Path) -> Layout:
    lines = raw_lines(path)
    nonblank = (lines.str.strip_chars() != "").arg_true()
    if nonblank.len() == 0:
        raise reject(path, "the file is empty")
    h = int(nonblank[0])
    header_text = lines[h]
    if "\r" in header_text:
        raise reject(path, "the lines end in a lone CR (old Mac format): save the file with LF or CRLF "
                           "line ends", line=h + 1)
    sep = sniff_separator(header_text)
    header = [f.strip() for f in next(csv.reader([header_text], delimiter=sep))]
    body = lines.slice(h + 1)
    return Layout(h + 1, header, sep, _records(path, body, sep, first_line=h + 2))


def raw_lines(path: Path) -> pl.Series:
    """Every physical line, without its LF or CRLF, the UTF-8 byte order mark dropped."""
    try:
        lines = pl.read_lines(path, name="raw").to_series()
    except pl.exceptions.PolarsError:
        raise reject_non_utf8(path) from None
    if lines.len() and lines[0].startswith("\ufeff"):
        lines = lines.scatter(0, lines[0][1:])
    return lines


def sniff_separator(header_line: str) -> str:
    """The most frequent of , ; TAB outside quotes in the header line (',' when none)."""
    bare = pl.Series([header_line]).str.replace_all(_QUOTED, "")[0]
    counts = {sep: bare.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


def _records(path: Path, body: pl.Series, sep: str, first_line: int) -> pl.DataFrame:
    n = body.len()
    frame = pl.DataFrame({"text": body, LINE: pl.int_range(first_line, first_line + n, eager=True, dtype=pl.Int64)})
    if body.str.contains('"', literal=True).any():
        frame = _join_quoted_lines(path, frame, sep)
    text = pl.col("text")
    return frame.select(
        LINE,
        fields=(text.str.replace_all(_QUOTED, "").str.count_matches(sep, literal=True) + 1),
        blank=text.str.replace_all(r'[\s"]', "").str.replace_all(_RE_SEP[sep], "") == "",
    )


def _join_quoted_lines(path: Path, frame: pl.DataFrame, sep: str) -> pl.DataFrame:
    """One row per record: lines inside a quoted field are joined to the line the record starts on.

    A line starts a record when the quotes before it are balanced (an even number of them)."""
    quotes = pl.col("text").str.count_matches('"', literal=True)
    frame = frame.with_columns(start=((quotes.cum_sum() - quotes) % 2 == 0))
    if frame.get_column("text").str.count_matches('"', literal=True).sum() % 2:
        opened = frame.filter("start").get_column(LINE)[-1]
        raise reject(path, UNCLOSED_QUOTE, line=opened)
    if not frame.get_column("start").all():
        frame = (
            frame.with_columns(record=pl.col("start").cum_sum())
            .group_by("record", maintain_order=True)
            .agg(pl.col(LINE).first(), pl.col("text").str.join("\n"))
        )
    bad = frame.filter(pl.col("text").str.contains('"', literal=True) & _misplaced(pl.col("text"), sep))
    if bad.height:
        raise reject_lines(path, bad.get_column(LINE).to_list(), MISPLACED_QUOTE)
    return frame.select("text", LINE)


def _misplaced(text: pl.Expr, sep: str) -> pl.Expr:
    """A quote outside a quoted field, or a quoted field not standing between separators."""
    s = _RE_SEP[sep]
    return text.str.replace_all(_QUOTED, "\x00").str.contains(rf'"|[^{s}]\x00|\x00[^{s}]')
