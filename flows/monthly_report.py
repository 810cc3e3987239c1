"""monthly-report: the channel report of a month for the administrator and for every reseller
(same library code as `sim-pipeline report`), written to reports/ in the working folder.

Schedule: [schedules] monthly_report_cron (default "0 6 1 * *") in [report] timezone; without a
`month` parameter it reports the previous month there. One task per scope: each holds the inventory
lock only while it counts, and returns file names. Report numbers are counts per channel, never
card data; the inventory keeps the month-end counts it computed (sim_pipeline/state_counts.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.shared_tasks import RETRY_DELAYS, retry_on_io
from sim_pipeline.store import resellers
from sim_pipeline.actor import Actor
from sim_pipeline.report.channels import build_report
from sim_pipeline.store.db import open_inventory
from sim_pipeline.report.period import previous_month
from sim_pipeline.report.render import write_report
from sim_pipeline.settings import Settings


@task(name="list resellers", cache_policy=NO_CACHE, persist_result=False,
      retries=len(RETRY_DELAYS), retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=retry_on_io)
def reseller_names() -> list[str]:
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        return resellers.names(con)


@task(name="write report", task_run_name="report {month} {scope}", cache_policy=NO_CACHE, persist_result=False,
      retries=len(RETRY_DELAYS), retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=retry_on_io)
def write_scope_report(month: str, scope: str, out_dir: str | None = None) -> dict[str, str]:
    """Count under the lock, write the HTML, PDF, XLSX, CSV and JSON after it (and rebuild the folder's
    index pages, report_index.py); returns the file paths."""
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        report = build_report(con, settings, month, Actor.parse(scope))
    return write_report(report, Path(out_dir) if out_dir else settings.home / "reports").as_dict()


@flow(name="monthly-report", persist_result=False)
def monthly_report(month: str | None = None, out_dir: str | None = None) -> dict[str, Any]:
    """Write the reports of MONTH (default: the previous month) for admin and each reseller.

    Example: prefect deployment run monthly-report/monthly-report -p month=2026-11
    """
    month = month or previous_month(Settings.from_env())
    scopes = ["admin"] + [Actor(name).label for name in reseller_names()]
    written = {scope: write_scope_report(month, scope, out_dir) for scope in scopes}
    logger = get_run_logger()
    for scope, files in written.items():
        logger.info("%s %s: %s", month, scope, ", ".join(Path(p).name for p in files.values()))
    return {"month": month, "reports": written}
