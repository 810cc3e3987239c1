"""The benchmark works: a tiny run (10,000 rows) prints its JSON lines. Nothing here is timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl

from sim_pipeline.iccid import luhn_ok

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402  (bench/generate.py)

KEYS = {"case", "rows", "seconds", "floor_seconds", "ratio", "peak_rss_mib"}


def test_generated_uploads_hold_valid_iccids_esims_and_one_percent_bad_rows(tmp_path):
    clean = generate.write_upload(tmp_path / "clean.csv", 10_000, first=5)
    dirty = generate.write_upload(tmp_path / "dirty.csv", 10_000, first=20_000, dirty=True)
    frame = pl.read_csv(tmp_path / "clean.csv", infer_schema=False)
    assert clean["expected_problems"] == 0 and frame.height == 10_000
    iccid = pl.col("ICCID")
    assert frame.select(luhn_ok(iccid).all().alias("luhn"), iccid.str.contains(r"^89[0-9]{17}$").all()).row(0) == (
        True, True)
    assert 0.15 < frame.select(pl.col("eSIM activation code").is_not_null().mean()).item() < 0.25
    assert frame.get_column("ICCID").n_unique() == frame.get_column("IMSI").n_unique() == 10_000
    assert 50 < dirty["dirty_rows"] < 150 and len(dirty["dirty_kinds"]) == len(generate.DIRTY_KINDS)


def test_a_tiny_benchmark_run_prints_one_json_line_per_case(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIM_PIPELINE_")}
    result = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--rows", "10000", "--inventory-rows", "10000", "--runs", "1",
         "--cases", "1,3", "--all-events-too", "--out", str(tmp_path / "out")],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # 1-events: the run itself checks that every new card made an event (it stops otherwise).
    assert [line["case"] for line in lines] == ["1", "1-events", "3"]
    for line in lines:
        assert KEYS <= line.keys() and line["rows"] == 10_000
        assert line["seconds"] > 0 and line["floor_seconds"] > 0 and line["peak_rss_mib"] > 0
