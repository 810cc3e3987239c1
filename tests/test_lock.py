"""One writer at a time: a second process waits, then says who holds the inventory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "sim-pipeline"


def _hold_lock(home: Path, seconds: float) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import time
        from sim_pipeline.settings import Settings
        from sim_pipeline.store.db import open_inventory
        with open_inventory(Settings.from_env()) as con:
            print("locked", flush=True)
            time.sleep({seconds})
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "SIM_PIPELINE_HOME": str(home)},
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_process_gets_inventory_busy_naming_the_holder(home, cli):
    cli("init")
    (home / "sim-pipeline.toml").write_text("[lock]\ntimeout_seconds = 0.5\n")
    holder = _hold_lock(home, 5)
    try:
        started = time.monotonic()
        other = subprocess.run([str(BIN), "list", "--count"], capture_output=True, text=True,
                               env={**os.environ, "SIM_PIPELINE_HOME": str(home)})
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert other.returncode == 1
    assert f"Error: inventory busy (held by PID {holder.pid}, since " in other.stderr
    assert 0.5 <= waited < 4


def test_two_racing_ingests_both_land_and_nothing_is_corrupted(home, cli, csv_file):
    cli("init")
    a = csv_file("a.csv", ["ICCID", "IMSI"], [[str(8947000000000000000 + i), str(242010000000000 + i)] for i in range(500)])
    b = csv_file("b.csv", ["ICCID", "IMSI"], [[str(8947000000000100000 + i), str(242010000100000 + i)] for i in range(500)])
    env = {**os.environ, "SIM_PIPELINE_HOME": str(home)}
    procs = [subprocess.Popen([str(BIN), "ingest", str(p), "--json"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for p in (a, b)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert cli("list", "--count").stdout.strip() == "1000"
