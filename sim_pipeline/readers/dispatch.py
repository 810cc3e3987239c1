"""Reading an MNO or reseller file into a frame of text columns with physical line numbers.

`read_drop(path)` is the one entry point. Every reader returns a `Drop`: canonical column names
(sim_pipeline.readers.columns), every value as trimmed text (empty -> null), and a `line` column (Int64) holding
the line of the file on which the row stands, as a person counts it (1-based; for XLSX/XLS the
spreadsheet row number). File-level problems raise FileRejected; cell formats are checked later
(sim_pipeline.ingest.validate), so an ICCID keeps its F pad here.

The content decides the format, the name only when the content does not:
- a ZIP archive (PK) is read as XLSX, an OLE2 compound file (D0 CF 11 E0) as XLS;
- gzip/bzip2/xz/zstd/7z, UTF-16, PDF and other binary content are rejected, saying what the file is;
- text is a vendor .out file when named `.out` or when a line starts with `var_out:`, else CSV.
A file whose name says otherwise (a CSV named .xlsx, an XLS named .xlsx) is read as what it really is,
with a note in Drop.notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from sim_pipeline.errors import Problem
from sim_pipeline.readers import sniff
from sim_pipeline.readers.common import LINE, reject
from sim_pipeline.readers.csv_reader import read_csv
from sim_pipeline.readers.excel_reader import read_excel
from sim_pipeline.readers.vendor_out_reader import read_out

__all__ = ["LINE", "Drop", "read_drop", "reject"]

# Extensions that name a format; any other (.txt, none) just means "look at the content".
_NAMED = {".csv": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".out": "out"}


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


def read_drop(path: Path) -> Drop:
    """Read any supported file (CSV, XLSX, XLS, vendor .out), by content first, then extension."""
    path = Path(path)
    if not path.exists():
        raise reject(path, "no such file")
    if not path.is_file():
        raise reject(path, "not a regular file")
    fmt = sniff.kind(path, sniff.head(path))
    if fmt in ("xlsx", "xls"):
        parsed = read_excel(path, fmt)
    elif fmt == "out":
        parsed = read_out(path)
    else:
        parsed = read_csv(path)
    return Drop(path, fmt, parsed.frame, parsed.header, _name_note(path, fmt) + parsed.notes)


def _name_note(path: Path, fmt: str) -> list[Problem]:
    named = _NAMED.get(path.suffix.lower())
    if named is None or named == fmt:
        return []
    return [Problem(path.name, None, "", "", f"the file is named {path.suffix} but holds "
                    f"{_DESCRIBED[fmt]}: read as {fmt.upper()}")]


_DESCRIBED = {"csv": "CSV text", "xlsx": "an XLSX workbook", "xls": "an XLS workbook", "out": "a vendor .out file"}
