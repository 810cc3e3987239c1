"""Every lifecycle rule through the group-operation commands, on a real inventory file."""

from __future__ import annotations

import json

import pytest

from sim_pipeline.cli.demo_data import FIRST_IMSI


def card(inventory, iccid: str) -> dict:
    with inventory() as con:
        cur = con.execute("select * from cards where iccid = $i", {"i": iccid})
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    return dict(zip(cols, rows[0])) if rows else {}


def history(inventory, iccid: str) -> list[dict]:
    with inventory() as con:
        cur = con.execute("select * from card_history where iccid = $i order by seq", {"i": iccid})
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def refused(result, *texts):
    assert result.exit_code == 1, (result.stdout, result.stderr)
    for text in texts:
        assert text in result.stderr, result.stderr
    return result


def test_allocating_to_a_distributor_or_representative_keeps_the_status(cli, stock, inventory):
    a, b = stock(2)
    ok(cli("allocate", "--iccid-from", b, "--iccid-to", b, "--to-customer", "Acme"))
    ok(cli("allocate", "--iccid-from", a, "--iccid-to", b, "--to-distributor", "Adam Smith",
           "--to-representative", "Rita"))
    assert (card(inventory, a)["status"], card(inventory, a)["distributor"]) == ("available", "Adam Smith")
    assert (card(inventory, b)["status"], card(inventory, b)["representative"]) == ("reserved", "Rita")


def test_allocating_to_a_customer_reserves_and_deallocating_frees_the_card(cli, stock, inventory):
    [a] = stock(1)
    out = ok(cli("allocate", "--iccid-from", a, "--iccid-to", a, "--to-customer", "Acme", "--json")).json_lines[0]
    assert out["transitions"] == [{"old_status": "available", "new_status": "reserved", "count": 1}]
    assert card(inventory, a)["customer"] == "Acme"
    ok(cli("deallocate", "--customer", "Acme"))
    assert (card(inventory, a)["status"], card(inventory, a)["customer"]) == ("available", None)


def test_assignment_sets_in_use_msisdn_and_the_accounts_customer(cli, stock, inventory):
    [a] = stock(1)
    ok(cli("assign", "--iccid", a, "--account-id", "380501234567", "--customer", "Acme"))
    c = card(inventory, a)
    assert (c["status"], c["msisdn"], c["account_id"], c["customer"]) == ("in_use", "380501234567", "380501234567",
                                                                         "Acme")
    with inventory() as con:
        assert con.execute("select * from accounts").fetchall() == [("380501234567", "Acme")]
    last = history(inventory, a)[-1]
    assert (last["action"], last["old_status"], last["new_status"], last["msisdn"]) == (
        "assign", "available", "in_use", "380501234567")
    assert json.loads(last["changes"])["customer"] == [None, "Acme"]


def test_a_reserved_card_goes_only_to_an_account_of_its_customer(cli, stock, inventory):
    [a] = stock(1)
    ok(cli("allocate", "--iccid-from", a, "--iccid-to", a, "--to-customer", "Acme"))
    refused(cli("assign", "--iccid", a, "--account-id", "77", "--customer", "Globex"),
            f"card {a} is Reserved for customer 'Acme': cannot assign it to an account of customer 'Globex'")
    assert card(inventory, a)["status"] == "reserved"
    ok(cli("assign", "--iccid", a, "--account-id", "77", "--customer", "Acme"))
    assert card(inventory, a)["status"] == "in_use"


def test_an_assign_row_contradicting_the_accounts_customer_is_refused(cli, stock, inventory):
    a, b = stock(2)
    ok(cli("assign", "--iccid", a, "--account-id", "77", "--customer", "Acme"))
    refused(cli("assign", "--iccid", b, "--account-id", "77", "--customer", "Globex"),
            "account '77' belongs to customer 'Acme', not 'Globex'")
    assert card(inventory, b)["status"] == "available"


@pytest.mark.parametrize("command", ["unassign", "deactivate"])
def test_unassigning_or_deactivating_disposes_and_clears_msisdn_and_account(cli, stock, inventory, command):
    [a] = stock(1)
    ok(cli("assign", "--iccid", a, "--account-id", "77", "--customer", "Acme"))
    ok(cli(command, "--iccid", a, "--reason", "lost"))
    c = card(inventory, a)
    assert (c["status"], c["msisdn"], c["account_id"], c["customer"]) == ("disposed", None, None, "Acme")
    assert c["disposed_at"] is not None
    last = history(inventory, a)[-1]
    assert (last["action"], last["reason"], last["new_status"]) == (command, "lost", "disposed")


def test_a_disposed_card_can_never_be_assigned(cli, stock, inventory):
    [a] = stock(1)
    ok(cli("assign", "--iccid", a, "--account-id", "77", "--customer", "Acme"))
    ok(cli("unassign", "--iccid", a))
    refused(cli("assign", "--iccid", a, "--account-id", "78", "--customer", "Acme"),
            f"card {a} is Disposed: cannot assign it to an account (a Disposed card can never be assigned)")


def _detailed(home):
    home.mkdir(parents=True, exist_ok=True)
    (home / "sim-pipeline.toml").write_text('[SIM_cards]\nUseDetailedSIMStatuses = "Yes"\n')


def test_detailed_statuses_return_a_never_activated_card_to_reserved(cli, home, stock, inventory):
    _detailed(home)
    a, b, c = stock(3)
    for iccid in (a, b, c):
        ok(cli("assign", "--iccid", iccid, "--account-id", f"acc-{iccid[-1]}", "--customer", "Acme"))
    ok(cli("activate", "--iccid", b, "--activated-at", "2026-01-02T03:04:05Z"))
    ok(cli("unassign", "--iccid", a))
    ok(cli("unassign", "--iccid", b))
    ok(cli("deactivate", "--iccid", c))
    assert (card(inventory, a)["status"], card(inventory, a)["customer"], card(inventory, a)["msisdn"]) == (
        "reserved", "Acme", None)
    assert card(inventory, b)["status"] == "disposed"
    assert card(inventory, c)["status"] == "disposed"  # lost or damaged: Disposed either way
    ok(cli("deallocate", "--iccid-from", a, "--iccid-to", a))
    assert card(inventory, a)["status"] == "available"


def test_without_detailed_statuses_a_never_activated_card_is_disposed(cli, stock, inventory):
    [a] = stock(1)
    ok(cli("assign", "--iccid", a, "--account-id", "9", "--customer", "Acme"))
    ok(cli("unassign", "--iccid", a))
    assert card(inventory, a)["status"] == "disposed"


def test_terminating_an_account_unassigns_all_its_cards(cli, home, stock, inventory):
    _detailed(home)
    a, b, c = stock(3)
    for iccid in (a, b):
        ok(cli("assign", "--iccid", iccid, "--account-id", "555", "--customer", "Acme"))
    ok(cli("assign", "--iccid", c, "--account-id", "556", "--customer", "Acme"))
    ok(cli("activate", "--iccid", b, "--activated-at", "2026-01-01"))
    out = ok(cli("terminate-account", "--account-id", "555", "--json")).json_lines[0]
    assert out["changed"] == 2
    assert (card(inventory, a)["status"], card(inventory, b)["status"], card(inventory, c)["status"]) == (
        "reserved", "disposed", "in_use")
    refused(cli("terminate-account", "--account-id", "555"), "account_id: no cards are assigned to this account")


def test_activation_by_iccid_or_imsi_marks_cards_activated(cli, stock, inventory, csv_file):
    a, b = stock(2)
    batch = csv_file("network.csv", ["action", "iccid", "imsi", "activated_at"], [
        ["activate", a, "", "2026-03-01T10:00:00Z"],
        ["activate", "", str(FIRST_IMSI + 1), "2026-03-01T11:30:00+01:00"],
    ])
    ok(cli("apply", batch))
    assert str(card(inventory, a)["activated_at"]) == "2026-03-01 10:00:00"
    assert str(card(inventory, b)["activated_at"]) == "2026-03-01 10:30:00"
    assert ok(cli("list", "--activated", "--count")).stdout == "2\n"


def test_an_in_use_card_cannot_be_deleted_until_unassigned(cli, stock, inventory):
    a, b = stock(2)
    ok(cli("assign", "--iccid", a, "--account-id", "1", "--customer", "Acme"))
    refused(cli("delete", a, b), f"card {a} is In use: cannot delete it (unassign it first)")
    assert card(inventory, b)  # all or nothing: b stays too
    ok(cli("unassign", "--iccid", a))
    ok(cli("delete", a, b, "--reason", "shredded"))
    assert card(inventory, a) == {} and card(inventory, b) == {}
    last = history(inventory, a)[-1]
    assert (last["action"], last["old_status"], last["new_status"], last["is_deleted"], last["reason"]) == (
        "delete", "disposed", None, True, "shredded")
    assert len(history(inventory, a)) == 4  # ingest, assign, unassign, delete: the history stays


def test_a_pin_changes_only_before_activation_and_never_reaches_the_history(cli, stock, inventory):
    a, b = stock(2)
    ok(cli("update", "--iccid", a, "--pin-from", "-", stdin="98765\n"))
    shown = ok(cli("show", a, "--reveal", "--json")).json_lines[0]
    assert shown["secrets"]["pin1"] == "98765"
    change = [h for h in shown["history"] if h["action"] == "update"][0]
    assert change["changes"] == {"pin1": ["***", "***"]} and change["new_status"] == "available"
    with inventory() as con:
        assert con.execute("select count(*) from card_history where changes::varchar like '%98765%'").fetchone() == (0,)
    ok(cli("activate", "--iccid", b, "--activated-at", "2026-01-01"))
    refused(cli("update", "--iccid", b, "--pin-from", "-", stdin="4444\n"),
            f"card {b} is activated in the mobile network: its PIN can no longer be changed here")
    refused(cli("update", "--iccid", a, "--pin-from", "-", stdin="12\n"), "pin: expected 4-8 digits, got 2")


def test_detail_updates_change_no_status(cli, stock, inventory):
    cli("fields", "add", "Marketplace")
    a, b = stock(2)
    ok(cli("allocate", "--iccid-from", b, "--iccid-to", b, "--to-customer", "Acme"))
    out = ok(cli("update", "--iccid-from", a, "--iccid-to", b, "--set-custom", "marketplace=Amazon",
                 "--set-description", "shelf 4", "--set-distributor", "Adam Smith", "--json")).json_lines[0]
    assert out["transitions"] == [{"old_status": "available", "new_status": "available", "count": 1},
                                  {"old_status": "reserved", "new_status": "reserved", "count": 1}]
    c = card(inventory, b)
    assert (c["status"], json.loads(c["custom"]), c["description"], c["distributor"]) == (
        "reserved", {"Marketplace": "Amazon"}, "shelf 4", "Adam Smith")
    assert ok(cli("list", "--custom", "Marketplace=Amazon", "--count")).stdout == "2\n"
    ok(cli("update", "--iccid", a, "--set-custom", "Marketplace="))
    assert json.loads(card(inventory, a)["custom"]) == {}


def test_deallocate_removes_the_named_allocations_and_star_means_any(cli, stock, inventory):
    a, b = stock(2)
    ok(cli("allocate", "--iccid-from", a, "--iccid-to", b, "--to-distributor", "Adam Smith",
           "--to-representative", "Rita"))
    refused(cli("deallocate", "--iccid-from", a, "--iccid-to", b, "--from-distributor", "Bob"),
            f"card {a} is allocated to distributor 'Adam Smith', not 'Bob'")
    ok(cli("deallocate", "--iccid-from", a, "--iccid-to", a, "--from-distributor", "Adam Smith"))
    ok(cli("deallocate", "--iccid-from", b, "--iccid-to", b, "--from-representative", "*"))
    assert (card(inventory, a)["distributor"], card(inventory, a)["representative"]) == (None, "Rita")
    assert (card(inventory, b)["distributor"], card(inventory, b)["representative"]) == ("Adam Smith", None)


def test_a_group_command_without_filters_refuses_unless_all(cli, stock, inventory):
    stock(3)
    usage = cli("allocate", "--to-distributor", "Adam Smith")
    assert usage.exit_code == 2 and "--all" in usage.stderr
    out = ok(cli("allocate", "--to-distributor", "Adam Smith", "--all", "--json")).json_lines[0]
    assert out["changed"] == 3


def test_dry_run_counts_per_old_and_new_status_and_writes_nothing(cli, stock, inventory):
    stock(5)
    with inventory() as con:
        before = con.execute("select count(*) from card_history").fetchone()
    text = ok(cli("allocate", "--status", "available", "--to-customer", "Acme", "--dry-run"))
    assert text.stdout == ("sim-pipeline allocate: dry run, 1 row: 5 cards would change "
                           "(available -> reserved: 5); nothing written\n")
    with inventory() as con:
        assert con.execute("select count(*) from card_history").fetchone() == before
        assert con.execute("select count(*) from cards where status = 'reserved'").fetchone() == (0,)


def test_status_moves_are_written_to_the_outbox_with_the_history(cli, stock, inventory):
    a, b = stock(2)
    ok(cli("allocate", "--iccid-from", a, "--iccid-to", b, "--to-customer", "Acme"))
    ok(cli("allocate", "--iccid-from", a, "--iccid-to", b, "--to-distributor", "Adam Smith"))
    with inventory() as con:
        events = con.execute(
            "select o.event_type, h.action, h.source_file from outbox as o "
            "join card_history as h on h.seq = o.history_seq order by o.seq").fetchall()
    assert events == [("SIMCard/StatusChanged", "allocate", "sim-pipeline allocate")] * 2


def test_every_lifecycle_command_has_help_with_an_example(cli):
    for command in ("apply", "allocate", "deallocate", "assign", "unassign", "deactivate", "terminate-account",
                    "activate", "delete", "update"):
        result = cli(command, "--help")
        assert result.exit_code == 0 and "Example: sim-pipeline " in result.stdout, command
