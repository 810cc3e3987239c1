"""CSV drops: `,` `;` or TAB (from the header line), UTF-8 with or without BOM, LF or CRLF, quoted
fields (line breaks inside them too), blank lines anywhere.

`read_csv(path)` returns Parsed: canonical text columns + `line`, the physical line on which each record
starts (blank lines and line breaks inside quotes counted). One polars parse plus one polars pass over
the raw lines (csv_layout): no Python loop per row.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sim_pipeline.errors import FileRejected, Problem
from sim_pipeline.readers.common import (
    LINE, MAX_LISTED, HeaderMapper, Parsed, canonical_frame, map_named, reject, reject_unnamed_with_data,
)
from sim_pipeline.readers.csv_layout import Layout, layout

SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def read_csv(path: Path, map_header: HeaderMapper = map_named) -> Parsed:
    """`map_header` maps the header row to canonical columns: an upload's by default, a batch's for batches."""
    lay = layout(path)
    hmap, unnamed = map_header(path, lay.header, lay.header_line)
    _reject_ragged(path, lay)
    raw = _parse(path, lay)
    reject_unnamed_with_data(path, raw, unnamed, lay.lines)
    frame = canonical_frame(raw, hmap, lay.lines)
    if frame.height == 0:
        raise reject(path, "no rows after the header", line=lay.header_line)
    return Parsed(frame)


def _reject_ragged(path: Path, lay: Layout) -> None:
    width, ragged = len(lay.header), lay.ragged
    if not ragged.height:
        return
    sep = SEPARATOR_NAMES[lay.separator]
    problems = [
        Problem(path.name, line, "", "", f"{fields} field{'s' if fields > 1 else ''} where the header has {width}"
                + (f" (a {sep} too many, or a field holding a {sep} that is not in quotes?)" if fields > width
                   else f" (a missing {sep}?)"))
        for line, fields in ragged.head(MAX_LISTED).select(LINE, "fields").iter_rows()
    ]
    if ragged.height > MAX_LISTED:
        problems.append(Problem(path.name, None, "", "", f"... and {ragged.height - MAX_LISTED} more lines "
                                "with the wrong number of fields"))
    raise FileRejected(path.name, problems)


def _parse(path: Path, lay: Layout) -> pl.DataFrame:
    """Every field as text, one row per record after the header (blank lines as empty rows)."""
    try:
        raw = pl.read_csv(
            path, separator=lay.separator, has_header=True, skip_lines=lay.header_line - 1,
            infer_schema=False, quote_char='"', truncate_ragged_lines=False, raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as exc:
        raise reject(path, f"cannot parse as CSV: {str(exc).splitlines()[0]}") from None
    if raw.shape != (lay.lines.len(), len(lay.header)):
        # csv_layout and polars disagree on where records start: say so rather than misnumber lines.
        raise reject(path, f"cannot parse as CSV: found {raw.height} records of {raw.width} fields, "
                           f"expected {lay.lines.len()} of {len(lay.header)}")
    return raw
