"""The relay: outbox rows -> outbox/<first>-<last>.jsonl, each event in exactly one file, whatever
step a previous run stopped at (the random-kill test is test_relay_kill.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from schemas.vocabulary import EVENT_CREATED
from sim_pipeline.ingest import upload as ingest
from sim_pipeline.events import relay
from sim_pipeline.store.db import open_inventory


def upload(tmp_path: Path, name: str, rows: int, first: int = 0) -> Path:
    path = tmp_path / name
    lines = ["ICCID,IMSI"] + [f"8947{n:015d},24201{n:010d}" for n in range(first, first + rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def created(settings):
    """Settings subscribed to SIMCard/Created, so an upload of N cards queues N events."""
    return dataclasses.replace(settings, event_subscriptions=[EVENT_CREATED])


def queue(settings, tmp_path: Path, rows: int, first: int = 0) -> None:
    with open_inventory(settings) as con:
        result = ingest.ingest_file(con, settings, upload(tmp_path, f"u{first}.csv", rows, first))
    assert result.status == "accepted" and result.events == rows


def outbox_files(home: Path) -> dict[str, list[dict]]:
    """The events of each file in outbox/, by file name."""
    return {p.name: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]
            for p in sorted((home / "outbox").glob("*.jsonl"))}


def exported_ids(settings, *folders: Path) -> list[str]:
    ids = [e["id"] for events in outbox_files(settings.home).values() for e in events]
    for folder in folders:
        for p in folder.glob("*.jsonl"):
            ids += [json.loads(line)["id"] for line in p.read_text(encoding="utf-8").splitlines()]
    return ids


def queued_ids(settings) -> list[str]:
    with open_inventory(settings) as con:
        return [i for (i,) in con.execute("select event_id from outbox order by seq").fetchall()]


def test_files_are_named_by_their_zero_padded_sequence_range_and_hold_batch_size_events(created, tmp_path):
    queue(created, tmp_path, 7)
    with open_inventory(created) as con:
        result = relay.relay_events(con, created, events_per_file=3)
    assert result.to_json() == {"files": ["outbox/000000000001-000000000003.jsonl",
                                          "outbox/000000000004-000000000006.jsonl",
                                          "outbox/000000000007-000000000007.jsonl"], "events": 7}
    files = outbox_files(created.home)
    assert [len(events) for events in files.values()] == [3, 3, 1]
    assert [e["data"]["history_seq"] for events in files.values() for e in events] == list(range(1, 8))
    assert list((created.home / "outbox" / ".tmp").iterdir()) == []


def test_a_second_relay_exports_only_new_events(created, tmp_path):
    queue(created, tmp_path, 2)
    with open_inventory(created) as con:
        relay.relay_events(con, created)
        assert relay.relay_events(con, created).to_json() == {"files": [], "events": 0}
    queue(created, tmp_path, 1, first=2)
    with open_inventory(created) as con:
        assert relay.relay_events(con, created).files == ["outbox/000000000003-000000000003.jsonl"]
    assert exported_ids(created) == queued_ids(created)


def test_consumers_may_move_files_away(created, tmp_path):
    queue(created, tmp_path, 2)
    consumed = tmp_path / "consumed"
    consumed.mkdir()
    with open_inventory(created) as con:
        relay.relay_events(con, created, events_per_file=1)
        for p in (created.home / "outbox").glob("*.jsonl"):
            p.rename(consumed / p.name)
    queue(created, tmp_path, 2, first=2)
    with open_inventory(created) as con:
        assert relay.relay_events(con, created, events_per_file=1).events == 2
    assert sorted(exported_ids(created, consumed)) == sorted(queued_ids(created))


def _stop_after(con, settings, step: str) -> None:
    """Run the protocol's steps by hand for one batch and stop after `step`, as a killed relay would."""
    batch = relay.write_event_file(con, settings, events_per_file=2)
    if step == "write":
        return
    relay.mark_pending(con, batch)
    if step == "pending":
        return
    relay.publish(settings, batch)
    if step == "publish":
        return
    relay.mark_exported(con, batch)


@pytest.mark.parametrize("step", ["write", "pending", "publish", "exported"])
def test_a_relay_stopped_after_any_step_is_finished_by_the_next_without_loss_or_repeat(created, tmp_path, step):
    queue(created, tmp_path, 5)
    with open_inventory(created) as con:
        _stop_after(con, created, step)
        relay.relay_events(con, created, events_per_file=2)
        state = relay.progress(con)
    assert exported_ids(created) == queued_ids(created)
    assert sorted(outbox_files(created.home)) == ["000000000001-000000000002.jsonl", "000000000003-000000000004.jsonl",
                                             "000000000005-000000000005.jsonl"]
    assert state == {"last_seq": 5, "pending_first": None, "pending_last": None}
    assert list((created.home / "outbox" / ".tmp").iterdir()) == []


def test_a_half_written_file_in_tmp_is_discarded_and_its_events_written_again(created, tmp_path):
    queue(created, tmp_path, 3)
    tmp = created.home / "outbox" / ".tmp"
    (tmp / "000000000001-writing.jsonl").write_text('{"specversion":"1.0","id":"trunc', encoding="utf-8")
    with open_inventory(created) as con:
        assert relay.relay_events(con, created).events == 3
    assert exported_ids(created) == queued_ids(created)
    assert list(tmp.iterdir()) == []


def test_a_pending_file_already_moved_and_consumed_is_not_written_again(created, tmp_path):
    queue(created, tmp_path, 4)
    with open_inventory(created) as con:
        _stop_after(con, created, "publish")
        first = sorted((created.home / "outbox").glob("*.jsonl"))
        for p in first:
            p.unlink()  # a consumer took it before the relay recorded it as exported
        result = relay.relay_events(con, created, events_per_file=2)
    assert result.files == ["outbox/000000000003-000000000004.jsonl"]
    assert sorted(outbox_files(created.home)) == ["000000000003-000000000004.jsonl"]


def test_relay_command_prints_what_it_exported(cli, home, created, tmp_path):
    queue(created, tmp_path, 2)
    result = cli("relay", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json_lines == [{"files": ["outbox/000000000001-000000000002.jsonl"], "events": 2}]
    again = cli("relay")
    assert (again.exit_code, again.stdout) == (0, "no new events\n")


def test_relay_command_names_the_files_in_plain_text(cli, home, created, tmp_path):
    queue(created, tmp_path, 1)
    result = cli("relay")
    assert result.stdout == "relayed 1 event in 1 file: outbox/000000000001-000000000001.jsonl\n"


def test_ingest_relays_its_events_at_its_end(cli, home, tmp_path):
    home.mkdir()
    (home / "sim-pipeline.toml").write_text('[events]\nsubscriptions = ["SIMCard/Created"]\n', encoding="utf-8")
    result = cli("ingest", upload(tmp_path, "u.csv", 3), "--json")
    assert result.exit_code == 0, result.stderr
    assert "relayed 3 events in 1 file: outbox/000000000001-000000000003.jsonl" in result.stderr
    assert [len(v) for v in outbox_files(home).values()] == [3]


def test_ingest_says_nothing_about_the_relay_when_no_event_was_exported(cli, home, tmp_path):
    result = cli("ingest", upload(tmp_path, "u.csv", 3))  # default subscription: StatusChanged only
    assert result.exit_code == 0
    assert "relayed" not in result.stderr + result.stdout
    assert list((home / "outbox").glob("*.jsonl")) == []
