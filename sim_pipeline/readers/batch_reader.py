"""Reading a batch file (group operations) into a frame of text columns with physical line numbers.

`read_batch(path)` returns a BatchFile whose frame holds every column of schemas.batch_file.COLUMNS
(absent ones as null), the file's `<Name> custom` columns as `custom:<Name>`, and `line` (Int64: the
physical line, or spreadsheet row, on which the row stands). Values are trimmed text, empty as null,
ICCIDs without their F pad, the action in its canonical spelling. File-level problems raise FileRejected.

The bytes are read by the upload readers (csv_reader.read_csv, excel_reader.read_excel: format sniffing, CSV
layout with quoted line breaks, spreadsheet numbers that lost digits), so both kinds of file fail the same
way; only the header mapper differs (map_batch_headers).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from schemas.batch_file import COLUMNS, SELECTORS, normalise_action
from schemas.vocabulary import CUSTOM_PREFIX, CUSTOM_SUFFIX
from sim_pipeline.readers.columns import HeaderMap
from sim_pipeline.errors import FileRejected, Problem
from sim_pipeline.iccid import strip_pad
from sim_pipeline.readers import sniff
from sim_pipeline.readers.common import LINE, reject
from sim_pipeline.readers.csv_reader import read_csv
from sim_pipeline.readers.excel_reader import read_excel


@dataclass
class BatchFile:
    path: Path
    format: str           # csv | xlsx | xls
    frame: pl.DataFrame   # COLUMNS + custom:<Name> columns + line

    @property
    def rows(self) -> int:
        return self.frame.height


def canonical(header: str) -> str | None:
    """`ICCID from` -> iccid_from, `Marketplace custom` -> custom:Marketplace; None when unknown."""
    text = header.strip()
    if text.lower().endswith(CUSTOM_SUFFIX) and len(text) > len(CUSTOM_SUFFIX):
        return CUSTOM_PREFIX + text[: -len(CUSTOM_SUFFIX)].strip()
    key = re.sub(r"[\s\-]+", "_", text.lower())
    return key if key in COLUMNS else None


def map_batch_headers(path: Path, headers: list[str | None], line: int) -> tuple[HeaderMap, list[int]]:
    """Source positions -> canonical names; unnamed positions (allowed when empty) returned apart."""
    hmap, unnamed, errors = HeaderMap(), [], []
    seen: dict[str, str] = {}
    for pos, raw in enumerate(headers):
        header = "" if raw is None else str(raw).strip()
        if not header:
            unnamed.append(pos)
            continue
        name = canonical(header)
        if name is None:
            hint = difflib.get_close_matches(header.lower(), list(COLUMNS), n=1, cutoff=0.6)
            errors.append(f"unknown column {header!r}" + (f" (did you mean {hint[0]!r}?)" if hint else
                          " (batch columns: " + ", ".join(COLUMNS) + ", <Name> custom)"))
        elif name in seen:
            errors.append(f"duplicate column {header!r} (same as {seen[name]!r})")
        else:
            seen[name] = header
            hmap.columns[pos] = name
    if "action" not in seen and not errors:
        errors.append("missing column action (a batch file has one row per operation: allocate, assign, ...)")
    if errors:
        raise FileRejected(path.name, [Problem(path.name, line, "", "", e) for e in errors])
    return hmap, unnamed


def read_batch(path: Path) -> BatchFile:
    path = Path(path)
    if not path.is_file():
        raise reject(path, "no such file" if not path.exists() else "not a regular file")
    fmt = sniff.kind(path, sniff.head(path))
    if fmt == "out":
        raise reject(path, "a vendor .out file is an upload, not a batch: use `sim-pipeline ingest`")
    parsed = (read_excel(path, fmt, map_batch_headers) if fmt in ("xlsx", "xls")
              else read_csv(path, map_batch_headers))
    return BatchFile(path, fmt, _complete(parsed.frame))


def _complete(frame: pl.DataFrame) -> pl.DataFrame:
    """Every known column present; canonical action and ICCIDs."""
    missing = [pl.lit(None, pl.Utf8).alias(c) for c in COLUMNS if c not in frame.columns]
    frame = frame.with_columns(missing) if missing else frame
    fixes = [strip_pad(pl.col(c)).alias(c) for c in SELECTORS if c != "imsi"]
    frame = frame.with_columns(normalise_action(pl.col("action")).alias("action"), *fixes)
    custom = sorted(c for c in frame.columns if c.startswith(CUSTOM_PREFIX))
    return frame.select(*COLUMNS, *custom, LINE)
