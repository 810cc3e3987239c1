"""list, search, show: filters, masking, reveal (audited), and the help of every command."""

from __future__ import annotations

import pytest

from sim_pipeline.cli import app


@pytest.fixture
def stocked(cli, home, csv_file):
    cli("fields", "add", "Marketplace")
    rows = [[f"89470000000000121{i:02d}", f"2420171000112{i:02d}", "1234", "87654321",
             "Amazon" if i % 2 else "", f"card {i}"] for i in range(10)]
    path = csv_file("u.csv", ["ICCID", "IMSI", "PIN", "PUK1", "Marketplace custom", "Description"], rows)
    assert cli("ingest", path).exit_code == 0
    return home


def test_list_filters_combine_and_count_prints_the_bare_number(cli, stocked):
    assert cli("list", "--count").stdout == "10\n"
    assert cli("list", "--custom", "Marketplace=Amazon", "--count").stdout == "5\n"
    ranged = cli("list", "--iccid-from", "8947000000000012102", "--iccid-to", "8947000000000012105",
                 "--custom", "Marketplace=Amazon", "--json").json_lines
    assert [c["iccid"] for c in ranged] == ["8947000000000012103", "8947000000000012105"]
    assert cli("list", "--status", "in_use", "--count").stdout == "0\n"
    card = ranged[0]
    for key in ("iccid", "imsi", "status", "msisdn", "account_id", "customer", "distributor",
                "representative", "managed_by", "custom"):
        assert key in card
    assert card["status"] == "available" and card["custom"] == {"Marketplace": "Amazon"}


def test_list_csv_has_a_header_and_one_row_per_card(cli, stocked):
    lines = cli("list", "--csv").stdout.splitlines()
    assert lines[0] == ("ICCID,IMSI,SIM type,Managed by,Description,HLR,AMF,Marketplace custom,"
                        "status,msisdn,account_id,customer,distributor,representative")
    assert len(lines) == 11
    assert lines[4] == "8947000000000012103,242017100011203,SIM,admin,card 3,,,Amazon,available,,,,,"
    assert not any(secret in line for line in lines for secret in ("1234", "87654321"))


STATE = ["status", "msisdn", "account_id", "customer", "distributor", "representative"]


def test_list_csv_uploads_again_into_a_new_inventory(cli, stocked, tmp_path, monkeypatch):
    """The round trip: export, upload into a new inventory, export again: the same cards and custom values.

    The state columns are dropped before the upload: this tree's upload refuses columns it does not know
    (issue 14 makes it ignore them with a warning)."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(cli("list", "--csv").stdout)))
    again = tmp_path / "export.csv"
    with again.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, [k for k in rows[0] if k not in STATE])
        writer.writeheader()
        writer.writerows({k: v for k, v in r.items() if k not in STATE} for r in rows)
    monkeypatch.setenv("SIM_PIPELINE_HOME", str(tmp_path / "second"))
    assert cli("init").exit_code == 0
    assert cli("fields", "add", "Marketplace").exit_code == 0
    done = cli("ingest", again)
    assert done.exit_code == 0, done.stderr
    assert list(csv.DictReader(io.StringIO(cli("list", "--csv").stdout))) == rows
    assert cli("list", "--custom", "Marketplace=Amazon", "--count").stdout == "5\n"


def test_list_xlsx_writes_identifiers_as_text_cells(cli, stocked, tmp_path):
    import polars as pl
    from zipfile import ZipFile

    out = tmp_path / "cards.xlsx"
    done = cli("list", "--xlsx", out)
    assert done.exit_code == 0, done.stderr
    frame = pl.read_excel(out, sheet_name="Cards")
    assert frame.schema["ICCID"] == pl.String and frame.schema["IMSI"] == pl.String
    assert frame["ICCID"][3] == "8947000000000012103" and frame["Marketplace custom"][3] == "Amazon"
    assert frame.columns[:8] == ["ICCID", "IMSI", "SIM type", "Managed by", "Description", "HLR", "AMF",
                                 "Marketplace custom"]
    with ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>8947000000000012103</v>" not in sheet  # never a number cell
    assert cli("list", "--xlsx", tmp_path).exit_code == 2
    assert cli("list", "--xlsx", tmp_path / "no-such-folder" / "x.xlsx").exit_code == 2


def test_search_matches_substrings_of_identifiers_descriptions_and_custom_values(cli, stocked):
    assert len(cli("search", "amazon", "--json").json_lines) == 5
    assert [c["iccid"] for c in cli("search", "card 7", "--json").json_lines] == ["8947000000000012107"]
    assert len(cli("search", "242017100011203", "--json").json_lines) == 1


def test_show_masks_secrets_and_reveal_is_recorded_in_the_history(cli, stocked):
    shown = cli("show", "8947000000000012103", "--json").json_lines[0]
    assert shown["secrets"] == {"pin1": "****", "puk1": "******21"}
    assert [h["action"] for h in shown["history"]] == ["ingest"]
    assert shown["history"][0]["source"] == {"file": "u.csv", "line": 5}
    plain = cli("show", "242017100011203")  # by IMSI
    assert "87654321" not in plain.stdout and "1234" not in plain.stdout.replace("8947", "")
    revealed = cli("show", "8947000000000012103", "--reveal", "--json").json_lines[0]
    assert revealed["secrets"] == {"pin1": "1234", "puk1": "87654321"}
    again = cli("show", "8947000000000012103", "--json").json_lines[0]
    reveal = again["history"][-1]
    assert reveal["action"] == "reveal" and reveal["actor"] == "admin"
    assert reveal["changes"] == {"revealed": ["pin1", "puk1"]}


def test_show_of_an_unknown_card_exits_1(cli, stocked):
    result = cli("show", "8947000000000099999")
    assert result.exit_code == 1 and result.stderr.startswith("Error: no card")


def test_a_wrong_key_is_a_clear_error(cli, stocked, monkeypatch):
    from sim_pipeline.sealing.key import new_key

    monkeypatch.setenv("SIM_PIPELINE_KEY", new_key())
    result = cli("show", "8947000000000012103")
    assert result.exit_code == 1
    assert "the key does not open this inventory's secrets" in result.stderr


def _commands(group, prefix=()):
    import typer.main

    command = typer.main.get_command(group)
    stack = [(prefix, command)]
    while stack:
        path, cmd = stack.pop()
        subs = getattr(cmd, "commands", None)
        if subs:
            stack.extend(((*path, name), sub) for name, sub in subs.items())
        else:
            yield path, cmd


def test_every_command_has_help_with_an_example(cli):
    for path, cmd in _commands(app):
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        assert "Example" in (cmd.help or ""), f"{' '.join(path)} has no example in its help"
