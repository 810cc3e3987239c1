"""Retention cleanup: cards Disposed for more than KeepDisposedSIMDays days leave the inventory, each
deletion recorded in the history (which stays), under a controlled clock (SIM_PIPELINE_NOW)."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import jsonschema
import pytest

from schemas.vocabulary import EVENTS_DIR
from sim_pipeline.ingest import upload as ingest
from sim_pipeline.actor import ADMINISTRATOR
from sim_pipeline.store.db import open_inventory
from sim_pipeline.lifecycle import Operation, apply_operations
from sim_pipeline.settings import Settings

AS_OF = datetime(2026, 6, 30)
NOW = "2026-06-30T12:00:00"
GOES, STAYS, AVAILABLE = "8947000000000012140", "8947000000000012157", "8947000000000012165"


def at(days_before_as_of: float) -> datetime:
    return AS_OF - timedelta(days=days_before_as_of)


def dispose(con, settings, card: str, when: datetime) -> None:
    """Assign the card 30 days before `when`, unassign it (-> Disposed) at `when`, through the engine."""
    for action, instant, params in (("assign", when - timedelta(days=30), {"account_id": "4790000001",
                                                                          "customer": "ACME"}),
                                    ("unassign", when, {})):
        result = apply_operations(con, dataclasses.replace(settings, fixed_now=instant),
                                  [Operation(action, iccid=card, params=params)], ADMINISTRATOR, "ops.csv")
        assert result.status == "accepted", result.errors


@pytest.fixture
def disposed(home, tmp_path, monkeypatch):
    """Three cards uploaded 400 days before AS_OF: one Disposed 366 days before it, one 364 days
    before it, one still Available. The CLI's clock is then NOW (AS_OF, noon)."""
    home.mkdir()
    (home / "sim-pipeline.toml").write_text(
        '[events]\nsubscriptions = ["SIMCard/StatusChanged", "SIMCard/Deleted"]\n', encoding="utf-8")
    upload = tmp_path / "u.csv"
    upload.write_text(f"ICCID,IMSI,PUK1\n{GOES},242017100011213,12345678\n{STAYS},242017100011214,12345678\n"
                      f"{AVAILABLE},242017100011215,12345678\n", encoding="utf-8")
    settings = dataclasses.replace(Settings.from_env(), fixed_now=at(400))  # reads the toml above
    with open_inventory(settings) as con:
        assert ingest.ingest_file(con, settings, upload).status == "accepted"
        dispose(con, settings, GOES, at(366))
        dispose(con, settings, STAYS, at(364))
    monkeypatch.setenv("SIM_PIPELINE_NOW", NOW)
    return home


def cards(home: Path) -> list[str]:
    with duckdb.connect(str(home / "inventory.duckdb"), read_only=True) as con:
        return [i for (i,) in con.execute("select iccid from cards order by iccid").fetchall()]


def history(home: Path, card: str) -> list[tuple]:
    with duckdb.connect(str(home / "inventory.duckdb"), read_only=True) as con:
        return con.execute("select action, old_status, new_status, is_deleted, reason, changed_at from card_history "
                           "where iccid = $i order by seq", {"i": card}).fetchall()


def test_a_card_disposed_366_days_ago_goes_and_one_disposed_364_days_ago_stays(cli, disposed):
    result = cli("cleanup", "--as-of", "2026-06-30", "--json")
    assert result.exit_code == 0, result.stderr
    [summary] = result.json_lines
    assert {k: summary[k] for k in ("as_of", "keep_disposed_days", "disposed_before", "dry_run", "deleted")} == {
        "as_of": "2026-06-30T00:00:00", "keep_disposed_days": 365, "disposed_before": "2025-06-30T00:00:00",
        "dry_run": False, "deleted": 1}
    assert cards(disposed) == [STAYS, AVAILABLE]


def test_the_deletion_is_in_the_history_and_the_earlier_history_stays(cli, disposed):
    cli("cleanup", "--as-of", "2026-06-30")
    rows = history(disposed, GOES)
    assert [r[:4] for r in rows] == [("ingest", None, "available", False), ("assign", "available", "in_use", False),
                                     ("unassign", "in_use", "disposed", False), ("delete", "disposed", None, True)]
    assert rows[-1][4] == "retention: disposed more than 365 days"
    assert rows[-1][5] == datetime.fromisoformat(NOW)  # when the cleanup ran, not the --as-of instant


def test_keep_disposed_sim_days_changes_what_goes(cli, disposed):
    toml = disposed / "sim-pipeline.toml"
    toml.write_text("[SIM_cards]\nKeepDisposedSIMDays = 363\n", encoding="utf-8")
    assert cli("cleanup", "--as-of", "2026-06-30", "--dry-run", "--json").json_lines[0]["deleted"] == 2
    toml.write_text("[SIM_cards]\nKeepDisposedSIMDays = 367\n", encoding="utf-8")
    assert cli("cleanup", "--as-of", "2026-06-30", "--json").json_lines[0]["deleted"] == 0
    assert cards(disposed) == [GOES, STAYS, AVAILABLE]
    toml.write_text("[SIM_cards]\nKeepDisposedSIMDays = 363\n", encoding="utf-8")
    result = cli("cleanup", "--as-of", "2026-06-30")
    assert result.stdout == "deleted 2 cards Disposed before 2025-07-02 00:00:00 UTC (KeepDisposedSIMDays=363)\n"
    assert cards(disposed) == [AVAILABLE]
    assert history(disposed, STAYS)[-1][4] == "retention: disposed more than 363 days"


def test_moving_as_of_changes_what_goes(cli, disposed):
    assert cli("cleanup", "--as-of", "2026-06-28", "--json").json_lines[0]["deleted"] == 0
    assert cli("cleanup", "--as-of", "2026-06-29T00:00:01", "--json").json_lines[0]["deleted"] == 1


def test_as_of_defaults_to_the_clock(cli, disposed):
    result = cli("cleanup", "--json")
    assert result.json_lines[0]["as_of"] == NOW and result.json_lines[0]["deleted"] == 1


def test_dry_run_says_what_would_go_and_changes_nothing(cli, disposed):
    result = cli("cleanup", "--as-of", "2026-06-30", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout == ("Would delete 1 card Disposed before 2025-06-30 00:00:00 UTC (KeepDisposedSIMDays=365); "
                             "nothing changed (dry run)\n")
    assert cards(disposed) == [GOES, STAYS, AVAILABLE]
    assert history(disposed, GOES)[-1][0] == "unassign"


def test_an_as_of_later_than_now_is_refused_unless_dry_run(cli, disposed):
    result = cli("cleanup", "--as-of", "2027-07-01")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --as-of 2027-07-01T00:00:00 is later than now (2026-06-30T12:00:00)")
    assert cards(disposed) == [GOES, STAYS, AVAILABLE]
    assert cli("cleanup", "--as-of", "2027-07-01", "--dry-run", "--json").json_lines[0]["deleted"] == 2


def test_a_bad_date_is_a_usage_error(cli, disposed):
    result = cli("cleanup", "--as-of", "30/06/2026")
    assert result.exit_code == 2 and "--as-of" in result.stderr


def test_a_second_cleanup_finds_nothing_more(cli, disposed):
    assert cli("cleanup", "--json").json_lines[0]["deleted"] == 1
    again = cli("cleanup", "--json").json_lines[0]
    assert (again["deleted"], again["events"], again["relay"]) == (0, 0, {"files": [], "events": 0})


def test_each_deletion_is_a_deleted_event_relayed_at_the_end(cli, disposed):
    summary = cli("cleanup", "--json").json_lines[0]
    assert summary["events"] == 1 and summary["relay"]["events"] >= 1
    events = [json.loads(line) for p in sorted((disposed / "outbox").glob("*.jsonl"))
              for line in p.read_text(encoding="utf-8").splitlines()]
    [deleted] = [e for e in events if e["type"] == "SIMCard/Deleted"]
    assert deleted["subject"] == GOES
    assert (deleted["data"]["old_status"], deleted["data"]["new_status"], deleted["data"]["action"],
            deleted["data"]["reason"], deleted["data"]["batch"]) == (
        "disposed", None, "delete", "retention: disposed more than 365 days",
        {"file": "retention cleanup", "line": None})
    schema = json.loads((EVENTS_DIR / "SIMCard.Deleted.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(deleted, schema, cls=jsonschema.Draft202012Validator)


def test_the_flows_import_under_their_names():
    from flows.relay_events import relay_events_flow
    from flows.retention_cleanup import retention_cleanup_flow

    assert (retention_cleanup_flow.name, relay_events_flow.name) == ("retention-cleanup", "relay-events")
