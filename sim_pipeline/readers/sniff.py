"""What a file is, from its first bytes (and its name only when the bytes do not say).

`kind(path, first_bytes)` returns 'xlsx', 'xls', 'out' or 'csv', or raises FileRejected saying what the
file really is (compressed, UTF-16, PDF, binary, empty) and what to do.
"""

from __future__ import annotations

import re
from pathlib import Path

from sim_pipeline.readers.common import reject

HEAD_BYTES = 65536
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # the compound file of Excel 97-2003 (.xls)
UTF8_BOM = b"\xef\xbb\xbf"
_COMPRESSED = {
    b"\x1f\x8b": ("gzip", "gunzip it"),
    b"BZh": ("bzip2", "bunzip2 it"),
    b"\xfd7zXZ\x00": ("xz", "unxz it"),
    b"\x28\xb5\x2f\xfd": ("zstd", "unzstd it"),
    b"7z\xbc\xaf\x27\x1c": ("7-Zip", "extract it"),
}
_VAR_OUT = re.compile(rb"(?im)^[ \t]*var_out[ \t]*:")


def head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(HEAD_BYTES)


def kind(path: Path, first: bytes) -> str:
    """The reader for a file whose first bytes are `first`: content first, then the extension."""
    if first.startswith(ZIP_MAGIC):
        return "xlsx"
    if first.startswith(OLE2_MAGIC):
        return "xls"
    _reject_non_text(path, first)
    if path.suffix.lower() == ".out" or _VAR_OUT.search(first):
        return "out"
    return "csv"


def _reject_non_text(path: Path, first: bytes) -> None:
    for magic, (name, how) in _COMPRESSED.items():
        if first.startswith(magic):
            raise reject(path, f"the file is {name}-compressed: {how} and send the file inside")
    if first.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(first):
        raise reject(path, "the file is UTF-16 text: save it as UTF-8 (in Excel: 'CSV UTF-8')")
    if first.startswith(b"%PDF"):
        raise reject(path, "the file is a PDF document: send the cards as CSV, XLSX or a vendor .out file")
    if b"\x00" in first:
        line = first[: first.index(b"\x00")].count(b"\n") + 1
        raise reject(path, "binary content (NUL bytes): expected a CSV, XLSX, XLS or vendor .out file", line=line)
    if not first.removeprefix(UTF8_BOM).strip():
        if len(first) < HEAD_BYTES or _rest_blank(path):
            raise reject(path, "the file is empty")


def _looks_utf16(first: bytes) -> bool:
    """UTF-16 without a byte order mark: every other byte of ASCII text is NUL."""
    sample = first[:256]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    return (any(even) and not any(odd)) or (any(odd) and not any(even))


def _rest_blank(path: Path) -> bool:
    with path.open("rb") as fh:
        return all(not block.strip() for block in iter(lambda: fh.read(1 << 20), b""))
