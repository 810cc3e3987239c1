"""The layout of a CSV file from its raw lines, with polars expressions (no Python loop per row).

`layout(path)` returns a Layout: the header line (1-based), its fields, the separator, the physical
line on which each record after the header starts (blank lines included, in file order), and the
non-blank records whose number of fields differs from the header's. polars.read_csv yields exactly one
row per such record (a blank line is an all-empty row), so rows and lines line up by position.

Raises FileRejected: not UTF-8, lone-CR line ends, no header, an unclosed or misplaced quote.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from sim_pipeline.readers.common import LINE, reject, reject_lines
from sim_pipeline.readers.lines import raw_lines

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
    lines: pl.Series       # Int64: the line each record after the header starts on
    ragged: pl.DataFrame   # line, fields: the non-blank records with another number of fields than the header


def layout(path: Path) -> Layout:
    lines = raw_lines(path)
    h = _first_filled(path, lines)
    header_text = lines[h]
    if "\r" in header_text:
        raise reject(path, "the lines end in a lone CR (old Mac format): save the file with LF or CRLF "
                           "line ends", line=h + 1)
    sep = sniff_separator(header_text)
    # The csv module refuses fields over 128 KiB; a header line may be anything (a 10 MB line included).
    csv.field_size_limit(max(csv.field_size_limit(), len(header_text) + 1))
    header = [f.strip() for f in next(csv.reader([header_text], delimiter=sep))]
    body = lines.slice(h + 1)
    records = _records(path, body, sep, first_line=h + 2)
    return Layout(h + 1, header, sep, records.get_column(LINE), _ragged(records, sep, len(header)))


def _first_filled(path: Path, lines: pl.Series) -> int:
    """The index of the first line that is not blank: the header."""
    for h, line in enumerate(lines):  # stops at the header: only leading blank lines are visited
        if line.strip():
            return h
    raise reject(path, "the file is empty")


def sniff_separator(header_line: str) -> str:
    """The most frequent of , ; TAB outside quotes in the header line (',' when none)."""
    bare = pl.Series([header_line]).str.replace_all(_QUOTED, "")[0]
    counts = {sep: bare.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


def _records(path: Path, body: pl.Series, sep: str, first_line: int) -> pl.DataFrame:
    """One row per record: its line, its text, its number of fields."""
    n = body.len()
    frame = pl.DataFrame({"text": body, LINE: pl.int_range(first_line, first_line + n, eager=True, dtype=pl.Int64)})
    quoted = body.str.contains('"', literal=True)
    if quoted.any():
        frame = _join_quoted_lines(path, frame)
        quoted = frame.get_column("text").str.contains('"', literal=True)
    fields = frame.get_column("text").str.count_matches(sep, literal=True) + 1
    at = quoted.arg_true()
    if at.len():
        # Only records with a quote need the (slower) regex: quoted fields stand replaced by a NUL,
        # and what remains shows the separators that count and any misplaced quote.
        some = frame[at].with_columns(bare=pl.col("text").str.replace_all(_QUOTED, "\x00"))
        bad = some.filter(_misplaced(pl.col("bare"), sep))
        if bad.height:
            raise reject_lines(path, bad.get_column(LINE).to_list(), MISPLACED_QUOTE)
        fields = fields.scatter(at, some.get_column("bare").str.count_matches(sep, literal=True) + 1)
    return frame.with_columns(fields=fields)


def _ragged(records: pl.DataFrame, sep: str, width: int) -> pl.DataFrame:
    """Records with another number of fields than the header, blank ones (only white space,
    separators and quotes: a line of commas from a spreadsheet) excepted."""
    odd = records.filter(pl.col("fields") != width)
    blank = pl.col("text").str.replace_all(r'[\s"]', "").str.replace_all(_RE_SEP[sep], "") == ""
    return odd.filter(~blank).select(LINE, "fields")


def _join_quoted_lines(path: Path, frame: pl.DataFrame) -> pl.DataFrame:
    """One row per record: lines inside a quoted field are joined to the line the record starts on.

    A line starts a record when the quotes before it are balanced (an even number of them)."""
    quotes = pl.col("text").str.count_matches('"', literal=True)
    frame = frame.with_columns(start=((quotes.cum_sum() - quotes) % 2 == 0))
    if frame.get_column("text").str.count_matches('"', literal=True).sum() % 2:
        opened = frame.filter("start").get_column(LINE)[-1]
        raise reject(path, UNCLOSED_QUOTE, line=opened)
    if frame.get_column("start").all():
        return frame.drop("start")
    return (
        frame.with_columns(record=pl.col("start").cum_sum())
        .group_by("record", maintain_order=True)
        .agg(pl.col(LINE).first(), pl.col("text").str.join("\n"))
        .drop("record")
    )


def well_quoted_line(sep: str) -> str:
    """A regex a line matches when its quotes are where this reader allows them (the rule of _records and
    _misplaced in one pattern): each field quoted whole, with every quote inside doubled, or holding no quote.
    staging.py checks the blocks of big files with it."""
    s = _RE_SEP[sep]
    field = rf'(?:{_QUOTED}|[^"{s}]*)'
    return rf"^{field}(?:{s}{field})*\r?$"


def _misplaced(bare: pl.Expr, sep: str) -> pl.Expr:
    """A quote outside a quoted field, or a quoted field (NUL) not standing between separators."""
    s = _RE_SEP[sep]
    return bare.str.contains(rf'"|[^{s}]\x00|\x00[^{s}]')
