"""read_drop picks the reader by content first, then by name, and says what a file it cannot read is."""

from __future__ import annotations

import bz2
import lzma
from pathlib import Path

import pytest

from sim_pipeline.readers.dispatch import read_drop
from sim_pipeline.errors import FileRejected

CSV = b"ICCID,IMSI\n8947000000000012140F,242017100011213\n"


def reasons(path: Path) -> list[str]:
    with pytest.raises(FileRejected) as exc:
        read_drop(path)
    return [p.reason for p in exc.value.problems]


@pytest.mark.parametrize("compress, name", [(bz2.compress, "bzip2"), (lzma.compress, "xz")])
def test_compressed_files_are_rejected_naming_the_compression(tmp_path, compress, name):
    path = tmp_path / "drop.csv"
    path.write_bytes(compress(CSV))
    assert reasons(path)[0].startswith(f"the file is {name}-compressed: ")


def test_a_pdf_is_rejected(tmp_path):
    path = tmp_path / "drop.csv"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    assert reasons(path) == ["the file is a PDF document: send the cards as CSV, XLSX or a vendor .out file"]


def test_an_empty_file_named_xlsx_is_rejected_as_empty(tmp_path):
    (tmp_path / "cards.xlsx").write_bytes(b"")
    assert reasons(tmp_path / "cards.xlsx") == ["the file is empty"]


def test_a_utf16_vendor_file_is_rejected(tmp_path):
    path = tmp_path / "batch.out"
    path.write_bytes("var_out: ICCID/IMSI\r\n1 2\r\n".encode("utf-16"))
    assert reasons(path) == ["the file is UTF-16 text: save it as UTF-8 (in Excel: 'CSV UTF-8')"]


def test_a_folder_is_rejected(tmp_path):
    assert reasons(tmp_path) == ["not a regular file"]


@pytest.mark.parametrize("name", ["drop.txt", "drop", "drop.CSV", "drop.tsv"])
def test_text_with_any_other_name_is_read_as_csv_without_a_note(tmp_path, name):
    (tmp_path / name).write_bytes(CSV)
    drop = read_drop(tmp_path / name)
    assert (drop.format, drop.rows, drop.notes) == ("csv", 1, [])


def test_read_drop_accepts_a_string_path(tmp_path):
    (tmp_path / "drop.csv").write_bytes(CSV)
    assert read_drop(str(tmp_path / "drop.csv")).frame.get_column("line").dtype.is_integer()
