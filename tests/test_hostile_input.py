"""A corpus of broken and hostile files: each ends in a clear `Error:` (exit 1) with file and line where
it has one, or is accepted when it is merely odd. Never a traceback, a hang, or a half-written inventory.

The corpus is built here (a table of cases), not stored: some cases are large (a 10 MB line, 10,000
columns) and all are easier to read as the bytes they are made of.
"""

from __future__ import annotations

import gzip
import io
import zipfile

import duckdb
import pytest

HEADER = b"ICCID,IMSI,PIN,Description\n"
ROW = b"8947000000000012140,242017100011213,1234,ok\n"


def _xlsx(rows: list[list], merge: str | None = None) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    if merge:
        ws.merge_range(merge, "merged")
    wb.close()
    return buf.getvalue()


def _zip(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, data)
    return buf.getvalue()


OUT_HEADER = (b"*HEADER DESCRIPTION\n*\nCustomer : Footel\nQuantity : 2\n*\n*INPUT VARIABLES\n*\nvar_In:\n"
              b" ICCID: 8947000000000012140\n*\n*OUTPUT VARIABLES\n*\nvar_Out: ICCID/IMSI/KI\n")
OUT_ROW = b"8947000000000012140F 242017100011213 AC63D37F5AF4EA77E3539B2A37F51211\n"

# name -> (file name, bytes, expected: "reject" with a fragment of the reason, or "accept")
REJECT, ACCEPT = "reject", "accept"
CASES: dict[str, tuple[str, bytes, str, str]] = {
    "empty": ("a.csv", b"", REJECT, "empty"),
    "white space only": ("a.csv", b"  \n\n \r\n", REJECT, "empty"),
    "header only": ("a.csv", HEADER, REJECT, "no rows"),
    "header only crlf": ("a.csv", HEADER.replace(b"\n", b"\r\n"), REJECT, "no rows"),
    "only a BOM": ("a.csv", b"\xef\xbb\xbf", REJECT, "empty"),
    "binary noise": ("a.csv", bytes(range(256)) * 4, REJECT, ""),
    "NUL bytes inside": ("a.csv", HEADER + b"8947000000000012140,2420171\x0000011213,1234,x\n", REJECT, ""),
    "gzip": ("a.csv", gzip.compress(HEADER + ROW), REJECT, "gzip"),
    "gzip named .csv.gz": ("a.csv.gz", gzip.compress(HEADER + ROW), REJECT, "gzip"),
    "utf-16 le": ("a.csv", (HEADER + ROW).decode().encode("utf-16"), REJECT, "UTF-16"),
    "utf-16 be": ("a.csv", b"\xfe\xff" + (HEADER + ROW).decode().encode("utf-16-be"), REJECT, "UTF-16"),
    "latin-1": ("a.csv", HEADER + "8947000000000012140,242017100011213,1234,café\n".encode("latin-1"), REJECT, "UTF-8"),
    "pdf bytes": ("a.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", REJECT, ""),
    "mixed separators": ("a.csv", HEADER + b"8947000000000012140;242017100011213;1234;x\n", REJECT, ""),
    "unbalanced quote": ("a.csv", HEADER + b'8947000000000012140,242017100011213,1234,"open\n' + ROW, REJECT, ""),
    "ragged long row": ("a.csv", HEADER + b"8947000000000012140,242017100011213,1234,x,extra\n", REJECT, ""),
    "ragged short row": ("a.csv", HEADER + b"8947000000000012140,242017100011213\n", REJECT, ""),
    "10 MB single line": ("a.csv", b"ICCID,IMSI," + b"x" * 10_000_000 + b"\n", REJECT, "unknown column"),
    "10,000 columns": ("a.csv", b",".join(b"c%d" % i for i in range(10_000)) + b"\n" + b",".join(b"1" for _ in range(10_000)) + b"\n", REJECT, "unknown column"),
    "duplicate headers": ("a.csv", b"ICCID,IMSI,ICCID\n8947000000000012140,242017100011213,8947000000000012140\n", REJECT, "duplicate column"),
    "unknown header": ("a.csv", b"ICCID,IMSI,Colour\n8947000000000012140,242017100011213,red\n", REJECT, "unknown column 'Colour'"),
    "header missing a name": ("a.csv", b"ICCID,,IMSI\n8947000000000012140,x,242017100011213\n", REJECT, "no header"),
    "formula as a header": ("a.csv", b"ICCID,IMSI,=cmd|' /C calc'!A0\n8947000000000012140,242017100011213,1\n", REJECT, "unknown column"),
    "excel scientific iccid": ("a.csv", b"ICCID,IMSI\n8.94700000000001E+18,242017100011213\n", REJECT, "scientific notation"),
    "leading zero lost from PIN": ("a.csv", b"ICCID,IMSI,PIN\n8947000000000012140,242017100011213,123\n", REJECT, "expected 4-8 digits"),
    "arabic-indic digits": ("a.csv", "ICCID,IMSI\n٨٩٤٧٠٠٠٠٠٠٠٠٠٠٠١٢١٤٠,242017100011213\n".encode(), REJECT, "expected 18-20 digits"),
    "full-width digits": ("a.csv", "ICCID,IMSI\n8947000000000012140,２４２０１７１０００１１２１３\n".encode(), REJECT, "expected 6-15 digits"),
    "very long value": ("a.csv", HEADER + b"8947000000000012140,242017100011213,1234," + b"y" * 100_000 + b"\n", REJECT, "at most 255"),
    "csv named .xlsx": ("a.xlsx", HEADER + ROW, ACCEPT, ""),
    "zip that is not a workbook": ("a.xlsx", _zip("hello.txt", b"hi"), REJECT, ""),
    "truncated xlsx": ("a.xlsx", _xlsx([["ICCID", "IMSI"], ["8947000000000012140", "242017100011213"]])[:300], REJECT, ""),
    "OLE magic but no workbook": ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, REJECT, ""),
    "xlsx with merged cells": ("a.xlsx", _xlsx([["ICCID", "IMSI", "Description"], ["8947000000000012140", "242017100011213", ""]], merge="C2:D3"), ACCEPT, ""),
    "xlsx with numeric iccid": ("a.xlsx", _xlsx([["ICCID", "IMSI"], [8947000000000012140, "242017100011213"]]), REJECT, "number"),
    "xlsx empty sheet": ("a.xlsx", _xlsx([]), REJECT, ""),
    ".out quantity disagrees": ("a.out", OUT_HEADER + OUT_ROW, REJECT, "Quantity"),
    ".out without var_out": ("a.out", b"*HEADER DESCRIPTION\nQuantity : 1\n" + OUT_ROW, REJECT, ""),
    ".out row with missing fields": ("a.out", OUT_HEADER + b"8947000000000012140F 242017100011213\n" + OUT_ROW, REJECT, ""),
    "only separators": ("a.csv", HEADER + b",,,\n", REJECT, "no rows"),
    "CR-only line endings": ("a.csv", (HEADER + ROW).replace(b"\n", b"\r"), REJECT, "lone CR"),
    "100,000 blank lines": ("a.csv", HEADER + b"\n" * 100_000 + ROW, ACCEPT, ""),
    "script tag in description": ("a.csv", HEADER + b"8947000000000012140,242017100011213,1234,<script>alert(1)</script>\n", ACCEPT, ""),
    "formula in description": ("a.csv", HEADER + b'8947000000000012140,242017100011213,1234,"=HYPERLINK(""http://x"",""y"")"\n', ACCEPT, ""),
    "terminal escape in description": ("a.csv", HEADER + b"8947000000000012140,242017100011213,1234,\x1b[31mred\x1b[0m\n", ACCEPT, ""),
    "spaces around headers": ("a.csv", b" iccid ,  IMSI \n8947000000000012140,242017100011213\n", ACCEPT, ""),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file_is_rejected_clearly_or_accepted(cli, home, tmp_path, case):
    name, data, expected, fragment = CASES[case]
    path = tmp_path / name
    path.write_bytes(data)
    result = cli("ingest", str(path), "--json")
    assert "Traceback" not in result.stderr
    assert "unexpected" not in result.stderr, result.stderr
    with duckdb.connect(str(home / "inventory.duckdb"), read_only=True) as con:
        cards = con.execute("select count(*) from cards").fetchall()[0][0]
        history = con.execute("select count(*) from card_history").fetchall()[0][0]
    if expected == REJECT:
        assert result.exit_code == 1, result.stdout + result.stderr
        assert result.stderr.rstrip().splitlines()[-1].startswith("Error: ")
        assert fragment.lower() in (result.stdout + result.stderr).lower()
        assert (cards, history) == (0, 0)
    else:
        assert result.exit_code == 0, result.stderr
        assert (cards, history) == (1, 1)


def test_the_corpus_has_at_least_40_cases():
    assert len(CASES) >= 40


def test_dangerous_looking_text_is_neutralised_in_csv_and_terminal_output(cli, home, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(HEADER + b'8947000000000012140,242017100011213,1234,"=HYPERLINK(""http://x"")\x1b[2J"\n')
    assert cli("ingest", path).exit_code == 0
    listed = cli("search", "HYPERLINK").stdout
    assert "\x1b" not in listed
    shown = cli("show", "8947000000000012140").stdout
    assert "\x1b" not in shown and "=HYPERLINK" in shown
