"""Ingestion through the CLI on real files and a real DuckDB file."""

from __future__ import annotations

import duckdb

from sim_pipeline.cli.demo_data import iccid


def _db(home):
    return duckdb.connect(str(home / "inventory.duckdb"), read_only=True)


def test_mega_telecom_upload_lands_as_1000_available_cards(cli, home, mega_upload):
    assert cli("fields", "add", "Marketplace").exit_code == 0
    result = cli("ingest", mega_upload, "--json")
    assert result.exit_code == 0, result.stderr
    [summary] = result.json_lines
    assert summary["file"] == "mega-telecom-1000.csv"
    assert summary["status"] == "accepted"
    assert (summary["rows"], summary["added"], summary["removed"]) == (1000, 1000, 0)
    assert summary["errors"] == []
    rules = {(w["column"], w["rule"]): w for w in summary["warnings"]}
    prefix = rules[("ICCID", "ICCID does not start with 89 (telecom)")]
    assert prefix["count"] == 1000 and prefix["lines"] == [2, 3, 4, 5, 6]
    with _db(home) as con:
        assert con.execute("select status, count(*) from cards group by all").fetchall() == [("available", 1000)]
        assert con.execute("select count(*), min(action), max(action) from card_history").fetchone() == (1000, "ingest", "ingest")
        assert con.execute("select source_line from card_history where iccid = $i", {"i": iccid(17)}).fetchone() == (18,)
        assert con.execute("select rows, added, actor from ingested_files").fetchall() == [(1000, 1000, "admin")]


def test_the_same_file_twice_is_skipped_with_when_it_was_ingested(cli, home, mega_upload):
    cli("fields", "add", "Marketplace")
    assert cli("ingest", mega_upload).exit_code == 0
    again = cli("ingest", mega_upload, "--json")
    assert again.exit_code == 0
    [summary] = again.json_lines
    assert summary["status"] == "duplicate" and summary["ingested_at"]
    plain = cli("ingest", mega_upload)
    assert "already ingested at" in plain.stdout and "skipped" in plain.stdout
    with _db(home) as con:
        assert con.execute("select count(*) from cards").fetchone() == (1000,)
        assert con.execute("select count(*) from card_history").fetchone() == (1000,)


def test_rejected_file_writes_nothing_and_names_every_bad_cell(cli, home, csv_file):
    path = csv_file("upload.csv", ["ICCID", "IMSI", "PUK1"], [
        ["8947000000000012140", "242017100011213", "12345678"],
        ["8947000000000012157", "2420171000112X", "1234567"],
        ["8947000000000012165", "242017100011215", "12345678"],
    ])
    result = cli("ingest", path, "--json")
    assert result.exit_code == 1
    [summary] = result.json_lines
    assert summary["status"] == "rejected"
    assert [(e["line"], e["column"], e["reason"]) for e in summary["errors"]] == [
        (3, "IMSI", 'expected 6-15 digits, got "2420171000112X"'),
        (3, "PUK1", "expected 8 digits, got 7"),
    ]
    assert 'upload.csv:3: IMSI: expected 6-15 digits, got "2420171000112X"' in result.stderr
    assert "Error: upload.csv: rejected" in result.stderr
    report = (home / "rejections").glob("*upload.csv.rejections.csv")
    text = next(report).read_text()
    assert "1234567" not in text  # the PUK is masked in the report
    assert "*****67" in text and "expected 8 digits, got 7" in text
    with _db(home) as con:
        assert con.execute("select count(*) from cards").fetchone() == (0,)
        assert con.execute("select count(*) from card_history").fetchone() == (0,)
        assert con.execute("select count(*) from ingested_files").fetchone() == (0,)


def test_duplicate_iccid_in_file_is_rejected_with_its_lines(cli, home, csv_file):
    path = csv_file("dups.csv", ["ICCID", "IMSI"], [
        ["8947000000000012140", "242017100011213"],
        ["8947000000000012157", "242017100011214"],
        ["8947000000000012140F", "242017100011215"],
    ])
    result = cli("ingest", path, "--json")
    assert result.exit_code == 1
    errors = result.json_lines[0]["errors"]
    assert [(e["line"], e["reason"]) for e in errors] == [
        (2, "duplicate ICCID in this file (lines 2, 4)"),
        (4, "duplicate ICCID in this file (lines 2, 4)"),
    ]


def test_card_already_in_inventory_and_taken_imsi_are_rejected(cli, home, csv_file):
    first = csv_file("first.csv", ["ICCID", "IMSI"], [["8947000000000012140", "242017100011213"]])
    assert cli("ingest", first).exit_code == 0
    second = csv_file("second.csv", ["ICCID", "IMSI"], [
        ["8947000000000012140", "242017100011299"],
        ["8947000000000012157", "242017100011213"],
    ])
    result = cli("ingest", second, "--json")
    assert result.exit_code == 1
    assert [(e["line"], e["column"], e["reason"].split(" (")[0]) for e in result.json_lines[0]["errors"]] == [
        (2, "ICCID", "ICCID already in the inventory"),
        (3, "IMSI", "IMSI already in the inventory on another card"),
    ]


def test_remove_rows_delete_cards_and_keep_their_history(cli, home, csv_file):
    cli("ingest", csv_file("a.csv", ["ICCID", "IMSI"], [["8947000000000012140", "242017100011213"],
                                                         ["8947000000000012157", "242017100011214"]]))
    removal = csv_file("r.csv", ["Action", "ICCID", "IMSI"], [["-", "8947000000000012140", "242017100011213"]])
    result = cli("ingest", removal, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json_lines[0]["removed"] == 1
    with _db(home) as con:
        assert con.execute("select iccid from cards").fetchall() == [("8947000000000012157",)]
        assert con.execute(
            "select action, old_status, new_status, is_deleted from card_history where iccid = '8947000000000012140' order by seq"
        ).fetchall() == [("ingest", None, "available", False), ("remove", "available", None, True)]


def test_removing_a_card_in_use_is_refused_naming_the_card(cli, home, csv_file):
    cli("ingest", csv_file("a.csv", ["ICCID", "IMSI"], [["8947000000000012140", "242017100011213"]]))
    con = duckdb.connect(str(home / "inventory.duckdb"))
    con.execute("update cards set status = 'in_use', msisdn = '4915112345', account_id = '4915112345'")
    con.close()
    result = cli("ingest", csv_file("r.csv", ["action", "iccid", "imsi"], [["remove", "8947000000000012140", "242017100011213"]]))
    assert result.exit_code == 1
    assert "r.csv:2: ICCID: card is In use: unassign it before removing it" in result.stderr
    with _db(home) as con:
        assert con.execute("select count(*) from cards").fetchone() == (1,)


def test_several_files_exit_1_when_any_is_rejected(cli, home, csv_file):
    good = csv_file("good.csv", ["ICCID", "IMSI"], [["8947000000000012140", "242017100011213"]])
    bad = csv_file("bad.csv", ["ICCID", "IMSI"], [["89470000000000121", "242017100011214"]])
    result = cli("ingest", good, bad, "--json")
    assert result.exit_code == 1
    assert [s["status"] for s in result.json_lines] == ["accepted", "rejected"]


def test_semicolon_tab_bom_and_crlf_files_are_read(cli, home, tmp_path):
    (tmp_path / "semi.csv").write_bytes("\ufeffICCID;IMSI\r\n8947000000000012140;242017100011213\r\n".encode())
    (tmp_path / "tab.csv").write_text("iccid\timsi\n8947000000000012157\t242017100011214\n")
    result = cli("ingest", tmp_path / "semi.csv", tmp_path / "tab.csv", "--json")
    assert result.exit_code == 0, result.stderr
    assert [s["added"] for s in result.json_lines] == [1, 1]


def test_custom_column_needs_a_defined_field_then_stores_its_values(cli, home, csv_file):
    path = csv_file("c.csv", ["ICCID", "IMSI", "Marketplace CUSTOM"], [["8947000000000012140", "242017100011213", "Amazon"]])
    refused = cli("ingest", path)
    assert refused.exit_code == 1
    assert "custom field 'Marketplace' is not defined" in refused.stderr
    assert cli("fields", "add", "Marketplace").exit_code == 0
    assert cli("ingest", path).exit_code == 0
    listed = cli("list", "--custom", "marketplace=Amazon", "--json")
    assert [c["custom"] for c in listed.json_lines] == [{"Marketplace": "Amazon"}]


def test_vendor_out_file_from_ostelco_is_ingested(cli, home):
    from conftest import REAL_WORLD

    result = cli("ingest", REAL_WORLD / "ostelco-sample_out_file_for_testing.out", "--json")
    assert result.exit_code == 0, result.stderr
    [summary] = result.json_lines
    assert summary["added"] == 3 and summary["header"]["Quantity"] == "3"
    listed = cli("list", "--json").json_lines
    assert [c["iccid"] for c in listed] == ["8947000000000012140", "8947000000000012157", "8947000000000012165"]
    assert summary["warnings"] == []  # 89-prefixed, valid Luhn digits
    files = cli("files", "--json").json_lines
    assert files[0]["header"]["Batch No"] == "2019092901"


def test_vendor_out_file_with_a_duplicated_iccid_is_rejected_naming_its_lines(cli, home):
    from conftest import REAL_WORLD

    result = cli("ingest", REAL_WORLD / "ostelco-sample-out-2.out", "--json")
    assert result.exit_code == 1
    errors = [e for e in result.json_lines[0]["errors"] if e["column"] == "ICCID"]
    assert [e["line"] for e in errors] == [31, 32, 33]
    assert all(e["reason"] == "duplicate ICCID in this file (lines 31, 32, 33)" for e in errors)


def test_manual_add_reads_secrets_from_stdin_and_validates_like_an_upload(cli, home):
    ok = cli("add", "--iccid", "8947000000000012140", "--imsi", "242017100011213", "--secrets-from", "-",
             stdin="pin1=1234\npuk1=12345678\nki=AC63D37F5AF4EA77E3539B2A37F51211\n")
    assert ok.exit_code == 0, ok.stderr
    shown = cli("show", "8947000000000012140", "--json").json_lines[0]
    assert shown["secrets"] == {"pin1": "****", "puk1": "******78", "ki": "*" * 30 + "11"}
    bad = cli("add", "--iccid", "8947000000000012157", "--imsi", "242017100011214", "--secrets-from", "-",
              stdin="puk1=123\n")
    assert bad.exit_code == 1
    assert "manual add:1: PUK1: expected 8 digits, got 3" in bad.stderr


def test_secrets_are_not_in_the_inventory_file_in_clear(cli, home, mega_upload):
    cli("fields", "add", "Marketplace")
    cli("ingest", mega_upload)
    kis = [line.split(",")[5] for line in mega_upload.read_text().splitlines()[1:6]]
    raw = (home / "inventory.duckdb").read_bytes()
    for ki in kis:
        assert ki.encode() not in raw and ki.lower().encode() not in raw
