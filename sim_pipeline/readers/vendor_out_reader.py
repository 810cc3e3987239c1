"""SIM vendor output files (.out): a header block, an input-variables block, then `var_out:` and one
row per card (sim-domain.md section 3; the reference parser is ostelco's outfileparser.go).

`read_out(path)` returns Parsed:
- frame: the var_out columns the inventory keeps (columns.map_headers with skip_unknown) as trimmed
  text, plus `line`, the physical line of each data row;
- header: the `Key : value` lines of the header block, keys as written (`Quantity`, `Batch No`);
- notes: one per var_out column the inventory does not keep (ADM2, Access_Control, ...).
The input-variables block (`var_In:`, `Var_In_List:`, `Ser_nb: ...`) describes the order, not the cards:
it is skipped. Rows: fields split on commas when the row has one, else on runs of white space.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from sim_pipeline.errors import FileRejected, Problem
from sim_pipeline.readers.common import LINE, MAX_LISTED, Parsed, canonical_frame, map_or_reject, reject
from sim_pipeline.readers.lines import raw_lines

_VAR_OUT = r"(?i)^\s*var_out\s*:"
_INPUT_START = re.compile(r"^\s*(\*?\s*INPUT\s+VARIABLES\b|var_in(_list)?\s*:)", re.IGNORECASE)
_KEY_VALUE = re.compile(r"^\s*([^*:\s][^:]*?)\s*:\s*(.*?)\s*$")
QUANTITY_KEYS = ("quantity", "quanitity")  # one vendor spells it Quanitity
_FIELD_BREAK = "\x1f"
_GROUPING = str.maketrans("", "", " ,_'")


def read_out(path: Path) -> Parsed:
    lines = raw_lines(path)
    found = lines.str.contains(_VAR_OUT).arg_true()
    if found.len() == 0:
        raise reject(path, "no var_out: line (the list of output columns) found: not a vendor .out file?")
    at = int(found[0])  # 0-based; the var_out line is at + 1
    header, quantity_line = _header(lines.head(at).to_list())
    names = [c.strip() for c in lines[at].split(":", 1)[1].split("/")]
    hmap = map_or_reject(path, names, at + 1, skip_unknown=True)
    notes = [Problem(path.name, at + 1, "", "", f"column {name} is not kept by the inventory")
             for name in hmap.skipped]
    rows = _rows(path, lines.slice(at + 1), first_line=at + 2, width=len(names))
    _check_quantity(path, header, quantity_line, rows.height)
    frame = canonical_frame(rows.drop(LINE), hmap, rows.get_column(LINE))
    return Parsed(frame, header=header, notes=notes)


def _header(lines: list[str]) -> tuple[dict[str, str], int | None]:
    """`Key : value` lines before the input-variables block; and the line of the Quantity entry."""
    header: dict[str, str] = {}
    quantity_line = None
    for number, line in enumerate(lines, start=1):
        if _INPUT_START.match(line):
            break
        match = _KEY_VALUE.match(line)
        if match:
            header[match.group(1)] = match.group(2)
            if match.group(1).lower() in QUANTITY_KEYS:
                quantity_line = number
    return header, quantity_line


def _rows(path: Path, body: pl.Series, first_line: int, width: int) -> pl.DataFrame:
    """The data rows after var_out (blank and `*` banner lines skipped), one text column per field."""
    n = body.len()
    frame = pl.DataFrame({"text": body.str.strip_chars(),
                          LINE: pl.int_range(first_line, first_line + n, eager=True, dtype=pl.Int64)})
    frame = frame.filter((pl.col("text") != "") & ~pl.col("text").str.starts_with("*"))
    if frame.height == 0:
        raise reject(path, "no rows after the var_out line", line=first_line - 1)
    text = pl.col("text")
    fields = (
        pl.when(text.str.contains(",", literal=True))
        .then(text.str.replace_all(r"\s*,\s*", _FIELD_BREAK))
        .otherwise(text.str.replace_all(r"\s+", _FIELD_BREAK))
        .str.split(_FIELD_BREAK)
    )
    frame = frame.select(LINE, fields=fields)
    wrong = frame.filter(pl.col("fields").list.len() != width)
    if wrong.height:
        raise _wrong_width(path, wrong, width)
    return frame.select(
        [pl.col("fields").list.get(i).alias(f"f{i}") for i in range(width)] + [pl.col(LINE)]
    )


def _wrong_width(path: Path, wrong: pl.DataFrame, width: int) -> FileRejected:
    counts = wrong.select(LINE, n=pl.col("fields").list.len())
    problems = [Problem(path.name, line, "", "", f"{n} field{'s' if n != 1 else ''} where var_out lists {width} columns")
                for line, n in counts.head(MAX_LISTED).iter_rows()]
    if counts.height > MAX_LISTED:
        problems.append(Problem(path.name, None, "", "", f"... and {counts.height - MAX_LISTED} more rows "
                                "with the wrong number of fields"))
    return FileRejected(path.name, problems)


def _check_quantity(path: Path, header: dict[str, str], line: int | None, rows: int) -> None:
    key = next((k for k in header if k.lower() in QUANTITY_KEYS), None)
    if key is None:
        return
    stated = header[key]
    digits = stated.translate(_GROUPING)  # "1 000" and "1,000" are 1000
    if not digits.isdigit():
        raise reject(path, f"{key} in the header is {stated!r}, not a number of cards", line=line)
    if int(digits) != rows:
        raise reject(path, f"{key} in the header says {int(digits)}, the file has {rows} row"
                           f"{'s' if rows != 1 else ''}", line=line)
