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

from sim_pipeline.cli import demo_data
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
    allocation = demo_data.write_mega_allocation_batch(folder / "allocate-adam-smith-and-amazon.csv")
    sales = demo_data.write_mega_sales_batch(folder / "sales-this-month.csv")
    print(f"Mega Telecom demo in {settings.home.resolve()} (set SIM_PIPELINE_HOME to use another folder)")
    sh("init")
    sh("fields", "add", "Marketplace")
    sh("ingest", str(upload))
    sh("list", "--count")
    print("\n# Allocate ICCIDs ...0001-...0100 to distributor Adam Smith; Marketplace=Amazon on the next 100")
    sh("apply", str(allocation))
    sh("list", "--distributor", "Adam Smith", "--count")
    sh("list", "--custom", "Marketplace=Amazon", "--count")
    print("\n# Cards sold during the month: assigned to accounts (MSISDN = account id)")
    sh("apply", str(sales))
    print("\n# At the end of the month: active (In use) cards per sales channel")
    sh("list", "--status", "in_use", "--distributor", "Adam Smith", "--count")
    sh("list", "--status", "in_use", "--custom", "Marketplace=Amazon", "--count")
    sh("show", demo_data.iccid(1))
    month = settings.now().strftime("%Y-%m")
    sh("report", "--month", month)
    print(f"\nDemo finished. Inventory: {settings.inventory_path.resolve()}")
    print(f"The report: {(settings.home / 'reports' / f'channel-report-{month}.html').resolve()}")
    print("Every month's reports (open this page):")
    print((settings.home / "reports" / "index.html").resolve())


if __name__ == "__main__":
    main()
