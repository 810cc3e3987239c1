"""Card histories for report tests, written straight into `card_history` of a real inventory.

`History` appends rows the way the pipeline does: each row carries the card's non-secret state after the
change. `mega_telecom` plays the seed's example (1000 cards, Adam Smith, Amazon) across three months.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable

import duckdb
import polars as pl

from sim_pipeline.cli.demo_data import iccid as seed_iccid


def mega(first: int, last: int) -> list[str]:
    """ICCIDs of the seed's cards number `first` to `last` (1-based): mega(1, 100) is Adam Smith's batch."""
    return [seed_iccid(n) for n in range(first, last + 1)]


_STATE = ("imsi", "sim_type", "managed_by", "msisdn", "account_id", "customer", "distributor",
          "representative", "custom", "is_activated")
_SCHEMA = {
    "seq": pl.Int64, "changed_at": pl.Datetime("us"), "iccid": pl.Utf8, "action": pl.Utf8,
    "old_status": pl.Utf8, "new_status": pl.Utf8, "changes": pl.Utf8, "imsi": pl.Utf8, "sim_type": pl.Utf8,
    "managed_by": pl.Utf8, "msisdn": pl.Utf8, "account_id": pl.Utf8, "customer": pl.Utf8,
    "distributor": pl.Utf8, "representative": pl.Utf8, "custom": pl.Utf8, "is_activated": pl.Boolean,
    "is_deleted": pl.Boolean, "source_file": pl.Utf8, "source_line": pl.Int32, "actor": pl.Utf8,
    "reason": pl.Utf8,
}


def add_custom_field(con: duckdb.DuckDBPyConnection, name: str, at: datetime) -> None:
    con.execute("insert into custom_fields values ($name, $at)", {"name": name, "at": at})


class History:
    """Appends history rows to one inventory; remembers each card's state to write the next row."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.cards: dict[str, dict[str, Any]] = {}
        self.seq = con.execute("select coalesce(max(seq), 0) from card_history").fetchone()[0]

    def ingest(self, iccids: list[str], at: datetime, managed_by: str = "admin", sim_type: str = "SIM",
               custom: dict[str, str] | None = None, actor: str = "admin") -> None:
        """An upload: each card created Available."""
        rows = []
        for iccid in iccids:
            state = dict.fromkeys(_STATE)
            state.update(imsi="0010" + iccid[-11:], sim_type=sim_type, managed_by=managed_by,
                         custom=dict(custom or {}), is_activated=False, status="available")
            self.cards[iccid] = state
            rows.append(self._row(iccid, at, "ingest", None, state, {"status": [None, "available"]}, actor))
        self._append(rows)

    def change(self, iccids: list[str], at: datetime, action: str, status: str | None = None,
               actor: str = "admin", **fields: Any) -> None:
        """A lifecycle change: `status` (if given) and `fields` (distributor=..., custom={...}) after it."""
        rows = []
        for iccid in iccids:
            before = self.cards[iccid]
            after = {**before, **fields, "status": status or before["status"]}
            if "custom" in fields:
                after["custom"] = {**before["custom"], **fields["custom"]}
            changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            self.cards[iccid] = after
            rows.append(self._row(iccid, at, action, before["status"], after, changes, actor))
        self._append(rows)

    def delete(self, iccids: list[str], at: datetime, action: str = "delete", actor: str = "admin") -> None:
        """A deletion: the row keeps the card's last state, with no status and is_deleted."""
        rows = []
        for iccid in iccids:
            state = self.cards.pop(iccid)
            rows.append(self._row(iccid, at, action, state["status"], {**state, "status": None},
                                  {"status": [state["status"], None]}, actor, is_deleted=True))
        self._append(rows)

    def _row(self, iccid: str, at: datetime, action: str, old_status: str | None, state: dict[str, Any],
             changes: dict[str, Any], actor: str, is_deleted: bool = False) -> dict[str, Any]:
        self.seq += 1
        row = {k: state[k] for k in _STATE}
        row["custom"] = json.dumps(state["custom"]) if state["custom"] else None
        return {**row, "seq": self.seq, "changed_at": at, "iccid": iccid, "action": action,
                "old_status": old_status, "new_status": state["status"], "changes": json.dumps(changes, default=str),
                "is_deleted": is_deleted, "source_file": None, "source_line": None, "actor": actor, "reason": None}

    def _append(self, rows: list[dict[str, Any]]) -> None:
        frame = pl.DataFrame(rows, schema=_SCHEMA)  # noqa: F841  read by DuckDB by name below
        self.con.execute("insert into card_history by name select * from frame")


def mega_telecom(con: duckdb.DuckDBPyConnection, until: datetime | None = None) -> History:
    """The seed's example played from September to November 2025 (UTC), the steps before `until` only.

    Cards 1-100 go to distributor Adam Smith, 101-200 get Marketplace=Amazon, 201-900 stay with the
    administrator, 901-1000 are reseller Bob's eSIMs. Expected numbers: test_channel_report.py.
    """
    h = History(con)
    steps: list[tuple[datetime, Callable[[datetime], None]]] = [
        (datetime(2025, 9, 1, 9), lambda at: add_custom_field(con, "Marketplace", at)),
        (datetime(2025, 9, 10, 10), lambda at: h.ingest(mega(1, 900), at)),
        (datetime(2025, 9, 10, 11), lambda at: h.ingest(mega(901, 1000), at, managed_by="Bob",
                                                         sim_type="eSIM", actor="reseller:Bob")),
        (datetime(2025, 9, 12), lambda at: h.change(mega(1, 100), at, "allocate", distributor="Adam Smith")),
        (datetime(2025, 9, 15), lambda at: h.change(mega(101, 200), at, "update", custom={"Marketplace": "Amazon"})),
        (datetime(2025, 9, 20), lambda at: h.change(mega(1, 10) + mega(101, 120), at, "assign", "in_use",
                                                    customer="Acme")),
        # October
        (datetime(2025, 10, 5), lambda at: h.change(mega(11, 15), at, "assign", "in_use", customer="Acme")),
        (datetime(2025, 10, 10), lambda at: h.change(mega(1, 2), at, "deactivate", "disposed")),
        (datetime(2025, 10, 12), lambda at: h.change(mega(901, 905), at, "allocate", actor="reseller:Bob",
                                                     distributor="Bob Dist")),
        (datetime(2025, 10, 13), lambda at: h.change(mega(901, 902), at, "assign", "in_use", actor="reseller:Bob",
                                                     customer="Bob Customer")),
        (datetime(2025, 10, 15), lambda at: h.delete(mega(999, 999), at, "remove", actor="reseller:Bob")),
        (datetime(2025, 10, 20), lambda at: h.change(mega(21, 30), at, "allocate", distributor="Eve Jones")),
        (datetime(2025, 10, 25), lambda at: h.change(mega(201, 210), at, "allocate", representative="Rita Rep")),
        (datetime(2025, 10, 25, 1), lambda at: h.change(mega(201, 203), at, "assign", "in_use", customer="Acme")),
        (datetime(2025, 10, 25, 2), lambda at: h.change(mega(211, 212), at, "allocate", "reserved",
                                                        customer="Big Corp")),
        (datetime(2025, 10, 31, 23, 30), lambda at: h.change(mega(16, 16), at, "assign", "in_use", customer="Acme")),
        # November: the first change at the very instant October ends
        (datetime(2025, 11, 1), lambda at: h.change(mega(17, 17), at, "assign", "in_use", customer="Acme")),
        (datetime(2025, 11, 3), lambda at: h.change(mega(3, 5), at, "allocate", distributor="Eve Jones")),
        (datetime(2025, 11, 4), lambda at: h.delete(mega(1, 1), at)),
        (datetime(2025, 11, 5), lambda at: h.change(mega(101, 105), at, "update", custom={"Marketplace": "eBay"})),
        (datetime(2025, 11, 10), lambda at: h.change(mega(101, 101), at, "terminate_account", "disposed")),
    ]
    for at, step in steps:
        if until is None or at < until:
            step(at)
    return h


def parse_table(text: str) -> list[dict[str, Any]]:
    """A pipe table (header row first) -> rows; whole numbers become ints, empty cells None."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    header = [h.strip() for h in lines[0].split("|")]

    def cell(value: str) -> Any:
        value = value.strip()
        if value == "":
            return None
        if value.lstrip("+-").isdigit():
            return int(value)
        return value

    return [dict(zip(header, (cell(v) for v in line.split("|")))) for line in lines[1:]]


def given_history(con: duckdb.DuckDBPyConnection, text: str) -> None:
    """Insert card_history rows from a pipe table with columns seq, changed_at (ISO), iccid, action,
    old_status, new_status, managed_by, distributor, representative, custom (JSON), is_deleted (yes/no);
    the other columns get plain defaults."""
    rows = []
    for r in parse_table(text):
        rows.append({
            **dict.fromkeys(_SCHEMA), "seq": r["seq"], "changed_at": datetime.fromisoformat(r["changed_at"]),
            "iccid": str(r["iccid"]), "action": r["action"], "old_status": r["old_status"],
            "new_status": r["new_status"], "imsi": "001010000000001", "sim_type": r.get("sim_type") or "SIM",
            "managed_by": r["managed_by"], "distributor": r["distributor"], "representative": r["representative"],
            "custom": r["custom"], "is_activated": False, "is_deleted": r["is_deleted"] == "yes", "actor": "admin",
        })
    frame = pl.DataFrame(rows, schema=_SCHEMA)  # noqa: F841  read by DuckDB by name below
    con.execute("insert into card_history by name select * from frame")


def forty_distributors(con: duckdb.DuckDBPyConnection) -> History:
    """40 distributors D1-D40, a Marketplace field with 3 values and reseller Zed, September-November 2025.

    Known answers for November (tests/test_channel_report_view.py): D1 sells 3 a month and holds 1 card, D2
    sold its only card (stock 0), D6 and D10 tie at 5 in use, D12 has 4, D40 sold nothing; 600 cards
    without a distributor (100 in use: 50 Amazon, 30 eBay, 20 Shop); Zed's 50 eSIMs, 10 sold in November.
    """
    h = History(con)
    add_custom_field(con, "Marketplace", datetime(2025, 9, 1))
    d_cards = {k: mega(1, 10) if k == 1 else mega(11, 11) if k == 2 else mega(12 + (k - 3) * 10, 21 + (k - 3) * 10)
               for k in range(1, 41)}
    plain = mega(392, 991)  # 600 cards without a distributor
    zed = mega(992, 1041)
    h.ingest([c for cards in d_cards.values() for c in cards] + plain, datetime(2025, 9, 2))
    h.ingest(zed, datetime(2025, 9, 2, 1), managed_by="Zed", sim_type="eSIM", actor="reseller:Zed")
    for k, cards in d_cards.items():
        h.change(cards, datetime(2025, 9, 5), "allocate", distributor=f"D{k}")
    for name, cards in (("Amazon", plain[:100]), ("eBay", plain[100:200]), ("Shop", plain[200:300])):
        h.change(cards, datetime(2025, 9, 6), "update", custom={"Marketplace": name})
    sep, octo, nov = datetime(2025, 9, 20), datetime(2025, 10, 15), datetime(2025, 11, 10)
    h.change(d_cards[1][:3] + d_cards[10][:5] + plain[:50] + plain[100:130] + plain[200:220], sep, "assign",
             "in_use", customer="Acme")
    h.change(d_cards[1][3:6] + d_cards[12][:4], octo, "assign", "in_use", customer="Acme")
    ones = [d_cards[k][0] for k in range(2, 40) if k not in (6, 10, 12)]
    h.change(d_cards[1][6:9] + d_cards[6][:5] + ones, nov, "assign", "in_use", customer="Acme")
    h.change(zed[:10], nov, "assign", "in_use", customer="Zed Customer", actor="reseller:Zed")
    return h
