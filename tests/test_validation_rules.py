"""Every per-cell rule of an upload, and every file-level error, through the CLI."""

from __future__ import annotations

import pytest

GOOD = {"ICCID": "8947000000000012140", "IMSI": "242017100011213"}


def _one_row(csv_file, **cells):
    row = {**GOOD, **cells}
    return csv_file("upload.csv", list(row), [list(row.values())])


@pytest.mark.parametrize("column, value, reason", [
    ("ICCID", "89470000000000121", "expected 18-20 digits (a trailing F pad is allowed), got \"89470000000000121\""),
    ("ICCID", "894700000000001214012", "expected 18-20 digits"),
    ("ICCID", "8947 000000000012140", "(it contains white space)"),
    ("ICCID", "8.947E18", "a spreadsheet turned the number into scientific notation"),
    ("IMSI", "24201", "expected 6-15 digits, got \"24201\""),
    ("IMSI", "2420171000112130", "expected 6-15 digits"),
    ("PIN", "123", "expected 4-8 digits, got 3"),
    ("PIN2", "123456789", "expected 4-8 digits, got 9"),
    ("PUK1", "1234567", "expected 8 digits, got 7"),
    ("PUK2", "12345x78", "expected 8 digits, got 8 characters"),
    ("ADM1", "1234", "expected 8 digits or 16 hex characters, got 4"),
    ("KI", "AC63D37F5AF4EA77E3539B2A37F5121", "expected 32 hex characters, got 31 characters"),
    ("OPC", "ZC63D37F5AF4EA77E3539B2A37F51211", "expected 32 hex characters, got 32 characters"),
    ("AMF", "80001", "expected 4 hex characters, got \"80001\""),
    ("eSIM activation code", "1$SMDP.EXAMPLE.COM", "expected LPA:1$<SM-DP+ address>$<matching id>, got 18 characters"),
    ("Description", "x" * 256, "expected at most 255 characters"),
    ("SIM type", "USIM", "expected SIM or eSIM, got \"USIM\""),
    ("Action", "replace", "expected +, add, - or remove, got \"replace\""),
])
def test_a_bad_cell_rejects_the_file_naming_line_column_and_reason(cli, home, csv_file, column, value, reason):
    result = cli("ingest", _one_row(csv_file, **{column: value}), "--json")
    assert result.exit_code == 1, result.stdout
    [error] = result.json_lines[0]["errors"]
    assert error["line"] == 2
    assert error["column"] in (column, {"PIN": "PIN1"}.get(column))
    assert reason in error["reason"]


def test_secret_values_are_masked_in_errors(cli, home, csv_file):
    result = cli("ingest", _one_row(csv_file, KI="AC63D37F5AF4EA77E3539B2A37F5121"), "--json")
    [error] = result.json_lines[0]["errors"]
    assert "AC63D37F" not in result.stdout + result.stderr
    assert error["value"].endswith("21") and set(error["value"][:-2]) == {"*"}


@pytest.mark.parametrize("column, value", [
    ("ICCID", "8947000000000012140F"),
    ("ICCID", "894700000000001214"),
    ("ICCID", "89445310150011013678"),
    ("IMSI", "242017"),
    ("PIN", "0000"), ("PIN", "12345678"),
    ("ADM1", "0123456789abcdef"),
    ("KI", "ac63d37f5af4ea77e3539b2a37f51211"),
    ("AMF", "8000"),
    ("eSIM activation code", "LPA:1$SMDP.EXAMPLE.COM$04386-AGYFT-A74Y8-3F815"),
    ("eSIM activation code", "1$SMDP.EXAMPLE.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1"),
    ("SIM type", "esim"),
    ("Action", "+"),
    ("Description", "=HYPERLINK(\"http://x\") <script>alert(1)</script>"),
])
def test_valid_values_are_accepted(cli, home, csv_file, column, value):
    result = cli("ingest", _one_row(csv_file, **{column: value}), "--json")
    assert result.exit_code == 0, result.stdout + result.stderr


def test_iccid_is_stored_without_its_f_pad_and_18_digits_stay_18(cli, home, csv_file):
    path = csv_file("u.csv", ["ICCID", "IMSI"], [["8947000000000012140F", "242017100011213"],
                                                 ["894700000000001215", "242017100011214"]])
    assert cli("ingest", path).exit_code == 0
    assert [c["iccid"] for c in cli("list", "--json").json_lines] == ["894700000000001215", "8947000000000012140"]


@pytest.mark.parametrize("policy, exit_code, warnings", [("off", 0, 0), ("warn", 0, 2), ("strict", 1, 0)])
def test_iccid_check_digit_and_prefix_follow_the_policy(cli, home, csv_file, policy, exit_code, warnings):
    home.mkdir()
    (home / "sim-pipeline.toml").write_text(f'[validation]\niccid_check = "{policy}"\n')
    path = csv_file("seed.csv", ["ICCID", "IMSI"], [["1949177921756150001", "250990000000001"]])
    result = cli("ingest", path, "--json")
    assert result.exit_code == exit_code
    [summary] = result.json_lines
    assert sum(w["count"] for w in summary["warnings"]) == warnings
    if policy == "strict":
        assert {e["reason"] for e in summary["errors"]} == {
            "ICCID check digit (Luhn) does not match", "ICCID does not start with 89 (telecom)"}


def test_mandatory_cells_may_not_be_empty(cli, home, csv_file):
    result = cli("ingest", csv_file("u.csv", ["ICCID", "IMSI"], [["8947000000000012140", ""]]), "--json")
    assert result.json_lines[0]["errors"][0]["reason"] == "IMSI is mandatory"


@pytest.mark.parametrize("content, reason", [
    (b"", "the file is empty"),
    (b"ICCID,IMSI\n", "no rows after the header"),
    (b"\x00\x01\x02binary", "binary content"),
    (b"ICCID,IMSI\n8947000000000012140,24201710001121\xff\n", "not UTF-8"),
    (b"ICCID,IMIS\n8947000000000012140,242017100011213\n", "unknown column 'IMIS' (did you mean 'IMSI'?)"),
    (b"ICCID,IMSI,imsi\n8947000000000012140,242017100011213,1\n", "duplicate column 'imsi'"),
    (b"ICCID,PIN\n8947000000000012140,1234\n", "missing column IMSI (mandatory)"),
])
def test_file_level_problems_are_clear_errors_not_tracebacks(cli, home, tmp_path, content, reason):
    path = tmp_path / "drop.csv"
    path.write_bytes(content)
    result = cli("ingest", path)
    assert result.exit_code == 1
    assert reason in result.stderr
    assert "Traceback" not in result.stderr


def test_a_secret_in_scientific_notation_is_not_quoted(cli, home, csv_file):
    result = cli("ingest", _one_row(csv_file, PUK1="8.76E+07"), "--json")
    [error] = result.json_lines[0]["errors"]
    assert "8.76E" not in result.stdout + result.stderr
    assert error["reason"] == "expected 8 digits, got 8 characters"
