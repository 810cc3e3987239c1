"""The ingest flow: the same library code as the CLI, as a Prefect flow run."""

from __future__ import annotations

import duckdb
import pytest

from sim_pipeline.cli.demo_data import write_mega_upload


@pytest.mark.flow
def test_ingest_flow_run_lands_the_cards_and_reports_a_rejection(prefect_harness, home, tmp_path, cli, csv_file):
    from flows.ingest import ingest_files_flow

    cli("fields", "add", "Marketplace")
    good = write_mega_upload(tmp_path / "mega.csv", cards=50)
    bad = csv_file("bad.csv", ["ICCID", "IMSI"], [["89470000000000121", "242017100011213"]])
    state = ingest_files_flow([str(good), str(bad)], "admin", return_state=True)
    results = state.result()
    assert [(r.file, r.status, r.added) for r in results] == [("mega.csv", "accepted", 50), ("bad.csv", "rejected", 0)]
    assert results[1].errors[0].line == 2
    with duckdb.connect(str(home / "inventory.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from cards").fetchall() == [(50,)]


@pytest.mark.flow
def test_ingest_flow_relays_the_events_it_committed(prefect_harness, home, tmp_path, cli):
    from flows.ingest import ingest_files_flow

    home.mkdir(parents=True, exist_ok=True)
    (home / "sim-pipeline.toml").write_text('[events]\nsubscriptions = ["SIMCard/Created"]\n')
    cli("fields", "add", "Marketplace")
    upload = write_mega_upload(tmp_path / "mega.csv", cards=5)
    ingest_files_flow([str(upload)], "admin")
    lines = [line for f in (home / "outbox").glob("*.jsonl") for line in f.read_text().splitlines()]
    assert len(lines) == 5 and all('"SIMCard/Created"' in line for line in lines)
