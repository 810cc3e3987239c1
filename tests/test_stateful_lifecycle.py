"""Random sequences of operations against a tiny reference model, checking the inventory and the change
history after every step, for both values of SIM_cards.UseDetailedSIMStatuses.

The model takes each card's next status from the status table (sim_pipeline/status.py), as the SQL does;
its guards and side effects (customer, account, MSISDN, activation, disposal, deletion) are written here
again, independently, so a wrong statement in the SQL fails the test.
"""

from __future__ import annotations

import pytest

import json
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from hypothesis import HealthCheck, settings as hsettings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from sim_pipeline import status
from sim_pipeline.actor import ADMINISTRATOR
from sim_pipeline.store.db import connect
from sim_pipeline.errors import IllegalTransition
from sim_pipeline.ingest.upload import ingest_file
from sim_pipeline.store.migrations import migrate
from sim_pipeline.lifecycle import Operation, apply_operations
from sim_pipeline.sealing.key import new_key
from sim_pipeline.settings import Settings

CARDS = [str(8947000000000012000 + k) for k in range(4)]
CUSTOMERS = ["Acme", "Globex"]
ACCOUNTS = ["A1", "A2", "A3"]

card_index = st.integers(0, len(CARDS) - 1)
customers = st.sampled_from(CUSTOMERS)
accounts = st.sampled_from(ACCOUNTS)


@dataclass(frozen=True)
class Card:
    status: str = "available"
    customer: str | None = None
    distributor: str | None = None
    account: str | None = None
    activated: bool = False
    disposed: bool = False


class Refused(Exception):
    """The model expects the operation to be rejected."""


class LifecycleMachine(RuleBasedStateMachine):
    detailed = False

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sim-lifecycle-"))
        self.settings = Settings(home=self.folder, use_detailed_statuses=self.detailed, secret_key=new_key())
        self.con = connect(str(self.folder / "inventory.duckdb"))
        migrate(self.con)
        upload = self.folder / "cards.csv"
        upload.write_text("ICCID,IMSI\n" + "".join(f"{c},{250990000000100 + i}\n" for i, c in enumerate(CARDS)))
        assert ingest_file(self.con, self.settings, upload).status == "accepted"
        self.model: dict[str, Card] = {c: Card() for c in CARDS}
        self.accounts: dict[str, str] = {}
        self.history_rows = len(CARDS)

    def teardown(self) -> None:
        self.con.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- the model: guards and effects written independently of the SQL ---------------------------

    def _next(self, iccid: str, move: str) -> str | None:
        card = self._card(iccid)
        try:
            return status.next_status(move, card.status, self.detailed, card.activated, iccid)
        except IllegalTransition:
            raise Refused from None

    def _card(self, iccid: str) -> Card:
        if iccid not in self.model:
            raise Refused
        return self.model[iccid]

    def _expect(self, op: Operation, changes: dict[str, Card | None]) -> None:
        """Apply `op`; with `changes` (iccid -> card after, None = deleted) it must be accepted."""
        result = apply_operations(self.con, self.settings, [op], ADMINISTRATOR, "machine.csv")
        assert result.status == "accepted", [str(p) for p in result.errors]
        before = {i: self.model.get(i) for i in changes}
        moved = {i: c for i, c in changes.items() if c != before[i]}
        rows = self.con.execute(
            "select iccid, action, old_status, new_status, customer, msisdn, is_deleted from card_history "
            "where seq > $s order by seq", {"s": self.history_rows}).fetchall()
        assert sorted(r[0] for r in rows) == sorted(moved), (op, rows)
        for iccid, action, old, new, customer, msisdn, deleted in rows:
            after = moved[iccid]
            assert (action, old) == (op.action, before[iccid].status)
            assert new == (after.status if after else None) and deleted == (after is None)
            if after:
                assert (customer, msisdn) == (after.customer, after.account)
        self.history_rows += len(rows)
        for iccid, card in changes.items():
            if card is None:
                self.model.pop(iccid, None)
            else:
                self.model[iccid] = card

    def _expect_refused(self, op: Operation) -> None:
        result = apply_operations(self.con, self.settings, [op], ADMINISTRATOR, "machine.csv")
        assert result.status == "rejected", (op, self.model)
        assert result.errors

    def _run(self, op: Operation, decide) -> bool:  # noqa: ANN001  decide() -> changes, or raises Refused
        """Apply `op` as the model decides; True when it was (and had to be) accepted."""
        try:
            changes = decide()
        except Refused:
            self._expect_refused(op)
            return False
        self._expect(op, changes)
        return True

    # --- rules --------------------------------------------------------------------------------------

    @rule(i=card_index, customer=customers)
    def allocate_to_customer(self, i: int, customer: str) -> None:
        iccid = CARDS[i]

        def decide():
            card, new = self._card(iccid), self._next(iccid, "allocate_customer")
            if card.status == "reserved" and card.customer != customer:
                raise Refused
            return {iccid: replace(card, status=new, customer=customer)}

        self._run(Operation("allocate", iccid=iccid, params={"customer": customer}), decide)

    @rule(i=card_index)
    def allocate_to_distributor(self, i: int) -> None:
        iccid = CARDS[i]

        def decide():
            card, new = self._card(iccid), self._next(iccid, "allocate_partner")
            return {iccid: replace(card, status=new, distributor="Adam Smith")}

        self._run(Operation("allocate", iccid=iccid, params={"distributor": "Adam Smith"}), decide)

    @rule(i=card_index)
    def deallocate_customer(self, i: int) -> None:
        iccid = CARDS[i]

        def decide():
            card, new = self._card(iccid), self._next(iccid, "deallocate_customer")
            return {iccid: replace(card, status=new, customer=None)}

        self._run(Operation("deallocate", iccid=iccid), decide)

    @rule(i=card_index, account=accounts, customer=customers)
    def assign(self, i: int, account: str, customer: str) -> None:
        iccid = CARDS[i]

        def decide():
            card, new = self._card(iccid), self._next(iccid, "assign")
            if self.accounts.get(account, customer) != customer:
                raise Refused
            if card.status == "reserved" and card.customer != customer:
                raise Refused
            assert new == "in_use"
            return {iccid: replace(card, status=new, customer=customer, account=account)}

        op = Operation("assign", iccid=iccid, params={"account_id": account, "customer": customer})
        if self._run(op, decide):
            self.accounts.setdefault(account, customer)

    def _unassigned(self, iccid: str, move: str) -> Card:
        card, new = self._card(iccid), self._next(iccid, move)
        return replace(card, status=new, account=None, disposed=card.disposed or new == "disposed")

    @rule(i=card_index, move=st.sampled_from(["unassign", "deactivate"]))
    def unassign_or_deactivate(self, i: int, move: str) -> None:
        iccid = CARDS[i]
        self._run(Operation(move, iccid=iccid), lambda: {iccid: self._unassigned(iccid, move)})

    @rule(account=accounts)
    def terminate_account(self, account: str) -> None:
        def decide():
            held = [i for i, c in self.model.items() if c.account == account]
            if not held:
                raise Refused
            return {i: self._unassigned(i, "terminate_account") for i in held}

        self._run(Operation("terminate_account", account_id=account), decide)

    @rule(i=card_index)
    def activate(self, i: int) -> None:
        iccid = CARDS[i]

        def decide():
            card = self._card(iccid)
            return {iccid: replace(card, status=self._next(iccid, "activate"), activated=True)}

        self._run(Operation("activate", iccid=iccid, params={"activated_at": "2026-06-01T00:00:00"}), decide)

    @rule(i=card_index)
    def delete(self, i: int) -> None:
        iccid = CARDS[i]

        def decide():
            assert self._next(iccid, "delete") is None
            return {iccid: None}

        self._run(Operation("delete", iccid=iccid), decide)

    # --- after every step ---------------------------------------------------------------------------

    @invariant()
    def inventory_matches_the_model(self) -> None:
        rows = self.con.execute(
            "select iccid, status, customer, distributor, account_id, msisdn, activated_at is not null, "
            "disposed_at is not null from cards order by iccid").fetchall()
        expected = [(i, c.status, c.customer, c.distributor, c.account, c.account, c.activated, c.disposed)
                    for i, c in sorted(self.model.items())]
        assert rows == expected

    @invariant()
    def each_cards_last_history_row_is_its_state(self) -> None:
        last = self.con.execute(
            "select iccid, new_status, customer, distributor, account_id, msisdn, is_activated, is_deleted, changes "
            "from card_history qualify row_number() over (partition by iccid order by seq desc) = 1 "
            "order by iccid").fetchall()
        for iccid, new, customer, distributor, account, msisdn, activated, deleted, changes in last:
            card = self.model.get(iccid)
            if card is None:
                assert deleted and new is None
            else:
                assert (new, customer, distributor, account, msisdn, activated, deleted) == (
                    card.status, card.customer, card.distributor, card.account, card.account, card.activated, False)
            assert json.loads(changes)  # every history row says what changed

    @invariant()
    def accounts_remember_their_customer(self) -> None:
        assert dict(self.con.execute("select account_id, customer from accounts").fetchall()) == self.accounts


class DetailedLifecycleMachine(LifecycleMachine):
    detailed = True


MACHINE_SETTINGS = hsettings(max_examples=25, stateful_step_count=15, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])
TestLifecycleDefaultStatuses = LifecycleMachine.TestCase
TestLifecycleDefaultStatuses.settings = MACHINE_SETTINGS
TestLifecycleDetailedStatuses = DetailedLifecycleMachine.TestCase
TestLifecycleDetailedStatuses.settings = MACHINE_SETTINGS


pytestmark = pytest.mark.slow  # hypothesis state machines with large budgets: `make test` runs it, `make check` does not
