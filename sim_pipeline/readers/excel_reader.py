"""XLSX and XLS drops through fastexcel (calamine): the first sheet only.

`read_excel(path, fmt)` returns Parsed: canonical text columns + `line` = the spreadsheet row number.
The header is the first non-empty row. Other non-empty sheets are named in a note.

A cell that the workbook holds as a number comes back as text: an exact integer as its digits
("1234", not "1234.0"); a number of 2**53 or more (any ICCID typed as a number) is rejected, because
a spreadsheet number is a double and the digits past the 16th are already gone (8947000000000012140
is stored as 8947000000000012288).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import fastexcel
import polars as pl

from sim_pipeline.readers.columns import display
from sim_pipeline.errors import FileRejected, Problem
from sim_pipeline.masking import is_printable, shown
from sim_pipeline.readers.common import (
    MAX_LISTED, HeaderMapper, Parsed, canonical_frame, map_named, reject, reject_unnamed_with_data, text,
)

EXACT_LIMIT = 2**53  # doubles hold every integer below this; above it digits are lost
LOST_DIGITS = "digits are lost: format the column as Text and enter the numbers again"


def read_excel(path: Path, fmt: str, map_header: HeaderMapper = map_named) -> Parsed:
    """`fmt` is 'xlsx' or 'xls', from the file's first bytes; `map_header` as in csv_reader.read_csv."""
    if fmt == "xlsx":
        _check_zip(path)
    reader = _open(path, fmt)
    names = reader.sheet_names
    cells = _load(path, reader, "string")
    others = _filled_sheets(reader, names[1:])
    notes = [Problem(path.name, None, "", "", f"sheet {name!r} ignored: only the first sheet {names[0]!r} is read")
             for name in others]
    filled = (pl.any_horizontal(text(pl.col(c)).is_not_null() for c in cells.columns)
              if cells.width else pl.lit(False))
    rows = cells.select(filled.alias("filled")).to_series().arg_true()
    if rows.len() == 0:
        hint = f" (sheet {others[0]!r} has data: the cards must be on the first sheet)" if others else ""
        raise reject(path, f"the first sheet {names[0]!r} is empty" + hint)
    h = int(rows[0])  # 0-based; the spreadsheet row is h + 1
    hmap, unnamed = map_header(path, list(cells.row(h)), h + 1)
    data = cells.slice(h + 1)
    lines = pl.int_range(h + 2, h + 2 + data.height, eager=True, dtype=pl.Int64)
    data = _numbers_as_text(path, data, _load(path, reader, "boolean").slice(h + 1), hmap.columns, lines)
    reject_unnamed_with_data(path, data, unnamed, lines)
    frame = canonical_frame(data, hmap, lines)
    if frame.height == 0:
        raise reject(path, "no rows after the header", line=h + 1)
    return Parsed(frame, notes=notes)


def _check_zip(path: Path) -> None:
    """An XLSX is a ZIP archive holding xl/workbook.xml; say what any other archive is."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        raise reject(path, "the file starts like an XLSX workbook (a ZIP archive) but is damaged or "
                           "incomplete: save or send it again") from None
    if "xl/workbook.xml" in names:
        return
    if "xl/workbook.bin" in names:
        raise reject(path, "the file is an Excel binary workbook (.xlsb): save it as .xlsx or CSV")
    if "content.xml" in names:
        raise reject(path, "the file is an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV")
    inside = ", ".join(n for n in names[:3] if not n.endswith("/")) or "nothing"
    raise reject(path, f"the file is a ZIP archive, not an XLSX workbook (it holds {inside}): "
                       "unzip it and send the file inside")


def _open(path: Path, fmt: str) -> fastexcel.ExcelReader:
    # From bytes, calamine detects the format from the content, not from the (possibly wrong) extension.
    try:
        reader = fastexcel.read_excel(path.read_bytes())
    except fastexcel.FastExcelError as exc:
        raise _unreadable(path, fmt, exc) from None
    if not reader.sheet_names:
        raise reject(path, "the workbook has no sheets")
    return reader


def _unreadable(path: Path, fmt: str, exc: Exception) -> FileRejected:
    if fmt == "xls" and "EncryptionInfo".encode("utf-16-le") in path.read_bytes():
        return reject(path, "the workbook is password-protected: remove the password and save it again")
    detail = str(exc).splitlines()[0]
    return reject(path, f"cannot read the file as an {fmt.upper()} workbook ({detail}): "
                        "save it again as .xlsx or CSV")


def _load(path: Path, reader: fastexcel.ExcelReader, dtype: str) -> pl.DataFrame:
    """The first sheet, one row per spreadsheet row from row 1 (header_row=None with skip_rows=0
    keeps the leading empty rows, so row i of the frame is spreadsheet row i + 1)."""
    try:
        return reader.load_sheet(0, header_row=None, skip_rows=0, dtypes=dtype).to_polars()
    except fastexcel.FastExcelError as exc:
        raise reject(path, f"cannot read the first sheet: {str(exc).splitlines()[0]}") from None


def _filled_sheets(reader: fastexcel.ExcelReader, names: list[str]) -> list[str]:
    out = []
    for name in names:
        try:
            if reader.load_sheet(name, header_row=None).height:
                out.append(name)
        except fastexcel.FastExcelError:
            out.append(name)  # unreadable, so not known to be empty: still worth a note
    return out


def _numbers_as_text(path: Path, data: pl.DataFrame, as_bool: pl.DataFrame, columns: dict[int, str],
                     lines: pl.Series) -> pl.DataFrame:
    """Number cells of the mapped columns: exact integers as digits; lost digits rejected.

    `as_bool` is the same sheet read with dtype boolean: calamine converts number and boolean cells
    and leaves text cells null, which tells a number cell from a text cell of the same digits."""
    problems: list[Problem] = []
    fixed = {}
    for pos, name in columns.items():
        cells = data.to_series(pos)
        is_number = as_bool.to_series(pos).is_not_null() & ~cells.is_in(["true", "false"]).fill_null(False)
        if not is_number.any():
            continue
        number = cells.str.strip_chars().cast(pl.Float64, strict=False)
        lost = is_number & ((number.abs() >= EXACT_LIMIT) | cells.str.contains("[eE]")).fill_null(False)
        if lost.any():
            problems.extend(_lost_problems(path, name, cells.filter(lost), lines.filter(lost)))
        fixed[cells.name] = cells.str.replace(r"\.0+$", "").zip_with(is_number, cells)
    if problems:
        raise FileRejected(path.name, problems)
    return data.with_columns(**fixed)


def _lost_problems(path: Path, column: str, values: pl.Series, lines: pl.Series) -> list[Problem]:
    out = []
    for value, line in zip(values.head(MAX_LISTED).to_list(), lines.head(MAX_LISTED).to_list()):
        as_shown = f" ({float(value):.6G})" if is_printable(column) else ""
        out.append(Problem(path.name, line, display(column), shown(column, value) or "",
                           f"stored as a number in the spreadsheet{as_shown}, {LOST_DIGITS}"))
    if values.len() > MAX_LISTED:
        out.append(Problem(path.name, None, display(column), "",
                           f"... and {values.len() - MAX_LISTED} more cells stored as numbers"))
    return out
