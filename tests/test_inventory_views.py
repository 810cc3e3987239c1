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
    assert lines[0] == "iccid,imsi,status,msisdn,account_id,customer,distributor,representative,managed_by,custom"
    assert len(lines) == 11


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
