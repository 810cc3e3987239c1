"""scan-inbox: one pass over every actor's inbox folder (same library code as `sim-pipeline scan --once`).

Complete files only (sim_pipeline.drops: not *.part / *.tmp / hidden, settled for
[schedules] settle_seconds); uploads first, then batches, oldest first; each one a "take file" task
that holds the inventory lock and ends with the file in processed/ or rejected/. A rejected file marks
the run Failed with the rejection summary in the log; the committed files stay committed.

Fan-out (`fan_out="threads"` or `"dask"`): before the writer takes anything, every upload is read and
checked without the inventory (sim_pipeline.ingest.precheck) by a "check files" subflow on that task runner:
threads of this process, or a Dask cluster (`dask_address` of an existing scheduler, else a temporary
local cluster of `workers` processes). A file failing there goes straight to rejected/; the rest are
merged one at a time, as without fan-out. Dask workers need the working folder at the same path
(a shared filesystem) and SIM_PIPELINE_HOME set like this process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.shared_tasks import RETRY_DELAYS, finish, log_outcome, retry_on_io, take_file
from sim_pipeline import drops
from sim_pipeline.store import resellers
from sim_pipeline.store.db import open_inventory
from sim_pipeline.errors import SimPipelineError
from sim_pipeline.settings import Settings

FAN_OUT = ("none", "threads", "dask")


@task(name="list inbox", cache_policy=NO_CACHE, persist_result=False,
      retries=len(RETRY_DELAYS), retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=retry_on_io)
def list_and_refuse() -> dict[str, Any]:
    """The complete files waiting (paths and kinds); refused entries are moved or reported here."""
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        listing = drops.list_inbox(settings, resellers.names(con))
        refused = [drops.refuse(settings, r).to_json() for r in listing.refused]
    return {"ready": [{"path": str(f.path), "kind": f.kind, "folder": f.folder} for f in listing.ready],
            "waiting": len(listing.waiting), "refused": refused}


@task(name="check file", task_run_name="check {name}", cache_policy=NO_CACHE, persist_result=False)
def check_file(path: str, name: str) -> dict[str, Any]:
    """Read and check one upload without the inventory (runs on a fan-out worker)."""
    from sim_pipeline.ingest.precheck import precheck_file

    return precheck_file(Settings.from_env(), Path(path)).to_json()


@flow(name="check-files", persist_result=False)
def check_files(paths: list[str]) -> list[dict[str, Any]]:
    """Check many uploads at once on this flow's task runner; one verdict per path, in order."""
    futures = [check_file.submit(p, Path(p).name) for p in paths]
    return [f.result() for f in futures]


@task(name="reject file", task_run_name="reject {name}", cache_policy=NO_CACHE, persist_result=False,
      retries=len(RETRY_DELAYS), retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=retry_on_io)
def reject_file(path: str, name: str, verdict: dict[str, Any]) -> dict[str, Any]:
    """Move a file the check rejected to rejected/ with its report (under the lock, like every move)."""
    settings = Settings.from_env()
    with open_inventory(settings) as con:
        try:
            item = drops.locate(settings, Path(path), resellers.names(con))
        except FileNotFoundError:
            return drops.Outcome(name, "", "gone").to_json()
        report = Path(verdict["report"]) if verdict.get("report") else None
        return drops.reject(settings, item, report, verdict["problems"], verdict["problem_count"]).to_json()


def task_runner(fan_out: str, dask_address: str | None, workers: int) -> Any:
    """The task runner for the checks: threads here, or Dask (an existing cluster or a local one)."""
    if fan_out == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise SimPipelineError("fan-out dask needs prefect-dask: pip install prefect-dask==0.3.7") from None
    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": None})


@flow(name="scan-inbox", persist_result=False)
def scan_inbox(fan_out: str = "none", dask_address: str | None = None, workers: int = 2) -> dict[str, Any]:
    """Take every complete file waiting in the inbox, then relay the new events.

    Example: prefect deployment run scan-inbox/scan-inbox -p fan_out=dask -p dask_address=tcp://10.0.0.5:8786
    """
    if fan_out not in FAN_OUT:
        raise SimPipelineError(f"fan_out: expected one of {', '.join(FAN_OUT)}, got {fan_out!r}")
    logger = get_run_logger()
    listed = list_and_refuse()
    outcomes = [drops.Outcome(**o) for o in listed["refused"]]
    for o in outcomes:
        log_outcome(o)
    ready = listed["ready"]
    if listed["waiting"]:
        logger.info("%d file(s) still being written or settling; left for the next scan", listed["waiting"])
    if not ready:
        logger.info("no complete file waiting")
    verdicts: dict[str, dict[str, Any]] = {}
    uploads = [f["path"] for f in ready if f["kind"] == "upload"]
    if fan_out != "none" and uploads:
        runner = task_runner(fan_out, dask_address, workers)
        checked = check_files.with_options(task_runner=runner)(uploads)
        verdicts = {v["path"]: v for v in checked}
    for f in ready:
        verdict = verdicts.get(f["path"])
        if verdict is not None and verdict["status"] == "rejected":
            outcome = drops.Outcome(**reject_file(f["path"], Path(f["path"]).name, verdict))
        else:
            # A file that breaks its task (after its retries) must not keep the files after it waiting.
            state = take_file(f["path"], f["kind"], return_state=True)
            outcome = (drops.Outcome(**state.result()) if state.is_completed() else
                       drops.Outcome(Path(f["path"]).name, f["folder"], "failed", message=state.message or state.name))
        log_outcome(outcome)
        outcomes.append(outcome)
    return finish(outcomes)
