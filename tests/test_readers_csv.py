"""CSV drops through read_drop: separators, encodings, line ends, quoting, blank lines, and the
rejections a person sees for a malformed file (with the line to look at)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim_pipeline.readers.dispatch import read_drop
from sim_pipeline.errors import FileRejected

ICCID1, ICCID2 = "8947000000000012140F", "8947000000000012157F"


def write(tmp_path: Path, data: bytes | str, name: str = "drop.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def rejection(path: Path) -> list[tuple[int | None, str]]:
    with pytest.raises(FileRejected) as exc:
        read_drop(path)
    assert exc.value.file == path.name
    return [(p.line, p.reason) for p in exc.value.problems]


@pytest.mark.parametrize("sep", [",", ";", "\t"])
@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_separator_line_end_and_bom_give_the_same_rows(tmp_path, sep, eol, bom):
    text = bom + eol.join([sep.join(["ICCID", "IMSI", "PIN1"]), sep.join([ICCID1, "242017100011213", "0012"]),
                           sep.join([ICCID2, "242017100011214", ""])]) + eol
    drop = read_drop(write(tmp_path, text))
    assert drop.format == "csv"
    assert drop.frame.columns == ["iccid", "imsi", "pin1", "line"]
    assert drop.frame.rows() == [(ICCID1, "242017100011213", "0012", 2), (ICCID2, "242017100011214", None, 3)]


def test_values_are_trimmed_text_and_empty_is_null(tmp_path):
    drop = read_drop(write(tmp_path, f"ICCID , imsi,Description\n {ICCID1} , 242017100011213 ,   \n"))
    assert drop.frame.row(0, named=True) == {"iccid": ICCID1, "imsi": "242017100011213", "description": None, "line": 2}


def test_a_quoted_header_is_read_and_its_separator_found_outside_the_quotes(tmp_path):
    drop = read_drop(write(tmp_path, f'"ICCID";"IMSI";"Shop, city custom"\n"{ICCID1}";"242017100011213";"a;b"\n'))
    assert drop.frame.columns == ["iccid", "imsi", "custom:Shop, city", "line"]
    assert drop.frame.rows() == [(ICCID1, "242017100011213", "a;b", 2)]


def test_custom_and_alias_headers_get_canonical_names(tmp_path):
    drop = read_drop(write(tmp_path, f"Ser_nb,IMSI,PIN,Marketplace custom\n{ICCID1},242017100011213,1234,eBay\n"))
    assert drop.frame.columns == ["iccid", "imsi", "pin1", "custom:Marketplace", "line"]


def test_blank_lines_are_skipped_and_lines_stay_physical(tmp_path):
    text = f"\ufeff\n\nICCID,IMSI\n\n{ICCID1},242017100011213\n   \n,\n\n{ICCID2},242017100011214\n\n\n"
    drop = read_drop(write(tmp_path, text))
    assert drop.frame.select("iccid", "line").rows() == [(ICCID1, 5), (ICCID2, 9)]


def test_a_quoted_line_break_keeps_the_record_whole_and_later_lines_right(tmp_path):
    text = (f'ICCID,IMSI,Description\r\n{ICCID1},242017100011213,"two\r\nlines, and ""quotes"""\r\n'
            f'\r\n{ICCID2},242017100011214,"a\n\nb"\r\n8947000000000012165F,242017100011215,x\r\n')
    drop = read_drop(write(tmp_path, text))
    assert drop.frame.get_column("description").to_list() == ['two\r\nlines, and "quotes"', "a\n\nb", "x"]
    assert drop.frame.get_column("line").to_list() == [2, 5, 8]


def test_the_f_pad_and_leading_zeros_are_kept_as_written(tmp_path):
    drop = read_drop(write(tmp_path, "ICCID;IMSI;PUK1\n8947000000000012140f;001010000000001;00012345\n"))
    assert drop.frame.row(0)[:3] == ("8947000000000012140f", "001010000000001", "00012345")


def test_a_trailing_empty_column_without_header_is_ignored(tmp_path):
    drop = read_drop(write(tmp_path, f"ICCID,IMSI,\n{ICCID1},242017100011213,\n"))
    assert drop.frame.columns == ["iccid", "imsi", "line"]


def test_a_column_without_header_that_holds_data_is_rejected(tmp_path):
    path = write(tmp_path, f"ICCID,IMSI,\n{ICCID1},242017100011213,\n{ICCID2},242017100011214,oops\n")
    assert rejection(path) == [(3, "column 3 has no header but holds data")]


def test_an_empty_file_is_rejected(tmp_path):
    assert rejection(write(tmp_path, b"")) == [(None, "the file is empty")]
    assert rejection(write(tmp_path, "\ufeff\r\n  \n", "blank.csv")) == [(None, "the file is empty")]


def test_a_header_only_file_is_rejected(tmp_path):
    assert rejection(write(tmp_path, "\nICCID,IMSI\r\n\r\n")) == [(2, "no rows after the header")]


def test_header_problems_are_rejected_on_the_header_line(tmp_path):
    path = write(tmp_path, f"ICCID,Descripton,ICCID\n{ICCID1},x,y\n")
    assert rejection(path) == [
        (1, "unknown column 'Descripton' (did you mean 'Description'?)"),
        (1, "duplicate column 'ICCID' (same as 'ICCID')"),
        (1, "missing column IMSI (mandatory)"),
    ]


@pytest.mark.parametrize("row, reason", [
    (f"{ICCID1}", "1 field where the header has 3 (a missing comma?)"),
    (f"{ICCID1},242017100011213,x,y",
     "4 fields where the header has 3 (a comma too many, or a field holding a comma that is not in quotes?)"),
])
def test_a_row_with_the_wrong_number_of_fields_is_rejected_with_its_line(tmp_path, row, reason):
    path = write(tmp_path, f"ICCID,IMSI,Description\n{ICCID2},242017100011214,ok\n\n{row}\n")
    assert rejection(path) == [(4, reason)]


def test_every_ragged_line_is_listed(tmp_path):
    path = write(tmp_path, "ICCID;IMSI\n1;2\n3\n4;5;6\n7;8\n")
    assert [line for line, _ in rejection(path)] == [3, 4]


def test_an_unclosed_quote_names_the_line_where_it_opens(tmp_path):
    path = write(tmp_path, f'ICCID,IMSI,Description\n{ICCID1},242017100011213,"ok"\n'
                           f'{ICCID2},242017100011214,"never closed\n8947000000000012165F,242017100011215,x\n')
    [(line, reason)] = rejection(path)
    assert line == 3
    assert reason.startswith('unbalanced quote: a quote (") on this line opens a field that is never closed')


def test_a_quote_inside_an_unquoted_field_is_rejected_with_its_line(tmp_path):
    path = write(tmp_path, f'ICCID,IMSI,Description\n{ICCID1},242017100011213,a 5"" "screen"\n')
    [(line, reason)] = rejection(path)
    assert (line, reason.split(":")[0]) == (2, "misplaced quote")


def test_a_space_before_an_opening_quote_is_a_misplaced_quote(tmp_path):
    path = write(tmp_path, f'ICCID,IMSI,Description\n{ICCID1}, "242017100011213","x"\n')
    assert rejection(path)[0][0] == 2


def test_gzip_is_rejected_with_what_to_do(tmp_path):
    import gzip

    path = write(tmp_path, gzip.compress(b"ICCID,IMSI\n1,2\n"), "drop.csv.gz")
    assert rejection(path) == [(None, "the file is gzip-compressed: gunzip it and send the file inside")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_is_rejected_with_what_to_do(tmp_path, encoding):
    path = write(tmp_path, "ICCID,IMSI\n1,2\n".encode(encoding))
    assert rejection(path) == [(None, "the file is UTF-16 text: save it as UTF-8 (in Excel: 'CSV UTF-8')")]


def test_non_utf8_names_the_line_of_the_first_bad_byte(tmp_path):
    path = write(tmp_path, f"ICCID,IMSI,Description\n{ICCID1},242017100011213,ok\n\n{ICCID2},1,caf\xe9\n".encode("latin-1"))
    assert rejection(path) == [
        (4, "not UTF-8 text (byte 0xE9 cannot be read): save the file as UTF-8 (in Excel: 'CSV UTF-8')")
    ]


def test_binary_content_is_rejected(tmp_path):
    path = write(tmp_path, b"ICCID,IMSI\n1,\x00\x01\x02\n")
    assert rejection(path) == [(2, "binary content (NUL bytes): expected a CSV, XLSX, XLS or vendor .out file")]


def test_lone_cr_line_ends_are_rejected(tmp_path):
    assert rejection(write(tmp_path, "ICCID,IMSI\r1,2\r")) == [
        (1, "the lines end in a lone CR (old Mac format): save the file with LF or CRLF line ends")
    ]


def test_a_missing_file_is_rejected_not_raised(tmp_path):
    assert rejection(tmp_path / "nope.csv") == [(None, "no such file")]
