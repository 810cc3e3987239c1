"""XLSX and XLS drops through read_drop: the first sheet, spreadsheet row numbers, numbers that lost
their digits, and files whose content is not what their name says."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from sim_pipeline.readers.dispatch import read_drop
from sim_pipeline.errors import FileRejected

DATA = Path(__file__).resolve().parent / "data" / "readers"
ICCID1, ICCID2 = "8947000000000012140F", "8947000000000012157F"
LOST = "digits are lost: format the column as Text and enter the numbers again"


def workbook(path: Path, sheets: dict[str, dict[tuple[int, int], object]]) -> Path:
    """Cells by (0-based row, column); str written as text, int/float as numbers, others as they come."""
    book = xlsxwriter.Workbook(str(path))
    for name, cells in sheets.items():
        sheet = book.add_worksheet(name)
        for (row, col), value in cells.items():
            if isinstance(value, str):
                sheet.write_string(row, col, value)
            elif isinstance(value, datetime.datetime):
                sheet.write_datetime(row, col, value, book.add_format({"num_format": "yyyy-mm-dd"}))
            else:
                sheet.write(row, col, value)
    book.close()
    return path


def rows(*lines: list[object], top: int = 0, left: int = 0) -> dict[tuple[int, int], object]:
    return {(top + r, left + c): v for r, line in enumerate(lines) for c, v in enumerate(line) if v is not None}


def rejection(path: Path) -> list[tuple[int | None, str, str]]:
    with pytest.raises(FileRejected) as exc:
        read_drop(path)
    return [(p.line, p.column, p.reason) for p in exc.value.problems]


def test_the_line_is_the_spreadsheet_row_and_empty_rows_are_skipped(tmp_path):
    cells = rows(["ICCID", "IMSI", "Description"], [ICCID1, "242017100011213", "  first  "], [None, None, None],
                 [ICCID2, "242017100011214", None], top=2, left=1)
    drop = read_drop(workbook(tmp_path / "cards.xlsx", {"Cards": cells}))
    assert drop.format == "xlsx"
    assert drop.frame.columns == ["iccid", "imsi", "description", "line"]
    assert drop.frame.rows() == [(ICCID1, "242017100011213", "first", 4), (ICCID2, "242017100011214", None, 6)]
    assert drop.notes == []


def test_numbers_that_are_exact_come_back_as_their_digits(tmp_path):
    cells = rows(["ICCID", "IMSI", "PIN1", "PUK1", "Description"],
                 [ICCID1, 242017100011213, 1234, 12345678.0, 1.5],
                 [ICCID2, "242017100011214", 12, "00001234", 7])
    drop = read_drop(workbook(tmp_path / "cards.xlsx", {"Sheet1": cells}))
    # 12 was typed for "0012": its leading zeros are gone; validation reports the length.
    assert drop.frame.drop("iccid", "line").rows() == [
        ("242017100011213", "1234", "12345678", "1.5"),
        ("242017100011214", "12", "00001234", "7"),
    ]


def test_an_iccid_stored_as_a_number_is_rejected_on_its_row(tmp_path):
    cells = rows(["ICCID", "IMSI"], [ICCID1, "242017100011213"], [8947000000000012157, "242017100011214"],
                 [8947000000000012165, "242017100011215"])
    path = workbook(tmp_path / "cards.xlsx", {"Sheet1": cells})
    assert rejection(path) == [
        (3, "ICCID", f"stored as a number in the spreadsheet (8.947E+18), {LOST}"),
        (4, "ICCID", f"stored as a number in the spreadsheet (8.947E+18), {LOST}"),
    ]


def test_a_secret_stored_as_a_huge_number_is_rejected_without_showing_it(tmp_path):
    cells = rows(["ICCID", "IMSI", "KI"], [ICCID1, "242017100011213", 12345678901234567890123456789012])
    with pytest.raises(FileRejected) as exc:
        read_drop(workbook(tmp_path / "cards.xlsx", {"Sheet1": cells}))
    [problem] = exc.value.problems
    assert (problem.line, problem.column, problem.reason) == (2, "KI", f"stored as a number in the spreadsheet, {LOST}")
    assert set(problem.value[:-2]) == {"*"}


def test_other_sheets_with_data_are_named_in_a_note(tmp_path):
    path = workbook(tmp_path / "cards.xlsx", {
        "Cards": rows(["ICCID", "IMSI"], [ICCID1, "242017100011213"]),
        "Pivot": rows(["total", 1]),
        "Empty": {},
    })
    drop = read_drop(path)
    assert [(n.line, n.reason) for n in drop.notes] == [(None, "sheet 'Pivot' ignored: only the first sheet 'Cards' is read")]


def test_an_empty_first_sheet_is_rejected_and_says_where_the_data_is(tmp_path):
    path = workbook(tmp_path / "cards.xlsx", {"Summary": {}, "Cards": rows(["ICCID", "IMSI"], [ICCID1, "1"])})
    assert rejection(path) == [
        (None, "", "the first sheet 'Summary' is empty (sheet 'Cards' has data: the cards must be on the first sheet)")
    ]


def test_header_problems_point_at_the_header_row(tmp_path):
    path = workbook(tmp_path / "cards.xlsx", {"S": rows(["ICCID", "IMSY"], [ICCID1, "1"], top=1)})
    assert rejection(path) == [(2, "", "unknown column 'IMSY' (did you mean 'IMSI'?)"),
                               (2, "", "missing column IMSI (mandatory)")]


def test_a_header_only_sheet_is_rejected(tmp_path):
    path = workbook(tmp_path / "cards.xlsx", {"S": rows(["ICCID", "IMSI"], [None, " "])})
    assert rejection(path) == [(1, "", "no rows after the header")]


def test_merged_dates_and_booleans_read_without_a_traceback(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "odd.xlsx"))
    sheet = book.add_worksheet()
    for col, name in enumerate(["ICCID", "IMSI", "Description", "Delivered custom"]):
        sheet.write_string(0, col, name)
    sheet.merge_range(1, 0, 2, 0, ICCID1)
    sheet.write_string(1, 1, "242017100011213")
    sheet.write_boolean(1, 2, True)
    sheet.write_datetime(1, 3, datetime.datetime(2024, 5, 1), book.add_format({"num_format": "yyyy-mm-dd"}))
    book.close()
    drop = read_drop(tmp_path / "odd.xlsx")
    assert drop.frame.row(0) == (ICCID1, "242017100011213", "true", "2024-05-01 00:00:00", 2)


def test_an_xls_workbook_is_read_from_its_first_sheet(tmp_path):
    drop = read_drop(DATA / "cards.xls")
    assert drop.format == "xls"
    assert drop.frame.rows() == [
        (ICCID1, "242017100011213", "1234", "first card", 3),
        (ICCID2, "242017100011214", "0012", "second, with a comma", 5),
    ]
    assert [n.reason for n in drop.notes] == ["sheet 'Notes' ignored: only the first sheet 'Cards' is read"]


def test_an_xls_iccid_stored_as_a_number_is_rejected(tmp_path):
    assert rejection(DATA / "numeric_iccid.xls") == [(3, "ICCID", f"stored as a number in the spreadsheet (8.947E+18), {LOST}")]


def test_a_csv_named_xlsx_is_read_as_csv_with_a_note(tmp_path):
    path = tmp_path / "cards.xlsx"
    path.write_text(f"ICCID,IMSI\n{ICCID1},242017100011213\n")
    drop = read_drop(path)
    assert (drop.format, drop.frame.rows()) == ("csv", [(ICCID1, "242017100011213", 2)])
    assert [n.reason for n in drop.notes] == ["the file is named .xlsx but holds CSV text: read as CSV"]


def test_an_xls_named_xlsx_and_an_xlsx_named_xls_are_read_as_what_they_are(tmp_path):
    (tmp_path / "really-xls.xlsx").write_bytes((DATA / "cards.xls").read_bytes())
    assert read_drop(tmp_path / "really-xls.xlsx").format == "xls"
    workbook(tmp_path / "really-xlsx.xls", {"S": rows(["ICCID", "IMSI"], [ICCID1, "1"])})
    drop = read_drop(tmp_path / "really-xlsx.xls")
    assert drop.format == "xlsx"
    assert drop.notes[0].reason == "the file is named .xls but holds an XLSX workbook: read as XLSX"


def test_a_zip_of_something_else_named_xlsx_is_rejected(tmp_path):
    with zipfile.ZipFile(tmp_path / "cards.xlsx", "w") as archive:
        archive.writestr("cards.csv", "ICCID,IMSI\n")
    assert rejection(tmp_path / "cards.xlsx") == [
        (None, "", "the file is a ZIP archive, not an XLSX workbook (it holds cards.csv): unzip it and send the file inside")
    ]


def test_an_ods_spreadsheet_is_rejected(tmp_path):
    with zipfile.ZipFile(tmp_path / "cards.xlsx", "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    assert rejection(tmp_path / "cards.xlsx")[0][2] == "the file is an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV"


def test_a_truncated_xlsx_is_rejected(tmp_path):
    good = workbook(tmp_path / "good.xlsx", {"S": rows(["ICCID", "IMSI"], [ICCID1, "1"])})
    (tmp_path / "cut.xlsx").write_bytes(good.read_bytes()[:400])
    assert rejection(tmp_path / "cut.xlsx") == [
        (None, "", "the file starts like an XLSX workbook (a ZIP archive) but is damaged or incomplete: save or send it again")
    ]


def test_an_ole2_file_that_is_no_workbook_is_rejected(tmp_path):
    path = tmp_path / "cards.xls"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 600)
    [(line, column, reason)] = rejection(path)
    assert reason.startswith("cannot read the file as an XLS workbook (")
    assert reason.endswith("): save it again as .xlsx or CSV")
