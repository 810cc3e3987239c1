"""Shared fixtures: a fresh working folder per test, an in-process CLI runner, file factories."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Prefect must never touch ~/.prefect or a server named in the environment during tests.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="sim-pipeline-prefect-"))
os.environ["PREFECT_API_URL"] = ""
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_UI_ENABLED", "false")

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REAL_WORLD = REPO.parent / "shared" / "real-world"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Flow runs need the Prefect harness (a server start of 20-40 s here): they belong to the slow set
    that `make test` runs and `make check` (-m "not slow") leaves out."""
    for item in items:
        if item.get_closest_marker("flow"):
            item.add_marker(pytest.mark.slow)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json_lines(self) -> list[dict]:
        import json

        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


def invoke(*args: str, stdin: str = "") -> CliResult:
    """Run `sim-pipeline ARGS` in this process, as the console script does (exit codes included)."""
    from sim_pipeline.cli import app
    from sim_pipeline.cli.app import run

    out, err = io.StringIO(), io.StringIO()
    old_argv, old_stdin = sys.argv, sys.stdin
    sys.argv, sys.stdin = ["sim-pipeline", *[str(a) for a in args]], io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(app)
    finally:
        sys.argv, sys.stdin = old_argv, old_stdin
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working folder as SIM_PIPELINE_HOME, with no fixed clock and the key file default."""
    folder = tmp_path / "home"
    monkeypatch.setenv("SIM_PIPELINE_HOME", str(folder))
    monkeypatch.delenv("SIM_PIPELINE_NOW", raising=False)
    monkeypatch.delenv("SIM_PIPELINE_KEY", raising=False)
    return folder


@pytest.fixture
def cli():
    return invoke


@pytest.fixture
def settings(home: Path):
    from sim_pipeline.settings import Settings

    return Settings.from_env()


def write_csv(path: Path, header: list[str], rows: list[list[str]], sep: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, delimiter=sep, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)
    return path


@pytest.fixture
def csv_file(tmp_path: Path):
    """Factory: csv_file(name, header, rows, sep=',') -> Path."""

    def make(name: str, header: list[str], rows: list[list[str]], sep: str = ",") -> Path:
        return write_csv(tmp_path / name, header, rows, sep)

    return make


@pytest.fixture
def mega_upload(tmp_path: Path) -> Path:
    from sim_pipeline.cli.demo_data import write_mega_upload

    return write_mega_upload(tmp_path / "mega-telecom-1000.csv")


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the whole session (about 20 s once); never one per test."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def stock(cli, home, csv_file):
    """Factory: stock(n, managed_by=None, start=1, name='stock.csv') uploads n demo cards (ICCIDs
    demo_data.iccid(start..), IMSIs 250990000000000+k, PIN 1234) and returns their ICCIDs."""
    from sim_pipeline.cli.demo_data import FIRST_IMSI, iccid

    def make(n: int, managed_by: str | None = None, start: int = 1, name: str = "stock.csv") -> list[str]:
        numbers = range(start, start + n)
        rows = [[iccid(k), str(FIRST_IMSI + k - 1), "1234", managed_by or ""] for k in numbers]
        result = cli("ingest", csv_file(name, ["ICCID", "IMSI", "PIN", "Managed by"], rows))
        assert result.exit_code == 0, result.stderr
        return [iccid(k) for k in numbers]

    return make


@pytest.fixture
def inventory(home):
    """Factory: inventory() -> a read-only DuckDB connection to the test's inventory (close it after use)."""
    import duckdb

    return lambda: duckdb.connect(str(home / "inventory.duckdb"), read_only=True)
