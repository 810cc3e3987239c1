"""`sim-pipeline serve`: the deployment list as plain data, as Prefect deployments, and really served."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from sim_pipeline.cli.demo_data import write_mega_upload
from tests.test_inbox import configure

BIN = Path(sys.executable).parent / "sim-pipeline"
EXPECTED = ["scan-inbox", "ingest-drop", "apply-batch", "retention-cleanup", "monthly-report", "relay-events"]
SCHEDULES = ('[schedules]\nscan_inbox_seconds = 30\nretention_cron = "30 3 * * *"\n'
             'monthly_report_cron = "0 7 1 * *"\n[report]\ntimezone = "Europe/Berlin"\n')


def _settings(home: Path):
    from sim_pipeline.settings import Settings

    home.mkdir(parents=True, exist_ok=True)
    (home / "sim-pipeline.toml").write_text(SCHEDULES, encoding="utf-8")
    return Settings.from_env()


def test_deployment_list_follows_the_settings_file(home):
    from flows.deployments import deployment_specs

    specs = {s.name: s for s in deployment_specs(_settings(home))}
    assert list(specs) == EXPECTED
    assert specs["scan-inbox"].interval_seconds == 30 and specs["scan-inbox"].cron is None
    assert (specs["retention-cleanup"].cron, specs["retention-cleanup"].timezone) == ("30 3 * * *", "Europe/Berlin")
    assert (specs["monthly-report"].cron, specs["monthly-report"].timezone) == ("0 7 1 * *", "Europe/Berlin")
    assert all(s.concurrency_limit == 1 for s in specs.values())
    on_demand = [n for n, s in specs.items() if s.schedule_text == "on demand"]
    assert on_demand == ["ingest-drop", "apply-batch", "relay-events"]


def test_default_schedules_are_every_minute_daily_at_two_and_the_first_at_six(home):
    from flows.deployments import deployment_specs
    from sim_pipeline.settings import Settings

    specs = {s.name: s.schedule_text for s in deployment_specs(Settings.from_env())}
    assert specs["scan-inbox"] == "every 60 s"
    assert specs["retention-cleanup"] == "cron '0 2 * * *' (UTC)"
    assert specs["monthly-report"] == "cron '0 6 1 * *' (UTC)"


def test_deployments_are_built_with_their_schedules_limits_and_module_entrypoints(home):
    from flows.deployments import build_deployments, deployment_specs

    built = {d.name: d for d in build_deployments(deployment_specs(_settings(home), fan_out="dask", workers=4))}
    assert list(built) == EXPECTED
    scan = built["scan-inbox"]
    assert scan.entrypoint == "flows.scan_inbox.scan_inbox"
    assert scan.schedules[0].schedule.interval.total_seconds() == 30
    assert scan.parameters == {"fan_out": "dask", "dask_address": None, "workers": 4}
    cron = built["monthly-report"].schedules[0].schedule
    assert (cron.cron, cron.timezone) == ("0 7 1 * *", "Europe/Berlin")
    assert {n: d.concurrency_limit for n, d in built.items()} == dict.fromkeys(EXPECTED, 1)
    assert all(d.concurrency_options.collision_strategy.value == "ENQUEUE" for d in built.values())
    assert built["ingest-drop"].schedules == []


def test_a_bad_cron_in_the_settings_is_named(home):
    from flows.deployments import build_deployments, deployment_specs
    from sim_pipeline.errors import SettingsError
    from sim_pipeline.settings import Settings

    home.mkdir(parents=True)
    (home / "sim-pipeline.toml").write_text('[schedules]\nretention_cron = "at two"\n')
    with pytest.raises(SettingsError, match="retention-cleanup: 'at two' is not a cron expression"):
        build_deployments(deployment_specs(Settings.from_env()))


def test_serve_with_an_unreachable_server_says_so(home, cli, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{_free_port()}/api")
    result = cli("serve")
    assert result.exit_code == 1 and "no Prefect server answers at PREFECT_API_URL=" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(url: str, path: str, body: dict | None = None, method: str = "POST") -> Any:
    data = json.dumps(body or {}).encode() if method == "POST" else None
    request = urllib.request.Request(f"{url}{path}", data=data, headers={"Content-Type": "application/json"},
                                     method=method)
    for attempt in range(20):
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            # Prefect's SQLite server answers 503 while its database is locked (PrefectHQ/prefect#18934)
            if exc.code != 503 or attempt == 19:
                raise
            time.sleep(0.5)


@pytest.mark.flow
def test_serve_starts_a_local_server_registers_the_deployments_and_stops_cleanly(home, cli, tmp_path):
    """The real thing, in a subprocess: local Prefect server under <home>/.prefect, six deployments, Ctrl-C."""
    configure(home, extra=SCHEDULES.replace("[schedules]\n", ""))
    cli("fields", "add", "Marketplace")
    write_mega_upload(home / "inbox/admin/uploads/mega.csv", cards=10)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(SIM_PIPELINE_HOME=str(home), PREFECT_API_URL="", PREFECT_RUNNER_POLL_FREQUENCY="1")
    stderr = (tmp_path / "serve.err").open("w+")  # a file, not a pipe: Prefect's logs must never block it
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=stderr, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, (tmp_path / "serve.err").read_text()
            lines.append(line)
            if line.strip().startswith("relay-events"):
                break
        api = f"http://127.0.0.1:{port}/api"
        assert f"Prefect UI: http://127.0.0.1:{port}\n" in lines
        assert f"  export PREFECT_API_URL={api}\n" in lines
        deployments: list = []
        while time.monotonic() < deadline and len(deployments) < len(EXPECTED):
            time.sleep(0.5)
            deployments = _api(api, "/deployments/filter")
        by_name = {d["name"]: d for d in deployments}
        assert sorted(by_name) == sorted(EXPECTED)
        scan = by_name["scan-inbox"]["schedules"][0]["schedule"]
        assert scan["interval"] == 30.0
        retention = by_name["retention-cleanup"]["schedules"][0]["schedule"]
        assert (retention["cron"], retention["timezone"]) == ("30 3 * * *", "Europe/Berlin")
        assert all(d["global_concurrency_limit"]["limit"] == 1 for d in deployments)
        assert all(d["concurrency_options"]["collision_strategy"] == "ENQUEUE" for d in deployments)
        assert (home / ".prefect" / "prefect.db").exists()

        run = _api(api, f"/deployments/{by_name['scan-inbox']['id']}/create_flow_run")
        state = None
        while time.monotonic() < deadline and state not in ("COMPLETED", "FAILED", "CRASHED"):
            time.sleep(0.5)
            state = _api(api, f"/flow_runs/{run['id']}", method="GET")["state"]["type"]
        assert state == "COMPLETED"  # the served flow ran in its own process, from its module entrypoint
        assert [p.name.split("Z-", 1)[1] for p in (home / "processed/admin/uploads").iterdir()] == ["mega.csv.sealed"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0, (tmp_path / "serve.err").read_text()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # the local server stopped with it


pytestmark = pytest.mark.slow  # a real local Prefect server is started and stopped: `make test` runs it, `make check` does not
