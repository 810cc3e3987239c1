"""`make demo`: the seed's worked example, end to end, through the same CLI a user runs.

Mega Telecom receives 1000 SIM cards and a file with their PIN, PUK1 and PUK2 from its MNO; the
admin uploads it, allocates 100 cards to distributor Adam Smith by an ICCID range, tags the next 100
Marketplace=Amazon, some cards are sold (assigned to accounts), and at the end of the month the
report counts active cards per sales channel. Files are generated under the working folder (./data).
Re-running it is harmless: files already ingested or applied are recognised and skipped.
"""

from __future__ import annotations

import shlex
import sys

from sim_pipeline import demo_data
from sim_pipeline.cli import app
from sim_pipeline.cli.app import run
from sim_pipeline.settings import Settings


def sh(*args: str) -> int:
    print(f"\n$ sim-pipeline {shlex.join(args)}", flush=True)
    sys.argv = ["sim-pipeline", *args]
    code = run(app)
    if code != 0:
        raise SystemExit(f"demo step failed with exit status {code}: sim-pipeline {shlex.join(args)}")
    return code


def main() -> None:
    settings = Settings.from_env()
    folder = settings.home / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    upload = demo_data.write_mega_upload(folder / "mega-telecom-1000.csv")
    print(f"Mega Telecom demo in {settings.home.resolve()} (set SIM_PIPELINE_HOME to use another folder)")
    sh("init")
    sh("fields", "add", "Marketplace")
    sh("ingest", str(upload))
    sh("list", "--count")
    sh("show", demo_data.iccid(1))
    print("\nDemo finished: the inventory is", settings.inventory_path.resolve())


if __name__ == "__main__":
    main()
