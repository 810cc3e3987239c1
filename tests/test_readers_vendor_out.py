"""Vendor .out files through read_drop: the two real ostelco samples (read from shared/real-world, not
copied), header blocks, var_out columns, space- or comma-separated rows and the Quantity check."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim_pipeline.readers.dispatch import read_drop
from sim_pipeline.errors import FileRejected

REAL_WORLD = Path(__file__).resolve().parents[1].parent / "shared" / "real-world"

HEADER = """\
*HEADER DESCRIPTION
***************************************
Customer        : Footel
Quantity        : {quantity}
Transport_key:11
***************************************
*INPUT VARIABLES
***************************************
Var_In_List:
Ser_nb:8947000000000012140F
IMSI: 242017100011213
*OUTPUT VARIABLES
"""


def write(tmp_path: Path, text: str, name: str = "batch.out") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def rejection(path: Path) -> list[tuple[int | None, str]]:
    with pytest.raises(FileRejected) as exc:
        read_drop(path)
    return [(p.line, p.reason) for p in exc.value.problems]


def test_ostelco_sample_reads_three_padded_iccids_on_their_lines():
    drop = read_drop(REAL_WORLD / "ostelco-sample_out_file_for_testing.out")
    assert drop.format == "out"
    assert drop.frame.columns == ["iccid", "imsi", "ki", "line"]
    assert drop.frame.select("iccid", "imsi", "line").rows() == [
        ("8947000000000012140F", "242017100011213", 18),
        ("8947000000000012157F", "242017100011214", 19),
        ("8947000000000012165F", "242017100011215", 20),
    ]
    assert drop.frame.get_column("ki")[0] == "AC63D37F5AF4EA77E3539B2A37F51211"
    assert drop.header == {"Customer": "Footel", "ProfileType": "BAR_FOOTEL_STD", "Order Date": "2019092901",
                           "Batch No": "2019092901", "Quantity": "3"}
    assert drop.notes == []


def test_ostelco_sample_2_keeps_the_known_columns_and_notes_the_others():
    drop = read_drop(REAL_WORLD / "ostelco-sample-out-2.out")
    assert drop.frame.columns == ["iccid", "imsi", "pin1", "puk1", "pin2", "puk2", "adm1", "ki", "line"]
    # Three identical rows: the duplicate ICCID is for validation to report, not for the reader.
    assert drop.frame.drop("line").unique().rows() == [
        ("47111611031000501294", "471161085310000", "1234", "12345678", "1234", "12345678", "12345678",
         "ABBCCCAABBCCAABBCCAABBCCAABBCCAB"),
    ]
    assert drop.frame.get_column("line").to_list() == [31, 32, 33]
    assert [(n.line, n.reason) for n in drop.notes] == [
        (30, f"column {name} is not kept by the inventory")
        for name in ["Access_Control", "Code Retailer", "Code ADM", "ADM2", "ADM3", "ADM4"]
    ]
    assert drop.header["Batch"] == "01074809"
    assert drop.header["Transport_key"] == "11"
    assert drop.header["Address2"] == "Suite 3, floor 99"
    assert "IMSI" not in drop.header and "Ser_nb" not in drop.header


def test_comma_separated_rows_and_crlf(tmp_path):
    text = HEADER.format(quantity=2) + "var_out:Ser_nb/IMSI/PIN1/Code Retailer\n" \
        "8947000000000012140F, 242017100011213,0012 ,Shop 1\n\n8947000000000012157F,242017100011214,1234,x\n\n\n"
    drop = read_drop(write(tmp_path, text.replace("\n", "\r\n")))
    assert drop.frame.rows() == [("8947000000000012140F", "242017100011213", "0012", 14),
                                 ("8947000000000012157F", "242017100011214", "1234", 16)]
    assert [n.reason for n in drop.notes] == ["column Code Retailer is not kept by the inventory"]
    assert drop.header == {"Customer": "Footel", "Quantity": "2", "Transport_key": "11"}


def test_multiple_spaces_and_tabs_separate_fields_and_banners_after_the_rows_are_skipped(tmp_path):
    text = HEADER.format(quantity=1) + "VAR_OUT : ICCID / IMSI\n  8947000000000012140F \t  242017100011213  \n*****\n"
    assert read_drop(write(tmp_path, text)).frame.rows() == [("8947000000000012140F", "242017100011213", 14)]


def test_a_row_with_another_number_of_fields_is_rejected_with_its_line(tmp_path):
    text = HEADER.format(quantity=2) + "var_Out: ICCID/IMSI/KI\n1 2 3\n4 5\n"
    assert rejection(write(tmp_path, text)) == [(15, "2 fields where var_out lists 3 columns")]


@pytest.mark.parametrize("key", ["Quantity", "Quanitity"])
def test_the_header_quantity_must_match_the_rows(tmp_path, key):
    text = HEADER.format(quantity=3).replace("Quantity", key) + "var_out: ICCID/IMSI\n1 2\n3 4\n"
    assert rejection(write(tmp_path, text)) == [(4, f"{key} in the header says 3, the file has 2 rows")]


def test_a_quantity_with_thousands_separators_is_a_number(tmp_path):
    text = HEADER.format(quantity="1,000") + "var_out: ICCID/IMSI\n1 2\n"
    assert rejection(write(tmp_path, text)) == [(4, "Quantity in the header says 1000, the file has 1 row")]


def test_a_quantity_that_is_not_a_number_is_rejected(tmp_path):
    text = HEADER.format(quantity="three") + "var_out: ICCID/IMSI\n1 2\n"
    assert rejection(write(tmp_path, text)) == [(4, "Quantity in the header is 'three', not a number of cards")]


def test_var_out_without_iccid_is_rejected_on_its_line(tmp_path):
    text = HEADER.format(quantity=1) + "var_out: IMSI/KI\n1 2\n"
    assert rejection(write(tmp_path, text)) == [(13, "missing column ICCID (mandatory)")]


def test_a_dot_out_file_without_var_out_is_rejected(tmp_path):
    assert rejection(write(tmp_path, "Customer: x\n1 2\n")) == [
        (None, "no var_out: line (the list of output columns) found: not a vendor .out file?")
    ]


def test_no_rows_after_var_out_is_rejected(tmp_path):
    assert rejection(write(tmp_path, "var_out: ICCID/IMSI\n\n*****\n")) == [(1, "no rows after the var_out line")]


def test_a_vendor_file_is_recognised_by_its_var_out_line_whatever_its_name(tmp_path):
    drop = read_drop(write(tmp_path, "Batch: 7\nvar_out: ICCID/IMSI\n1 2\n", name="batch.txt"))
    assert (drop.format, drop.header, drop.frame.rows()) == ("out", {"Batch": "7"}, [("1", "2", 3)])
