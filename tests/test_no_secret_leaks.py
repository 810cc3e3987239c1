"""After a full scenario, no distinctive secret value is anywhere on disk or in any output in clear:
not the inventory file, history, events, reports, rejection reports, kept originals, logs or JSON.
Only `show --reveal` prints secrets, on purpose (and it is audited)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

KI = "5EC2E7C0FFEE5EC2E7C0FFEE5EC2E7C0"
OPC = "0FC0FC0FC0FC0FC0FC0FC0FC0FC0FCAB"
PIN = "97531"
PUK1 = "86420864"
PUK2 = "75319753"
NEW_PIN = "24680"
TOKEN = "MATCHING-ID-TOKEN-77"
SECRETS = [KI, OPC, PIN, PUK1, PUK2, NEW_PIN, TOKEN, KI.lower(), OPC.lower()]


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".key")]


@pytest.mark.flow
def test_no_secret_in_clear_after_a_full_scenario(prefect_harness, cli, home, tmp_path, caplog, monkeypatch):
    from flows.ingest import ingest_files_flow

    caplog.set_level(logging.DEBUG)
    outputs = []

    def run(*args, stdin=""):
        result = cli(*args, stdin=stdin)
        outputs.append(result.stdout + result.stderr)
        return result

    monkeypatch.setenv("SIM_PIPELINE_NOW", "2026-10-05T10:00:00Z")
    home.mkdir()
    (home / "sim-pipeline.toml").write_text(
        '[events]\nsubscriptions = ["SIMCard/StatusChanged", "SIMCard/Assigned", "SIMCard/Unassigned", '
        '"SIMCard/Created", "SIMCard/Deleted"]\n[schedules]\nsettle_seconds = 0\n')
    run("fields", "add", "Marketplace")
    upload = tmp_path / "upload.csv"
    upload.write_text(
        "ICCID,IMSI,PIN,PUK1,PUK2,KI,OPC,eSIM activation code,Marketplace custom\n"
        f"8947000000000012140,242017100011213,{PIN},{PUK1},{PUK2},{KI},{OPC},LPA:1$smdp.example.com${TOKEN},Amazon\n"
        f"8947000000000012157,242017100011214,{PIN},{PUK1},{PUK2},{KI},{OPC},,\n")
    assert run("ingest", upload, "--json").exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(f"ICCID,IMSI,PIN,PUK1,KI\n8947000000000012165,2420171000112X,{PIN}9999,{PUK1}1,{KI}Z\n")
    assert run("ingest", bad, "--json").exit_code == 1
    # The same kind of file through the Prefect flow: its logs and results must not hold secrets either.
    flow_file = tmp_path / "flow.csv"
    flow_file.write_text(f"ICCID,IMSI,PIN,KI\n8947000000000012173,242017100011215,{PIN},{KI}\n"
                         f"8947000000000012181,24201710001121X,{PIN},{KI}\n")
    ingest_files_flow([str(flow_file)], "admin")
    assert run("update", "--iccid", "8947000000000012157", "--pin-from", "-", "--json", stdin=NEW_PIN + "\n").exit_code == 0
    assert run("assign", "--iccid", "8947000000000012140", "--account-id", "4915200001", "--customer", "ACME").exit_code == 0
    inbox = home / "inbox" / "admin" / "uploads"
    inbox_file = inbox / "drop.csv"
    inbox_file.write_text(f"ICCID,IMSI,PUK1,KI\n8947000000000012199,242017100011216,{PUK1},{KI}\n")
    scanned = run("scan", "--once", "--json")
    assert scanned.json_lines[0]["status"] == "accepted"
    monkeypatch.setenv("SIM_PIPELINE_NOW", "2026-11-02T10:00:00Z")
    assert run("unassign", "--iccid", "8947000000000012140").exit_code == 0
    assert run("report", "--month", "2026-10", "--json").exit_code == 0
    run("relay", "--json")
    run("show", "8947000000000012140", "--json")
    run("list", "--json")
    run("list", "--csv")
    run("search", "Amazon", "--json")
    run("files", "--json")
    revealed = cli("show", "8947000000000012140", "--reveal", "--json")
    assert KI in revealed.stdout  # the one place a secret is shown, on purpose

    haystacks = {str(p): p.read_bytes() for p in _files(home)}
    haystacks["cli output"] = "\n".join(outputs).encode()
    haystacks["python and prefect logs"] = caplog.text.encode()
    prefect_home = Path(os.environ["PREFECT_HOME"])
    haystacks.update({str(p): p.read_bytes() for p in _files(prefect_home) if p.stat().st_size < 50_000_000})
    assert any("outbox/" in name for name in haystacks) and any("reports/" in name for name in haystacks)
    assert any("rejections/" in name or "rejected/" in name for name in haystacks)
    leaks = [(name, secret) for name, data in haystacks.items() for secret in SECRETS if secret.encode() in data]
    assert leaks == []
