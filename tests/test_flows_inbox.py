"""The inbox flows under the session's Prefect test harness: scan-inbox, ingest-drop, apply-batch,
one writer at a time, and the fan-out of the checks."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from sim_pipeline.cli.demo_data import write_mega_allocation_batch, write_mega_upload
from tests.conftest import write_csv
from tests.test_inbox import configure, files_under, uploads

pytestmark = pytest.mark.flow

ALL_EVENTS = '[events]\nsubscriptions = ["SIMCard/Created", "SIMCard/StatusChanged"]\n'


def query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "inventory.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def outbox_events(home: Path) -> list[dict]:
    return [json.loads(line) for f in sorted((home / "outbox").glob("*.jsonl")) for line in f.read_text().splitlines()]


def test_scan_inbox_flow_takes_the_mega_upload_then_its_allocation_batch(prefect_harness, home, cli):
    from flows.scan_inbox import scan_inbox

    configure(home, extra=ALL_EVENTS)
    cli("fields", "add", "Marketplace")
    write_mega_upload(home / "inbox/admin/uploads/mega-telecom-1000.csv")
    write_mega_allocation_batch(home / "inbox/admin/batches/mega-allocation.csv")

    state = scan_inbox(return_state=True)

    assert state.is_completed(), state.message
    result = state.result()
    assert [(f["file"], f["status"]) for f in result["files"]] == [
        ("mega-telecom-1000.csv", "accepted"), ("mega-allocation.csv", "accepted")]
    assert query(home, "select count(*) from cards") == [(1000,)]
    assert query(home, "select count(*) from cards where distributor = 'Adam Smith'") == [(100,)]
    assert query(home, "select count(*) from cards where custom->>'Marketplace' = 'Amazon'") == [(100,)]
    assert query(home, "select kind, actor, rows from ingested_files order by kind desc") == [
        ("upload", "admin", 1000), ("batch", "admin", 2)]
    processed = files_under(home / "processed")
    assert [p.split("Z-", 1)[1] for p in processed] == ["mega-allocation.csv.sealed", "mega-telecom-1000.csv.sealed"]
    assert processed[0].startswith("admin/batches/") and processed[1].startswith("admin/uploads/")
    assert files_under(home / "rejected") == [] and files_under(home / "inbox") == []
    events = outbox_events(home)
    assert len(events) == 1000 and {e["type"] for e in events} == {"SIMCard/Created"}
    assert not any(k in json.dumps(events).lower() for k in ('"ki"', '"puk1"', '"pin1"'))


def test_a_rejected_drop_fails_its_run_with_the_summary_and_a_duplicate_is_said(prefect_harness, home, cli, caplog):
    from flows.apply_batch import apply_batch
    from flows.ingest_drop import ingest_drop

    configure(home)
    cli("fields", "add", "Marketplace")
    bad = write_csv(uploads(home) / "bad.csv", ["ICCID", "IMSI"], [["89470000000000121", "242017100011213"]])
    state = ingest_drop(str(bad), return_state=True)
    assert state.is_failed()
    assert "bad.csv: rejected, 1 problem; first: bad.csv:2: ICCID: expected 18-20 digits" in state.message
    [report, rejected] = files_under(home / "rejected")
    assert report == rejected.removesuffix(".sealed") + ".rejections.csv"

    good = write_mega_upload(uploads(home) / "mega.csv", cards=20)
    assert ingest_drop(str(good), return_state=True).is_completed()
    again = write_mega_upload(uploads(home) / "mega-again.csv", cards=20)
    with caplog.at_level("INFO"):
        state = ingest_drop(str(again), return_state=True)
    assert state.is_completed() and state.result()["files"][0]["status"] == "duplicate"
    assert "admin/uploads/mega-again.csv: duplicate of a file taken at" in caplog.text
    assert query(home, "select count(*) from cards") == [(20,)]

    wrong_kind = write_mega_upload(uploads(home) / "not-a-batch.csv", cards=1)
    state = apply_batch(str(wrong_kind), return_state=True)
    assert state.is_failed() and "an upload file; run ingest-drop for it" in state.message
    assert wrong_kind.exists()


@contextmanager
def lock_intervals():
    """Record when each holder of the inventory lock took and left it."""
    import sim_pipeline.store.db as db

    real, held = db.inventory_lock, []

    @contextmanager
    def recording(home, timeout):
        with real(home, timeout):
            start = time.monotonic()
            try:
                yield
            finally:
                held.append((start, time.monotonic(), threading.current_thread().name))

    db.inventory_lock = recording
    try:
        yield held
    finally:
        db.inventory_lock = real


def test_a_scan_and_a_cleanup_started_at_once_queue_for_the_one_writer(prefect_harness, home, cli):
    from flows.retention_cleanup import retention_cleanup_flow
    from flows.scan_inbox import scan_inbox

    configure(home)
    cli("fields", "add", "Marketplace")
    write_mega_upload(uploads(home) / "mega.csv", cards=3000)
    with lock_intervals() as held, ThreadPoolExecutor(2) as pool:
        scan = pool.submit(scan_inbox, return_state=True)
        cleanup = pool.submit(retention_cleanup_flow, return_state=True)
        states = scan.result(), cleanup.result()
    assert all(s.is_completed() for s in states), [s.message for s in states]
    assert query(home, "select count(*) from cards") == [(3000,)]
    spans = sorted(held)
    assert len(spans) >= 3  # list + take + relay of the scan, the cleanup
    assert all(a_end <= b_start for (_, a_end, _), (b_start, _, _) in zip(spans, spans[1:])), spans


def _drops_for_fan_out(home: Path, cli) -> None:
    configure(home)
    cli("fields", "add", "Marketplace")
    for n in range(3):
        upload = uploads(home) / f"part-{n}.csv"
        write_mega_upload(upload, cards=300)
        lines = upload.read_text().splitlines()  # shift each file's cards so the three do not overlap
        upload.write_text("\n".join([lines[0]] + [_shift(line, n * 1000) for line in lines[1:]]) + "\n")
    write_csv(uploads(home) / "bad.csv", ["ICCID", "IMSI"], [["123", "456"]])


def _shift(line: str, by: int) -> str:
    iccid, imsi, *rest = line.split(",")
    return ",".join([str(int(iccid) + by), str(int(imsi) + by), *rest])


@pytest.mark.parametrize("fan_out", ["threads", "dask"])
def test_scan_fans_the_checks_out_and_merges_with_one_writer(prefect_harness, home, cli, fan_out):
    from flows.scan_inbox import scan_inbox

    if fan_out == "dask":
        pytest.importorskip("prefect_dask", reason="the Dask fan-out needs prefect-dask==0.3.7")
    _drops_for_fan_out(home, cli)
    checks_before = check_runs()
    if fan_out == "dask":
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            state = scan_inbox(fan_out="dask", dask_address=cluster.scheduler_address, return_state=True)
    else:
        state = scan_inbox(fan_out="threads", workers=2, return_state=True)

    assert state.is_failed() and "bad.csv: rejected, 2 problems" in state.message
    files = {f["file"]: f for f in state.result(raise_on_failure=False).result["files"]}
    assert {name: f["status"] for name, f in files.items()} == {
        "bad.csv": "rejected", "part-0.csv": "accepted", "part-1.csv": "accepted", "part-2.csv": "accepted"}
    assert files["bad.csv"]["report"] == files["bad.csv"]["moved_to"].removesuffix(".sealed") + ".rejections.csv"
    assert (home / files["bad.csv"]["report"]).exists()
    assert query(home, "select count(*) from cards") == [(900,)]
    assert check_runs() == checks_before + [("check-files", "COMPLETED", 4)]


def check_runs() -> list[tuple[str, str, int]]:
    """The check-files subflow runs so far: name, state, and how many checks each ran."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["check-files"])),
                                     sort="START_TIME_ASC")
        return [("check-files", run.state.type.value,
                 len(client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])))))
                for run in runs]


def test_monthly_report_flow_writes_the_previous_month_for_admin_and_each_reseller(prefect_harness, home, cli,
                                                                                  monkeypatch):
    from flows.monthly_report import monthly_report

    monkeypatch.setenv("SIM_PIPELINE_NOW", "2026-12-01T05:30:00Z")  # 06:30 in Berlin: November is over
    configure(home, extra='[report]\ntimezone = "Europe/Berlin"\n')
    cli("fields", "add", "Marketplace")
    cli("resellers", "add", "Alpha")
    write_mega_upload(uploads(home, "Alpha") / "alpha.csv", cards=10)
    assert cli("scan", "--once").exit_code == 0

    state = monthly_report(return_state=True)

    assert state.is_completed(), state.message
    result = state.result()
    assert result["month"] == "2026-11" and list(result["reports"]) == ["admin", "reseller:Alpha"]
    written = {p.name for p in (home / "reports").iterdir()}
    assert written == {f"channel-report-2026-11{suffix}.{ext}" for suffix in ("", "-reseller-Alpha")
                       for ext in ("csv", "html", "pdf", "xlsx", "json")} | {"index.html", "index-reseller-Alpha.html"}
    assert 'href="channel-report-2026-11.pdf"' in (home / "reports" / "index.html").read_text(encoding="utf-8")


def test_scan_once_with_flow_prints_every_file_and_exits_1_on_a_rejection(prefect_harness, home, cli):
    configure(home)
    cli("fields", "add", "Marketplace")
    write_mega_upload(uploads(home) / "good.csv", cards=5)
    write_csv(uploads(home) / "bad.csv", ["ICCID", "IMSI"], [["123", "456"]])
    result = cli("scan", "--once", "--flow", "--json")
    assert result.exit_code == 1
    assert sorted((o["file"], o["status"]) for o in result.json_lines) == [
        ("bad.csv", "rejected"), ("good.csv", "accepted")]
