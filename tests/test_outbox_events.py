"""Events: one outbox row per change an event type describes, in the change's transaction, valid
against its JSON Schema, with stable ids and never a secret."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest

from schemas.vocabulary import (EVENT_ASSIGNED, EVENT_CREATED, EVENT_DELETED, EVENT_STATUS_CHANGED, EVENT_TYPES,
                                EVENT_UNASSIGNED, EVENTS_DIR, STATUSES)
from report_fixtures import given_history
from sim_pipeline.ingest import upload as ingest
from sim_pipeline.events import outbox
from sim_pipeline.store import queries
from sim_pipeline.actor import ADMINISTRATOR
from sim_pipeline.store.db import inventory_id, open_inventory
from sim_pipeline.store.inventory_view import show_card
from sim_pipeline.lifecycle import Operation, apply_operations
from sim_pipeline.events.relay import relay_events

SECRETS = {  # distinctive values, so a leak cannot hide in a coincidence
    "PIN": "7391", "PIN2": "8264", "PUK1": "55501234", "PUK2": "55509876", "ADM1": "A1D2E3F4A5D6E7F8",
    "KI": "0123456789ABCDEF0123456789ABCDEF", "OPC": "FEDCBA9876543210FEDCBA9876543210",
}
ACTIVATION_CODE = "LPA:1$smdp.example.com$MATCHING-ID-SECRET-4242"


def iccid(n: int) -> str:
    return f"89470000000000121{n:02d}"


def upload(tmp_path: Path, name: str, rows: int, first: int = 0, action: str = "+") -> Path:
    """An upload file with every secret column (eSIM rows carry an activation code)."""
    header = ["Action", "ICCID", "IMSI", *SECRETS, "eSIM activation code"]
    lines = [",".join(header)]
    for n in range(first, first + rows):
        code = ACTIVATION_CODE if n % 2 else ""
        lines.append(",".join([action, iccid(n), f"2420171000112{n:02d}", *SECRETS.values(), code]))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def apply(con, settings, *ops: Operation) -> None:
    """Lifecycle changes through the engine, as a batch file `ops.csv` would make them."""
    result = apply_operations(con, settings, list(ops), ADMINISTRATOR, "ops.csv")
    assert result.status == "accepted", result.errors


def unassign_without_changes(con, settings, card: str) -> None:
    """A history row leaving In use whose `changes` records the status only (as a row written by hand
    or by an older version might): the state before must then come from the card's previous row."""
    con.begin()
    first_seq = outbox.last_history_seq(con)
    con.execute("update cards set status = 'disposed', msisdn = null, account_id = null, customer = null "
                "where iccid = $i", {"i": card}).fetchall()
    con.execute(
        "insert into card_history select $seq, $now, c.iccid, 'unassign', 'in_use', c.status, "
        "'{\"status\": [\"in_use\", \"disposed\"]}', c.imsi, c.sim_type, c.managed_by, c.msisdn, c.account_id, "
        "c.customer, c.distributor, c.representative, c.custom, false, false, null, null, 'admin', null "
        "from cards as c where c.iccid = $i", {"seq": first_seq + 1, "now": settings.now(), "i": card}).fetchall()
    outbox.enqueue(con, settings, first_seq)
    con.commit()


def all_types(settings):
    return dataclasses.replace(settings, event_subscriptions=list(EVENT_TYPES))


def life_of_seven_cards(con, settings, tmp_path: Path) -> None:
    """Every kind of change: created, reserved, assigned (from Reserved and from Available), unassigned
    to Disposed, allocated to a distributor (no status move), revealed (no status move), deleted, removed."""
    assert ingest.ingest_file(con, settings, upload(tmp_path, "mega.csv", 7)).status == "accepted"
    apply(con, settings,
          Operation("allocate", iccid=iccid(0), params={"customer": "ACME"}),
          Operation("assign", iccid=iccid(0), params={"account_id": "4791000001", "customer": "ACME"}),
          Operation("assign", iccid=iccid(1), params={"account_id": "4791000002", "customer": "Globex"}),
          Operation("unassign", iccid=iccid(1), params={"reason": "lost"}),
          Operation("allocate", iccid=iccid(2), params={"distributor": "Adam Smith"}),
          Operation("delete", iccid=iccid(6)))
    show_card(con, settings, iccid(3), ADMINISTRATOR, reveal=True)
    removal = upload(tmp_path, "remove.csv", 1, first=5, action="-")
    assert ingest.ingest_file(con, settings, removal).status == "accepted"


def exported(settings) -> list[dict]:
    events = []
    for path in sorted((settings.home / "outbox").glob("*.jsonl")):
        events += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return events


def envelopes(con) -> list[dict]:
    """The envelopes of every outbox row not exported yet, as the relay would write them."""
    [history] = queries.rows(con, "outbox_history_range_after", after_seq=0, limit=10**9)
    rows = queries.rows(con, "outbox_events_after", after_seq=0, limit=10**9, inventory_id=inventory_id(con), **history)
    return [json.loads(r["payload"]) for r in rows]


def schema_of(event_type: str) -> dict:
    return json.loads((EVENTS_DIR / f"{event_type.replace('/', '.')}.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def lived(settings, tmp_path):
    """An inventory subscribed to every type, after life_of_seven_cards, relayed."""
    settings = all_types(settings)
    with open_inventory(settings) as con:
        life_of_seven_cards(con, settings, tmp_path)
        relay_events(con, settings)
        history = con.execute("select seq, old_status, new_status, is_deleted from card_history "
                              "order by seq").fetchall()
        inv = inventory_id(con)
    return settings, exported(settings), history, inv


def test_every_event_is_valid_against_the_schema_of_its_type(lived):
    _, events, _, _ = lived
    assert {e["type"] for e in events} == set(EVENT_TYPES)
    for event in events:
        jsonschema.validate(event, schema_of(event["type"]), cls=jsonschema.Draft202012Validator,
                            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_status_changed_events_are_one_per_history_row_whose_status_moved(lived):
    _, events, history, _ = lived
    moved = [seq for seq, old, new, _ in history if old is not None and new is not None and old != new]
    changed = [e["data"]["history_seq"] for e in events if e["type"] == EVENT_STATUS_CHANGED]
    assert changed == moved and len(moved) == 4  # reserve, assign, assign, unassign
    moves = [(e["data"]["old_status"], e["data"]["new_status"]) for e in events if e["type"] == EVENT_STATUS_CHANGED]
    assert moves == [("available", "reserved"), ("reserved", "in_use"), ("available", "in_use"), ("in_use", "disposed")]


def test_creation_and_deletion_are_their_own_types(lived):
    _, events, history, _ = lived
    created = [e for e in events if e["type"] == EVENT_CREATED]
    deleted = [e for e in events if e["type"] == EVENT_DELETED]
    assert [e["subject"] for e in created] == [iccid(n) for n in range(7)]
    assert {e["data"]["new_status"] for e in created} == {"available"}
    assert [(e["subject"], e["data"]["old_status"], e["data"]["new_status"], e["data"]["action"]) for e in deleted] == [
        (iccid(6), "available", None, "delete"), (iccid(5), "available", None, "remove")]
    assert deleted[1]["data"]["batch"] == {"file": "remove.csv", "line": 2}


def test_assigned_and_unassigned_carry_what_provisioning_needs(lived):
    _, events, _, _ = lived
    assigned = [e["data"] for e in events if e["type"] == EVENT_ASSIGNED]
    assert [(d["iccid"], d["imsi"], d["msisdn"], d["account_id"], d["customer"]) for d in assigned] == [
        (iccid(0), "242017100011200", "4791000001", "4791000001", "ACME"),
        (iccid(1), "242017100011201", "4791000002", "4791000002", "Globex"),
    ]
    [unassigned] = [e["data"] for e in events if e["type"] == EVENT_UNASSIGNED]
    # The history row's state after has them cleared; the event says what the card HAD.
    assert (unassigned["iccid"], unassigned["msisdn"], unassigned["account_id"], unassigned["customer"]) == (
        iccid(1), "4791000002", "4791000002", "Globex")
    assert (unassigned["new_status"], unassigned["reason"]) == ("disposed", "lost")


def test_unassigned_takes_what_the_card_had_from_its_previous_history_row_when_changes_omit_it(settings, tmp_path):
    settings = dataclasses.replace(settings, event_subscriptions=[EVENT_UNASSIGNED])
    with open_inventory(settings) as con:
        ingest.ingest_file(con, settings, upload(tmp_path, "u.csv", 2))
        apply(con, settings, Operation("assign", iccid=iccid(0), params={"account_id": "4791000009", "customer": "C"}),
              Operation("assign", iccid=iccid(1), params={"account_id": "4791000010", "customer": "D"}))
        unassign_without_changes(con, settings, iccid(0))
        [event] = envelopes(con)
    data = event["data"]
    assert (data["iccid"], data["msisdn"], data["account_id"], data["customer"]) == (
        iccid(0), "4791000009", "4791000009", "C")


def test_event_ids_are_uuid5_of_the_inventory_and_the_history_row(lived):
    _, events, _, inv = lived
    for e in events:
        assert e["id"] == str(uuid.uuid5(uuid.UUID(inv), f"{e['data']['history_seq']}/{e['type']}"))
        assert e["source"] == f"/sim-pipeline/{inv}"
    assert len({e["id"] for e in events}) == len(events)


def test_the_same_change_always_has_the_same_id(lived):
    settings, events, _, _ = lived
    with open_inventory(settings) as con:
        con.begin()
        con.execute("delete from outbox").fetchall()
        outbox.enqueue(con, settings, 0)  # derive the events of the whole history once more
        again = envelopes(con)
        con.rollback()
    assert [(e["id"], e["type"], e["subject"], e["time"]) for e in again] == [
        (e["id"], e["type"], e["subject"], e["time"]) for e in events]


def test_envelope_is_cloudevents_1_0_with_rfc3339_utc_time(lived):
    _, events, _, _ = lived
    event = events[0]
    assert (event["specversion"], event["datacontenttype"], event["subject"]) == ("1.0", "application/json", iccid(0))
    assert datetime.fromisoformat(event["time"].replace("Z", "+00:00")).utcoffset().total_seconds() == 0
    assert list(event) == ["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data"]


def test_only_types_subscribed_at_commit_time_get_rows(settings, tmp_path):
    with open_inventory(settings) as con:  # default: StatusChanged only
        ingest.ingest_file(con, settings, upload(tmp_path, "a.csv", 2))
        apply(con, settings, Operation("allocate", iccid=iccid(0), params={"customer": "ACME"}))
        later = dataclasses.replace(settings, event_subscriptions=[EVENT_CREATED])
        ingest.ingest_file(con, later, upload(tmp_path, "b.csv", 1, first=2))
        apply(con, later, Operation("allocate", iccid=iccid(1), params={"customer": "ACME"}))
        rows = con.execute("select event_type, history_seq from outbox order by seq").fetchall()
    assert rows == [(EVENT_STATUS_CHANGED, 3), (EVENT_CREATED, 4)]


def test_a_change_that_fails_before_its_events_are_written_leaves_nothing(settings, tmp_path, monkeypatch):
    settings = all_types(settings)

    def broken_enqueue(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(outbox, "enqueue", broken_enqueue)
    with open_inventory(settings) as con:
        with pytest.raises(RuntimeError):
            ingest.ingest_file(con, settings, upload(tmp_path, "a.csv", 3))
        counts = con.execute("select (select count(*) from cards), (select count(*) from card_history), "
                             "(select count(*) from outbox)").fetchall()[0]
    assert counts == (0, 0, 0)


def test_events_of_a_change_that_rolls_back_are_rolled_back_with_it(settings, tmp_path, monkeypatch):
    settings = all_types(settings)

    def broken_ledger(*args, **kwargs):  # fails after the events were written, before the commit
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(ingest, "_record_in_ledger", broken_ledger)
    with open_inventory(settings) as con:
        with pytest.raises(RuntimeError):
            ingest.ingest_file(con, settings, upload(tmp_path, "a.csv", 3))
        counts = con.execute("select (select count(*) from cards), (select count(*) from outbox)").fetchall()[0]
        relay_events(con, settings)
    assert counts == (0, 0)
    assert exported(settings) == []


def test_secrets_never_appear_in_any_outbox_file(lived):
    settings, events, _, _ = lived
    text = "\n".join(p.read_text(encoding="utf-8") for p in (settings.home / "outbox").rglob("*") if p.is_file())
    assert len(events) > 10
    for value in [*SECRETS.values(), ACTIVATION_CODE, "MATCHING-ID-SECRET-4242", "smdp.example.com"]:
        assert value not in text and value.lower() not in text
    values = [v for e in events for v in _leaves(e)]
    assert not set(values) & set(SECRETS.values())
    keys = {k.lower() for e in events for k in _keys(e)}
    assert not keys & {"pin", "pin1", "pin2", "puk", "puk1", "puk2", "adm1", "ki", "opc", "activation_code"}


def _leaves(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _leaves(v)
    else:
        yield obj


def _keys(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _keys(v)


def test_each_event_type_has_a_valid_schema_that_allows_no_other_data():
    for event_type in EVENT_TYPES:
        schema = schema_of(event_type)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["properties"]["type"] == {"const": event_type}
        data = schema["properties"]["data"]
        assert data["additionalProperties"] is False and set(data["required"]) == set(data["properties"])
        statuses = {s for key in ("old_status", "new_status") for s in
                    data["properties"][key].get("enum", [data["properties"][key].get("const")])}
        assert statuses - {None} <= set(STATUSES)
    assert sorted(p.name for p in EVENTS_DIR.glob("*.schema.json")) == sorted(
        f"{t.replace('/', '.')}.schema.json" for t in EVENT_TYPES)


def test_events_pending_when_the_outbox_stopped_storing_envelopes_are_exported_from_history(settings, monkeypatch):
    from sim_pipeline.store import migrations

    version_3 = [(n, sql) for n, sql in migrations.ddl_files() if n <= 3]
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "ddl_files", lambda: version_3)
        with open_inventory(settings) as con:
            given_history(con, f"""
            seq | changed_at       | iccid     | action | old_status | new_status | managed_by | distributor | representative | custom | is_deleted
            1   | 2025-01-10 10:00 | {iccid(0)} | ingest |            | available  | admin      |             |                |        | no
            2   | 2025-01-10 10:00 | {iccid(1)} | ingest |            | available  | admin      |             |                |        | no
            """)
            # An event enqueued by version 3 and not exported yet: its stored envelope is dropped by 004.
            event_id = str(uuid.uuid5(uuid.UUID(inventory_id(con)), f"2/{EVENT_CREATED}"))
            con.execute("insert into outbox values (1, 2, $type, $id, '{}')", {"type": EVENT_CREATED, "id": event_id})
    with open_inventory(settings) as con:
        assert "payload" not in [r[0] for r in con.execute("describe outbox").fetchall()]
        relay_events(con, settings)
    [event] = exported(settings)
    jsonschema.validate(event, schema_of(EVENT_CREATED))
    assert (event["id"], event["subject"], event["data"]["history_seq"]) == (event_id, iccid(1), 2)
