"""The relay killed (SIGKILL) at random moments, many times: the files in outbox/ (and those a consumer
moved away) hold every event exactly once. The relay runs in a subprocess and knows nothing of the test."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import selectors
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from schemas.vocabulary import EVENT_CREATED
from sim_pipeline.ingest import upload as ingest
from sim_pipeline.events import relay
from sim_pipeline.store.db import open_inventory

REPO = Path(__file__).resolve().parents[1]
BATCH_SIZE = 25  # small files, so a run writes hundreds of them and a kill lands between any two steps
FIRST_EVENTS = 20_000
MORE_EVENTS = 5_000  # queued whenever the killed runs have exported everything
KILLS = 30  # the loop is bound by this count, never by a deadline: a busy machine only makes it slower
MAX_RUNS = 3 * KILLS  # runs that finish before their kill do not count; this bounds the loop all the same
START_TIMEOUT = 120.0  # one child that does not say it started within this fails the test (nothing else does)

RELAY = """
import sys
from sim_pipeline.store.db import open_inventory
from sim_pipeline.events.relay import relay_events
from sim_pipeline.settings import Settings

settings = Settings.from_env({"SIM_PIPELINE_HOME": sys.argv[1]})
with open_inventory(settings) as con:
    print("started", flush=True)  # the parent's random sleep starts here, not at the fork
    relay_events(con, settings, events_per_file=int(sys.argv[2]))
"""


def queue(settings, tmp_path: Path, rows: int, first: int) -> None:
    path = tmp_path / f"u{first}.csv"
    path.write_text("ICCID,IMSI\n" + "".join(f"8947{n:015d},24201{n:010d}\n" for n in range(first, first + rows)),
                    encoding="utf-8")
    with open_inventory(settings) as con:
        assert ingest.ingest_file(con, settings, path).events == rows


def start_relay(home: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RELAY, str(home), str(BATCH_SIZE)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_started(proc: subprocess.Popen) -> None:
    """Block until the child has imported, opened the inventory and said so (or has ended)."""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=START_TIMEOUT):
            proc.kill()
            pytest.fail(f"a relay child did not start within {START_TIMEOUT:.0f} s")
    proc.stdout.readline()


def state_after(settings) -> tuple[str, bool]:
    """Where the killed run stopped, and whether every queued event is exported."""
    tmp = settings.home / "outbox" / ".tmp"
    with open_inventory(settings) as con:
        state = relay.progress(con)
        newest = con.execute("select coalesce(max(seq), 0) from outbox").fetchall()[0][0]
    if state["pending_first"] is not None:
        name = relay.file_name(state["pending_first"], state["pending_last"])
        where = "pending, file still in .tmp" if (tmp / name).exists() else "pending, file already in outbox"
    elif any(tmp.iterdir()):
        where = "file in .tmp not yet pending"
    else:
        where = "between files"
    return where, state["last_seq"] == newest and state["pending_first"] is None


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_relay_killed_at_random_moments_exports_every_event_exactly_once(settings, tmp_path):
    settings = dataclasses.replace(settings, event_subscriptions=[EVENT_CREATED])
    queue(settings, tmp_path, FIRST_EVENTS, first=0)
    consumed = tmp_path / "consumed"
    consumed.mkdir()
    seed = int(os.environ.get("RELAY_KILL_SEED", time.time_ns() % 10**6))
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    queued = FIRST_EVENTS
    runs = 0
    while outcomes["killed"] < KILLS and runs < MAX_RUNS:
        runs += 1
        proc = start_relay(settings.home)
        wait_started(proc)
        time.sleep(rng.uniform(0.0, 0.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            outcomes["killed"] += 1
        proc.wait()
        assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read().decode()
        where, done = state_after(settings)
        outcomes[where] += 1
        if rng.random() < 0.3:  # a consumer takes some files away meanwhile
            for p in (settings.home / "outbox").glob("*.jsonl"):
                p.rename(consumed / p.name)
        if done:
            queue(settings, tmp_path, MORE_EVENTS, first=queued)
            queued += MORE_EVENTS

    final = start_relay(settings.home)
    assert final.wait(timeout=60) == 0, final.stderr.read().decode()

    files = sorted([*(settings.home / "outbox").glob("*.jsonl"), *consumed.glob("*.jsonl")], key=lambda p: p.name)
    ids, ranges = [], []
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        first, last = (int(x) for x in path.stem.split("-"))
        assert len(lines) == last - first + 1 and len(lines) <= BATCH_SIZE
        ids += [json.loads(line)["id"] for line in lines]
        ranges.append((first, last))
    with open_inventory(settings) as con:
        expected = [i for (i,) in con.execute("select event_id from outbox order by seq").fetchall()]
    duplicates = len(ids) - len(set(ids))
    lost = len(set(expected) - set(ids))
    print(f"\nrelay kill test: seed {seed}, {outcomes['killed']} kills, {len(expected)} events, "
          f"{len(files)} files, {duplicates} duplicates, {lost} lost; stopped at: "
          + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()) if k != "killed"))
    assert outcomes["killed"] >= 20, f"too few kills landed (seed {seed}): {outcomes}"
    assert (duplicates, lost) == (0, 0), f"seed {seed}"
    assert ids == expected and len(expected) == queued
    assert all(b[0] == a[1] + 1 for a, b in zip(ranges, ranges[1:])) and ranges[0][0] == 1
    assert list((settings.home / "outbox" / ".tmp").iterdir()) == []
