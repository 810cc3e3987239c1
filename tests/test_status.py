"""The status machine (sim_pipeline/status.py): one table, asked one card at a time and in bulk."""

from __future__ import annotations

import itertools

import duckdb
import pytest

from schemas.vocabulary import AVAILABLE, DISPOSED, IN_USE, RESERVED, STATUSES
from sim_pipeline import status
from sim_pipeline.errors import IllegalTransition, OperationRefused

MOVE_NAMES = sorted({m.move for m in status.MOVES})


def test_upload_makes_a_card_available():
    assert status.next_status("upload", None) == AVAILABLE


@pytest.mark.parametrize("old", [AVAILABLE, RESERVED])
def test_allocating_to_a_partner_keeps_the_status(old):
    assert status.next_status("allocate_partner", old) == old


def test_allocating_to_a_customer_reserves_and_deallocating_frees():
    assert status.next_status("allocate_customer", AVAILABLE) == RESERVED
    assert status.next_status("deallocate_customer", RESERVED) == AVAILABLE


@pytest.mark.parametrize("old", [AVAILABLE, RESERVED])
def test_assignment_puts_available_or_reserved_cards_in_use(old):
    assert status.next_status("assign", old) == IN_USE


def test_a_disposed_card_can_never_be_assigned():
    with pytest.raises(IllegalTransition, match=r"card 8947 is Disposed: cannot assign it to an account "
                                                r"\(a Disposed card can never be assigned\)"):
        status.next_status("assign", DISPOSED, iccid="8947")


@pytest.mark.parametrize("move", ["unassign", "terminate_account"])
def test_unassignment_disposes_unless_detailed_and_never_activated(move):
    assert status.next_status(move, IN_USE, detailed=False, activated=False) == DISPOSED
    assert status.next_status(move, IN_USE, detailed=False, activated=True) == DISPOSED
    assert status.next_status(move, IN_USE, detailed=True, activated=True) == DISPOSED
    assert status.next_status(move, IN_USE, detailed=True, activated=False) == RESERVED


@pytest.mark.parametrize("detailed,activated", list(itertools.product([False, True], repeat=2)))
def test_a_deactivated_card_is_disposed_either_way(detailed, activated):
    assert status.next_status("deactivate", IN_USE, detailed, activated) == DISPOSED


def test_an_in_use_card_cannot_be_deleted_and_the_error_names_card_status_and_action():
    with pytest.raises(IllegalTransition) as caught:
        status.next_status("delete", IN_USE, iccid="1949177921756150001")
    assert isinstance(caught.value, OperationRefused)
    assert str(caught.value) == "card 1949177921756150001 is In use: cannot delete it (unassign it first)"
    assert (caught.value.iccid, caught.value.from_status) == ("1949177921756150001", IN_USE)
    for old in (AVAILABLE, RESERVED, DISPOSED):
        assert status.next_status("delete", old) is None


@pytest.mark.parametrize("move", ["activate", "update", "deallocate_partner"])
def test_detail_changes_keep_every_status(move):
    for old in STATUSES:
        assert status.next_status(move, old) == old


def test_check_move_accepts_table_moves_and_refuses_others():
    status.check_move("1", AVAILABLE, RESERVED)
    status.check_move("1", IN_USE, RESERVED, "unassign")
    with pytest.raises(IllegalTransition, match="card 1 is Disposed"):
        status.check_move("1", DISPOSED, IN_USE)
    with pytest.raises(IllegalTransition):
        status.check_move("1", AVAILABLE, IN_USE, "unassign")


def test_the_sql_values_list_decides_exactly_as_the_python_table():
    con = duckdb.connect()
    moves = con.execute(status.values_sql()).fetchall()
    assert len(moves) == len(status.MOVES)
    for move, old, detailed, activated in itertools.product(MOVE_NAMES, STATUSES, [False, True], [False, True]):
        rows = con.execute(
            f"select to_status, guard from ({status.values_sql()}) as m where m.move = $move "
            "and m.from_status = $old and (m.detailed is null or m.detailed = $d) "
            "and (m.activated is null or m.activated = $a)",
            {"move": move, "old": old, "d": detailed, "a": activated},
        ).fetchall()
        python = status.find_move(move, old, detailed, activated)
        assert len(rows) <= 1, (move, old, detailed, activated)
        assert (rows[0] if rows else None) == ((python.to_status, python.guard) if python else None)


def test_every_guard_named_in_the_table_has_sql_and_a_message():
    named = {m.guard for m in status.MOVES if m.guard}
    assert named == set(status.GUARDS)
    assert "same_customer" in status.guards_sql()


def test_guard_messages_name_both_customers():
    text = status.guard_message("same_customer", "assign", "8947", "Acme", "Globex")
    assert text == ("card 8947 is Reserved for customer 'Acme': cannot assign it to an account of customer "
                    "'Globex' (deallocate it from 'Acme' first)")
