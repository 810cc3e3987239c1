"""`sim-pipeline apply`: batch files on real CSV/XLSX files and a real inventory file."""

from __future__ import annotations

import json

import xlsxwriter

from sim_pipeline.cli.demo_data import iccid, write_mega_allocation_batch


def _counts(inventory, sql: str):
    with inventory() as con:
        return con.execute(sql).fetchall()


def test_the_seed_example_works_as_a_batch(cli, home, mega_upload, tmp_path, inventory):
    assert cli("fields", "add", "Marketplace").exit_code == 0
    assert cli("ingest", mega_upload).exit_code == 0
    batch = write_mega_allocation_batch(tmp_path / "mega-groups.csv")
    result = cli("apply", batch, "--json")
    assert result.exit_code == 0, result.stderr
    [out] = result.json_lines
    assert {k: out[k] for k in ("file", "status", "rows", "transitions", "changed", "errors")} == {
        "file": "mega-groups.csv", "status": "accepted", "rows": 2,
        "transitions": [{"old_status": "available", "new_status": "available", "count": 200}],
        "changed": 200, "errors": [],
    }
    assert cli("list", "--distributor", "Adam Smith", "--count").stdout == "100\n"
    amazon = cli("list", "--custom", "Marketplace=Amazon", "--json").json_lines
    assert [c["iccid"] for c in (amazon[0], amazon[-1])] == [iccid(101), iccid(200)]
    history = _counts(inventory, "select action, source_file, source_line, actor, count(*) from card_history "
                                 "where action <> 'ingest' group by all order by all")
    assert history == [("allocate", "mega-groups.csv", 2, "admin", 100), ("update", "mega-groups.csv", 3, "admin", 100)]
    assert _counts(inventory, "select kind, rows, changed from ingested_files where kind = 'batch'") == [
        ("batch", 2, 200)]


def test_rows_apply_in_file_order_each_seeing_the_rows_before(cli, stock, csv_file, inventory):
    a, b = stock(2)
    batch = csv_file("order.csv", ["action", "iccid", "customer", "account_id"], [
        ["allocate", a, "Acme", ""],
        ["assign", a, "Acme", "100"],
        ["unassign", a, "", ""],
        ["assign", b, "Acme", "100"],
    ])
    out = cli("apply", batch, "--json").json_lines[0]
    assert out["status"] == "accepted", out
    assert out["transitions"] == [
        {"old_status": "available", "new_status": "reserved", "count": 1},
        {"old_status": "available", "new_status": "in_use", "count": 1},
        {"old_status": "reserved", "new_status": "in_use", "count": 1},
        {"old_status": "in_use", "new_status": "disposed", "count": 1},
    ]
    assert _counts(inventory, "select iccid, status, msisdn from cards order by iccid") == [
        (a, "disposed", None), (b, "in_use", "100")]


def test_dry_run_prints_the_counts_and_changes_nothing(cli, stock, csv_file, inventory):
    stock(10)
    batch = csv_file("b.csv", ["action", "iccid_from", "iccid_to", "customer"],
                     [["allocate", iccid(1), iccid(4), "Acme"]])
    dry = cli("apply", batch, "--dry-run")
    assert dry.exit_code == 0
    assert dry.stdout == "b.csv: dry run, 1 row: 4 cards would change (available -> reserved: 4); nothing written\n"
    assert _counts(inventory, "select count(*) from cards where status = 'reserved'") == [(0,)]
    assert _counts(inventory, "select count(*) from ingested_files where kind = 'batch'") == [(0,)]
    assert cli("apply", batch).exit_code == 0  # a dry run does not count as applied
    assert _counts(inventory, "select count(*) from cards where status = 'reserved'") == [(4,)]


def test_reapplying_an_identical_file_is_skipped_unless_forced(cli, stock, csv_file, inventory):
    stock(3)
    batch = csv_file("b.csv", ["action", "iccid_from", "iccid_to", "distributor"],
                     [["allocate", iccid(1), iccid(3), "Adam Smith"]])
    assert cli("apply", batch).exit_code == 0
    again = cli("apply", batch, "--json")
    assert again.exit_code == 0 and again.json_lines[0]["status"] == "duplicate"
    assert "already applied at" in cli("apply", batch).stdout
    forced = cli("apply", batch, "--force", "--json").json_lines[0]
    assert (forced["status"], forced["changed"]) == ("accepted", 0)  # nothing left to change
    assert _counts(inventory, "select count(*) from ingested_files where kind = 'batch'") == [(2,)]


def test_a_bad_cell_rejects_the_whole_file_with_line_and_column(cli, stock, csv_file, inventory, home):
    stock(3)
    batch = csv_file("bad.csv", ["action", "iccid", "iccid_from", "iccid_to", "customer", "activated_at", "pin"], [
        ["allocate", iccid(1), "", "", "Acme", "", ""],
        ["explode", iccid(2), "", "", "", "", ""],
        ["allocate", "", iccid(1), "194917792175615000", "Acme", "", ""],
        ["activate", iccid(3), "", "", "", "yesterday", ""],
        ["update", "89AB", "", "", "", "", "12"],
        ["assign", iccid(3), "", "", "Acme", "", ""],
        ["unassign", "", "", "", "", "", ""],
        ["delete", iccid(3), "", "", "Acme", "", ""],
    ])
    result = cli("apply", batch, "--json")
    assert result.exit_code == 1
    [out] = result.json_lines
    assert out["status"] == "rejected" and out["changed"] == 0
    got = [(e["line"], e["column"], e["reason"]) for e in out["errors"]]
    assert got == [
        (3, "action", 'expected one of allocate, deallocate, assign, unassign, deactivate, terminate_account, '
                      'activate, delete, update, got "explode"'),
        (4, "iccid_to", "an ICCID range needs iccid_from and iccid_to of the same length, iccid_from not "
                        "greater than iccid_to"),
        (5, "activated_at", 'expected an ISO timestamp such as 2026-11-30T23:00:00Z, got "yesterday"'),
        (6, "iccid", 'expected 18-20 digits (a trailing F pad is allowed), got "89AB"'),
        (6, "pin", "expected 4-8 digits, got 2"),
        (7, "account_id", "required for assign and terminate_account rows"),
        (8, "iccid", "a row selects cards by exactly one of iccid, imsi, or iccid_from with iccid_to "
                     "(terminate_account rows by account_id alone)"),
        (9, "customer", "does not apply to this action (only to allocate, deallocate, assign)"),
    ]
    assert "bad.csv:3: action: expected one of" in result.stderr
    report = next((home / "rejections").glob("*bad.csv.rejections.csv")).read_text()
    assert report.splitlines()[0] == "severity,file,line,column,value,reason"
    assert "error,bad.csv,6,pin,**," in report  # the PIN is masked
    assert _counts(inventory, "select count(*) from cards where status <> 'available'") == [(0,)]


def test_inventory_problems_reject_the_file_and_nothing_is_written(cli, stock, csv_file, inventory):
    stock(3)
    with inventory() as con:
        history_before = con.execute("select count(*) from card_history").fetchone()
    batch = csv_file("b.csv", ["action", "iccid", "iccid_from", "iccid_to", "distributor"], [
        ["allocate", iccid(1), "", "", "Adam Smith"],
        ["allocate", "8947000000000099999", "", "", "Adam Smith"],
        ["allocate", "", "8947000000000000001", "8947000000000000009", "Adam Smith"],
    ])
    out = cli("apply", batch, "--json").json_lines[0]
    assert [(e["line"], e["column"], e["value"], e["reason"]) for e in out["errors"]] == [
        (3, "iccid", "8947000000000099999", "no card with this ICCID"),
        (4, "iccid_from", "8947000000000000001..8947000000000000009", "the range selects no cards"),
    ]
    with inventory() as con:
        assert con.execute("select count(*) from card_history").fetchone() == history_before
        assert con.execute("select count(*) from cards where distributor is not null").fetchone() == (0,)
        assert con.execute("select count(*) from outbox").fetchone() == (0,)


def test_a_rule_broken_on_many_cards_lists_a_hundred_and_counts_the_rest(cli, stock, csv_file):
    stock(150)
    batch = csv_file("b.csv", ["action", "iccid_from", "iccid_to"], [["unassign", iccid(1), iccid(150)]])
    out = cli("apply", batch, "--json").json_lines[0]
    assert len(out["errors"]) == 101
    assert out["errors"][0]["reason"] == f"card {iccid(1)} is Available: cannot unassign it"
    assert out["errors"][-1]["reason"] == "... and 50 more cards with the same problem"


def test_headers_are_matched_loosely_and_unknown_columns_are_refused(cli, stock, csv_file):
    stock(2)
    cli("fields", "add", "Marketplace")
    loose = csv_file("loose.csv", ["Action", "ICCID From", "iccid-to", "Marketplace CUSTOM"],
                     [["Update", iccid(1), iccid(2), "Amazon"]])
    assert cli("apply", loose).exit_code == 0
    assert cli("list", "--custom", "Marketplace=Amazon", "--count").stdout == "2\n"
    typo = csv_file("typo.csv", ["action", "iccid", "distributer"], [["allocate", iccid(1), "X"]])
    result = cli("apply", typo)
    assert result.exit_code == 1
    assert "typo.csv:1: unknown column 'distributer' (did you mean 'distributor'?)" in result.stderr
    undefined = csv_file("undef.csv", ["action", "iccid", "Colour custom"], [["update", iccid(1), "red"]])
    assert "custom field 'Colour' is not defined" in cli("apply", undefined).stderr


def test_an_xlsx_batch_keeps_spreadsheet_row_numbers_and_refuses_numeric_iccids(cli, stock, tmp_path, inventory):
    stock(3)
    path = tmp_path / "b.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["action", "iccid", "customer"])
    sheet.write_row(1, 0, ["allocate", iccid(1), "Acme"])
    sheet.write_row(3, 0, ["allocate", iccid(2), "Acme"])  # row 3 left empty
    book.close()
    assert cli("apply", path).exit_code == 0
    assert _counts(inventory, f"select source_line from card_history where iccid = '{iccid(2)}' "
                              "and action = 'allocate'") == [(4,)]
    numeric = tmp_path / "n.xlsx"
    book = xlsxwriter.Workbook(str(numeric))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["action", "iccid", "customer"])
    sheet.write_row(1, 0, ["allocate", int(iccid(3)), "Acme"])
    book.close()
    result = cli("apply", numeric)
    assert result.exit_code == 1 and "n.xlsx:2: ICCID:" in result.stderr and "digits are lost" in result.stderr


def test_history_rows_carry_cause_actor_reason_and_state_after(cli, stock, csv_file, inventory):
    [a] = stock(1)
    batch = csv_file("b.csv", ["action", "iccid", "customer", "distributor", "reason"],
                     [["allocate", a, "Acme", "Adam Smith", "spring order"]])
    assert cli("apply", batch).exit_code == 0
    with inventory() as con:
        row = con.execute(
            "select action, old_status, new_status, changes, customer, distributor, source_file, source_line, "
            "actor, reason, is_deleted from card_history where iccid = $i order by seq desc limit 1", {"i": a}
        ).fetchone()
    assert row[:3] == ("allocate", "available", "reserved")
    assert json.loads(row[3]) == {"status": ["available", "reserved"], "customer": [None, "Acme"],
                                  "distributor": [None, "Adam Smith"]}
    assert row[4:] == ("Acme", "Adam Smith", "b.csv", 2, "admin", "spring order", False)


def test_list_filters_combine_over_lifecycle_state(cli, stock, csv_file):
    stock(6)
    cli("fields", "add", "Marketplace")
    batch = csv_file("b.csv", ["action", "iccid_from", "iccid_to", "customer", "distributor", "representative",
                               "account_id", "activated_at", "Marketplace custom"], [
        ["allocate", iccid(1), iccid(4), "", "Adam Smith", "", "", "", ""],
        ["allocate", iccid(3), iccid(3), "", "", "Rita", "", "", ""],
        ["update", iccid(2), iccid(3), "", "", "", "", "", "Amazon"],
        ["assign", iccid(3), iccid(4), "Acme", "", "", "A1", "", ""],
        ["activate", iccid(4), iccid(4), "", "", "", "", "2026-05-01", ""],
    ])
    assert cli("apply", batch).exit_code == 0, cli("apply", batch).stderr
    count = lambda *args: cli("list", *args, "--count").stdout.strip()  # noqa: E731
    assert count("--status", "in_use", "--distributor", "Adam Smith") == "2"
    assert count("--status", "in_use", "--custom", "Marketplace=Amazon") == "1"
    assert count("--representative", "Rita", "--customer", "Acme") == "1"
    assert count("--iccid-from", iccid(1), "--iccid-to", iccid(3), "--distributor", "Adam Smith") == "3"
    assert count("--status", "in_use", "--not-activated") == "1"
    assert count("--managed-by", "admin", "--activated") == "1"
