"""Resellers: a batch or command `--as reseller:NAME` sees and changes only that reseller's cards."""

from __future__ import annotations

import re

import pytest

from sim_pipeline.cli.demo_data import iccid

NOT_YOURS = "not found or not managed by you"


@pytest.fixture
def mixed(stock, cli):
    """Cards 1-3 the administrator's (card 2 Reserved for Acme), 4-6 reseller bob's, 7 reseller eve's."""
    stock(3, name="admin.csv")
    stock(3, managed_by="bob", start=4, name="bob.csv")
    stock(1, managed_by="eve", start=7, name="eve.csv")
    assert cli("allocate", "--iccid-from", iccid(2), "--iccid-to", iccid(2), "--to-customer", "Acme").exit_code == 0


def _state(inventory):
    with inventory() as con:
        return con.execute("select iccid, status, customer, distributor, managed_by from cards order by iccid").fetchall()


def test_a_resellers_batch_touching_a_foreign_card_is_rejected_and_says_nothing_of_it(cli, mixed, csv_file,
                                                                                      inventory):
    before = _state(inventory)
    batch = csv_file("bob.csv", ["action", "iccid", "iccid_from", "iccid_to", "distributor"], [
        ["allocate", iccid(4), "", "", "Bob's shop"],
        ["allocate", iccid(2), "", "", "Bob's shop"],
        ["allocate", "", iccid(3), iccid(5), "Bob's shop"],
        ["allocate", iccid(7), "", "", "Bob's shop"],
    ])
    result = cli("apply", batch, "--as", "reseller:bob", "--json")
    assert result.exit_code == 1
    errors = [(e["line"], e["column"], e["value"], e["reason"]) for e in result.json_lines[0]["errors"]]
    assert errors == [
        (3, "iccid", iccid(2), NOT_YOURS),
        (4, "iccid_from", f"{iccid(3)}..{iccid(5)}", NOT_YOURS),
        (5, "iccid", iccid(7), NOT_YOURS),
    ]
    for secret in ("Acme", "reserved", "Reserved", "admin", "eve"):
        assert not re.search(rf"\b{secret}\b", result.stdout + result.stderr), secret
    assert _state(inventory) == before


def test_an_unknown_card_and_a_foreign_card_read_the_same_to_a_reseller(cli, mixed):
    foreign = cli("delete", iccid(1), "--as", "reseller:bob")
    missing = cli("delete", "8947000000000099999", "--as", "reseller:bob")
    assert foreign.exit_code == missing.exit_code == 1
    assert f"iccid: {NOT_YOURS}" in foreign.stderr and f"iccid: {NOT_YOURS}" in missing.stderr


def test_a_reseller_allocates_its_own_cards_to_its_distributors_and_customers(cli, mixed, csv_file, inventory):
    batch = csv_file("bob.csv", ["action", "iccid_from", "iccid_to", "customer", "distributor"], [
        ["allocate", iccid(4), iccid(5), "", "Bob's shop"],
        ["allocate", iccid(6), iccid(6), "Bob's client", ""],
    ])
    result = cli("apply", batch, "--as", "reseller:bob", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json_lines[0]["transitions"] == [
        {"old_status": "available", "new_status": "available", "count": 2},
        {"old_status": "available", "new_status": "reserved", "count": 1},
    ]
    with inventory() as con:
        assert con.execute("select distinct actor from card_history where source_file = 'bob.csv' "
                           "and action = 'allocate'").fetchall() == [("reseller:bob",)]
        assert con.execute("select count(*) from cards where distributor = 'Bob''s shop'").fetchone() == (2,)


def test_a_reseller_may_not_hand_cards_to_another_reseller(cli, mixed, csv_file, inventory):
    refused = cli("update", "--iccid", iccid(4), "--set-managed-by", "eve", "--as", "reseller:bob")
    assert refused.exit_code == 1 and "a reseller may not hand cards to another reseller" in refused.stderr
    assert cli("update", "--iccid", iccid(4), "--set-managed-by", "eve").exit_code == 0  # the administrator may
    assert ("eve",) in [(r[4],) for r in _state(inventory) if r[0] == iccid(4)]


def test_a_resellers_filter_command_changes_only_its_own_cards(cli, mixed, inventory):
    out = cli("allocate", "--status", "available", "--to-distributor", "Bob's shop", "--as", "reseller:bob", "--json")
    assert out.exit_code == 0, out.stderr
    assert out.json_lines[0]["changed"] == 3
    touched = [r[0] for r in _state(inventory) if r[3] == "Bob's shop"]
    assert touched == [iccid(4), iccid(5), iccid(6)]
    everything = cli("deallocate", "--all", "--from-distributor", "*", "--as", "reseller:bob", "--json")
    assert everything.json_lines[0]["changed"] == 3


def test_list_search_and_show_as_a_reseller_see_only_its_cards(cli, mixed):
    listed = cli("list", "--as", "reseller:bob", "--json").json_lines
    assert [c["iccid"] for c in listed] == [iccid(4), iccid(5), iccid(6)]
    assert cli("list", "--as", "reseller:bob", "--status", "reserved", "--count").stdout == "0\n"
    found = cli("search", "1949177921756150", "--as", "reseller:bob", "--json").json_lines
    assert {c["managed_by"] for c in found} == {"bob"}
    assert cli("show", iccid(5), "--as", "reseller:bob").exit_code == 0
    foreign = cli("show", iccid(2), "--as", "reseller:bob")
    assert foreign.exit_code == 1 and NOT_YOURS in foreign.stderr and "Acme" not in foreign.stderr
