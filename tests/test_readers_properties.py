"""Round trips: any valid card set written as CSV (each separator, BOM or not, LF or CRLF, blank lines),
as XLSX (every cell text) and as a vendor .out file reads back as the same trimmed values on the lines
where the rows were written; and any jumble of CSV-like bytes is read or rejected, never a traceback."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from sim_pipeline.readers.dispatch import read_drop
from sim_pipeline.errors import FileRejected

EXAMPLES = settings(max_examples=40, deadline=None)
OPTIONAL = {"pin1": "PIN1", "puk1": "PUK1", "ki": "KI", "description": "Description"}


def digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.from_regex(rf"\A[0-9]{{{low},{high}}}\Z")


# Text a person may type: no control characters but the line break, no surrogates; XML (XLSX) has no
# U+FFFE/U+FFFF. Leading and trailing white space is trimmed by the reader.
free_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff") | st.sampled_from(
        [",", ";", "\t", '"', " ", "\n", "é", "漢", "🙂"]),
    max_size=30,
)
card = st.fixed_dictionaries({
    "iccid": st.tuples(digits(18, 20), st.sampled_from(["", "F"])).map("".join),
    "imsi": digits(6, 15),
    "pin1": st.none() | digits(4, 8),
    "puk1": st.none() | digits(8, 8),
    "ki": st.none() | st.from_regex(r"\A[0-9A-F]{32}\Z"),
    "description": st.none() | free_text,
})
cards = st.lists(card, min_size=1, max_size=8)
optional_columns = st.lists(st.sampled_from(list(OPTIONAL)), unique=True)
blank_lines = st.lists(st.integers(0, 2), min_size=8, max_size=8)


def expected(rows: list[dict], columns: list[str], lines: list[int]) -> list[tuple]:
    def clean(value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None

    return [tuple(clean(row[c]) for c in columns) + (line,) for row, line in zip(rows, lines)]


def read_rows(path: Path, columns: list[str]) -> list[tuple]:
    frame = read_drop(path).frame
    assert frame.columns == columns + ["line"]
    return frame.rows()


@EXAMPLES
@given(rows=cards, extra=optional_columns, blanks=blank_lines, sep=st.sampled_from([",", ";", "\t"]),
       eol=st.sampled_from(["\n", "\r\n"]), bom=st.booleans())
def test_csv_round_trip(rows, extra, blanks, sep, eol, bom):
    columns = ["iccid", "imsi"] + extra
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=eol)
    writer.writerow([OPTIONAL.get(c, c.upper()) for c in columns])
    line, lines = 2, []
    for row, blank in zip(rows, blanks):
        out.write(eol * blank)
        line += blank
        lines.append(line)
        writer.writerow([row[c] or "" for c in columns])
        line += 1 + sum((row[c] or "").count("\n") for c in columns)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "drop.csv"
        path.write_bytes(out.getvalue().encode("utf-8-sig" if bom else "utf-8"))
        assert read_rows(path, columns) == expected(rows, columns, lines)


@EXAMPLES
@given(rows=cards, extra=optional_columns, blanks=blank_lines)
def test_xlsx_round_trip(rows, extra, blanks):
    columns = ["iccid", "imsi"] + extra
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "drop.xlsx"
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("Cards")
        for col, name in enumerate(columns):
            sheet.write_string(0, col, OPTIONAL.get(name, name.upper()))
        row_index, lines = 1, []
        for row, blank in zip(rows, blanks):
            row_index += blank
            lines.append(row_index + 1)
            for col, name in enumerate(columns):
                if row[name] is not None:
                    sheet.write_string(row_index, col, row[name])  # digit columns as text, as they must be
            row_index += 1
        book.close()
        assert read_rows(path, columns) == expected(rows, columns, lines)


@EXAMPLES
@given(rows=cards, extra=st.lists(st.sampled_from(["pin1", "puk1", "ki"]), unique=True), blanks=blank_lines,
       field_sep=st.sampled_from([" ", "   ", "\t", ",", ", "]), eol=st.sampled_from(["\n", "\r\n"]))
def test_vendor_out_round_trip(rows, extra, blanks, field_sep, eol):
    columns = ["iccid", "imsi"] + extra
    rows = [{**row, **{c: row[c] or "1234" for c in extra}} for row in rows]  # a .out row has every field
    head = ["*HEADER DESCRIPTION", "Customer : Footel", f"Quantity: {len(rows)}", "*INPUT VARIABLES",
            "var_In:", f"ICCID: {rows[0]['iccid']}", "*OUTPUT VARIABLES",
            "var_out: " + "/".join(OPTIONAL.get(c, c.upper()) for c in columns)]
    body, lines = list(head), []
    for row, blank in zip(rows, blanks):
        body += [""] * blank
        lines.append(len(body) + 1)
        body.append(field_sep.join(row[c] for c in columns))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "batch.out"
        path.write_bytes((eol.join(body) + eol).encode())
        drop = read_drop(path)
        assert drop.header["Quantity"] == str(len(rows))
        assert read_rows(path, columns) == expected(rows, columns, lines)


fragments = st.sampled_from([
    b"ICCID", b"IMSI", b"Description", b",", b";", b"\t", b"\n", b"\r\n", b"\r", b'"', b" ", b"\xef\xbb\xbf",
    b"8947000000000012140F", b"242017100011213", b"\xff", b"\xc3\xa9", b"var_out:", b"/", b"Quantity: 2", b"*",
])


@EXAMPLES
@given(data=st.lists(fragments, max_size=40).map(b"".join), name=st.sampled_from(["a.csv", "a.out", "a.xlsx"]))
def test_any_text_is_read_or_rejected_never_a_traceback(data, name):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            drop = read_drop(path)
        except FileRejected as exc:
            assert exc.problems and all(p.reason for p in exc.problems)
        else:
            assert drop.rows > 0 and drop.frame.columns[-1] == "line"
