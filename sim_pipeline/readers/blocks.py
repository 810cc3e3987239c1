"""An upload read in bounded slices, so that a 10M-card file never sits in memory whole.

`open_upload(path)` returns an Upload: the file's canonical columns, its vendor header and notes, and
`slices()`, an iterator of frames with the columns drop_reader gives (canonical text columns, trimmed,
empty as null, plus `line`, the physical line), each of at most about SLICE_ROWS rows, in file order.

Two ways in, one result:
- a plain CSV is cut into blocks of BLOCK_BYTES at line ends and each block parsed by polars. Plain
  means: header on line 1, every record on one line (quoted fields allowed, without line breaks in them)
  and exactly as wide as the header, no blank line inside. Then a record is a line, and lines are
  numbered by counting. A block without a quote is proved plain by counting its separators; a block
  with quotes (cut only where the quotes before the cut are balanced) by the same counts of rows and
  separators, and the whole reader's quoting rule as one pattern per line (_check_quotes).
- anything else (XLSX, XLS, vendor .out, line breaks inside quotes, blank lines inside, a header further
  down, a ragged line, a misplaced quote) is read whole by drop_reader.read_drop, which knows every
  layout and names what is wrong with a file, and comes out as one slice.
A block that turns out not to be plain raises NotPlain; the caller starts again with `whole=True`
(nothing is kept from the first attempt), so a file is never read two ways at once.
"""

from __future__ import annotations

import csv
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import polars as pl

from sim_pipeline.readers.dispatch import LINE, Drop, read_drop
from sim_pipeline.errors import Problem
from sim_pipeline.readers import sniff
from sim_pipeline.readers.common import map_named, text
from sim_pipeline.readers.csv_layout import sniff_separator, well_quoted_line

BLOCK_BYTES = 16 << 20  # parse unit: about 110,000 upload rows; polars parses a block on every core
# Validation and merge unit: pandera, the sealing and one INSERT see this many rows. A multiple of DuckDB's
# row group (122,880 rows): an insert ending in a partial row group leaves it to the checkpoint, which then
# rewrote the file's row groups (1.3-2.6 s for 1M cards in slices of 250,000; 0.01 s in slices of 245,760).
SLICE_ROWS = 2 * 122_880
_PLAIN_SUFFIXES = {".csv", ".tsv", ".txt", ""}
T = TypeVar("T")


class NotPlain(Exception):
    """The plain-CSV path met something only drop_reader handles; read the file whole instead."""


@dataclass
class Upload:
    path: Path
    format: str                                   # csv | xlsx | xls | out | manual
    columns: list[str]                            # canonical names, without `line`
    slices: Callable[[], Iterator[pl.DataFrame]]
    header: dict[str, str] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)
    plain: bool = False                           # read by blocks: drop_reader has not seen it


def open_upload(path: Path, whole: bool = False) -> Upload:
    """The upload at `path`; raises FileRejected (header problems, unreadable files) like read_drop."""
    path = Path(path)
    plain = None if whole else _plain_csv(path)
    return plain if plain is not None else from_drop(read_drop(path))


def from_drop(drop: Drop) -> Upload:
    """A drop already read (manual add, the fallback) as a one-slice upload."""
    columns = [c for c in drop.frame.columns if c != LINE]
    return Upload(drop.path, drop.format, columns, lambda: iter([drop.frame]), drop.header, drop.notes)


def _plain_csv(path: Path) -> Upload | None:
    if not path.is_file() or path.suffix.lower() not in _PLAIN_SUFFIXES:
        return None
    first = sniff.head(path)
    if sniff.kind(path, first) != "csv":
        return None
    bom = len(sniff.UTF8_BOM) if first.startswith(sniff.UTF8_BOM) else 0
    end = first.find(b"\n")
    if end < 0:
        return None
    try:
        header_text = first[bom:end].decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError:
        return None
    if not header_text.strip() or header_text.count('"') % 2 or "\r" in header_text:
        return None
    sep = sniff_separator(header_text)
    headers = [h.strip() for h in next(csv.reader([header_text], delimiter=sep))]  # as csv_layout reads it
    hmap, unnamed = map_named(path, headers, 1)  # header problems: the reader's own rejection
    if unnamed:
        return None
    columns = [hmap.columns[i] for i in sorted(hmap.columns)]
    return Upload(path, "csv", columns, lambda: _plain_slices(path, end + 1, sep, columns), plain=True)


def _plain_slices(path: Path, body_start: int, sep: str, columns: list[str]) -> Iterator[pl.DataFrame]:
    """Blocks regrouped into slices of exactly SLICE_ROWS rows (the last one: what is left)."""
    pending: pl.DataFrame | None = None
    for frame in _plain_blocks(path, body_start, sep, columns):
        pending = frame if pending is None else pl.concat([pending, frame])
        while pending.height >= SLICE_ROWS:
            yield pending.head(SLICE_ROWS)
            pending = pending.slice(SLICE_ROWS)
    if pending is not None and pending.height:
        yield pending


def _plain_blocks(path: Path, body_start: int, sep: str, columns: list[str]) -> Iterator[pl.DataFrame]:
    """One canonical frame per block of whole lines; blank lines dropped, physical lines kept."""
    width = len(columns)
    raw_names = [f"f{i}" for i in range(width)]
    schema = {n: pl.String for n in raw_names}
    next_line = 2
    with path.open("rb") as fh:
        fh.seek(body_start)
        rest = b""
        while True:
            data = fh.read(BLOCK_BYTES)
            block = rest + data
            if len(data) == BLOCK_BYTES:
                cut = _balanced_cut(block)
                block, rest = block[:cut], block[cut:]
            else:
                # The end. Trailing blank lines end many hand-made files; they change no line number before them.
                block, rest = block.rstrip(b"\r\n"), b""
                block += b"\n" if block else b""
            if not block:
                if data:
                    continue
                return
            lines = block.count(b"\n")
            quoted = b'"' in block
            if quoted and block.count(b'"') % 2:
                raise NotPlain("an unclosed quote")
            try:
                raw = pl.read_csv(block, has_header=False, schema=schema, separator=sep,
                                  quote_char='"' if quoted else None, empty_string_is_null=False,
                                  truncate_ragged_lines=False)
            except pl.exceptions.PolarsError as exc:  # a line too wide, bad UTF-8
                raise NotPlain(str(exc).splitlines()[0]) from None
            if raw.height != lines:  # polars skips a blank line and joins the lines of a quoted line break
                raise NotPlain("a blank line, or a line break inside quotes")
            # Every separator of the block splits fields or stands inside a quoted value: the count says
            # every line is exactly as wide as the header (polars pads a narrower one: with nulls, or with
            # "" after a quoted field). polars itself refuses a wider one.
            inside = raw.select(pl.sum_horizontal(pl.all().str.count_matches(sep, literal=True).sum())).item() \
                if quoted else 0
            if block.count(sep.encode()) - inside != (width - 1) * lines:
                raise NotPlain("a line narrower than the header")
            if quoted:
                _check_quotes(block, sep)
            frame = raw.select(
                *[text(pl.col(raw_names[i])).alias(columns[i]) for i in range(width)],
                pl.int_range(next_line, next_line + lines, dtype=pl.Int64).alias(LINE),
            )
            next_line += lines
            yield frame.filter(~pl.all_horizontal(pl.exclude(LINE).is_null()))


def _balanced_cut(block: bytes) -> int:
    """The end of the last whole line of `block` after which no quoted field is open (0: none)."""
    cut = block.rfind(b"\n") + 1
    quotes = block.count(b'"', 0, cut)
    while cut and quotes % 2:
        previous = block.rfind(b"\n", 0, cut - 1) + 1
        quotes -= block.count(b'"', previous, cut)
        cut = previous
    return cut


def _check_quotes(block: bytes, sep: str) -> None:
    """NotPlain unless every line of a block puts its quotes where the whole reader allows them.

    The reader's own rule as one pattern per line (csv_layout.well_quoted_line: a field quoted whole with
    each quote inside doubled, or holding no quote). polars is laxer: `"a"b"c"` reads as abc, a stray quote stays in the value. A line the pattern refuses
    goes to the whole reader, which names the problem.
    """
    lines = pl.Series([block.decode("utf-8")]).str.strip_suffix("\n").str.split("\n").explode()
    if not lines.str.contains(well_quoted_line(sep)).all():
        raise NotPlain("a quote the reader does not allow there")


def in_background(items: Iterator[T], ahead: int = 1) -> Iterator[T]:
    """The items of `items`, made by a thread of their own at most `ahead` items before they are used.

    With two cores, the next slice is read, checked and sealed (polars, pandera, AES) while DuckDB writes
    the last one. The thread starts an item only when fewer than `ahead` wait unused, so at most
    ahead + 1 slices are in memory. An exception in the thread is raised here, in order; a consumer
    that stops early (an exception of its own, a break) stops the thread.
    """
    handoff: queue.Queue = queue.Queue()
    credits = threading.Semaphore(ahead + 1)  # the item in use and those made ahead of it
    stop = threading.Event()

    def wait_for_credit() -> bool:
        while not stop.is_set():
            if credits.acquire(timeout=0.1):
                return True
        return False

    def make() -> None:
        try:
            for item in items:
                handoff.put(("item", item))
                if not wait_for_credit():
                    return
            handoff.put(("done", None))
        except BaseException as exc:  # handed to the consumer, raised there
            handoff.put(("error", exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    credits.acquire()  # for the first item
    thread = threading.Thread(target=make, name="ingest-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == "error":
                raise value
            if kind == "done":
                return
            yield value
            value = None
            credits.release()  # the consumer is done with the last item
    finally:
        stop.set()
        thread.join()
