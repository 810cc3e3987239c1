"""The deployments `sim-pipeline serve` starts: names, flows, schedules and concurrency limits.

`deployment_specs(settings)` is plain data (testable without Prefect's server); `build_deployments`
turns it into Prefect RunnerDeployments; `serve_deployments` serves them until interrupted.

Every deployment opens the inventory, and DuckDB has one writer, so each has a concurrency limit of 1
(a second run queues, it does not fail) and the serving process runs one flow run at a time
(`limit=1`), so a scan and a cleanup due at once run one after the other. Cron schedules are read in
[report] timezone; `scan_inbox_seconds = 0` turns the inbox schedule off (run it on demand).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from sim_pipeline.errors import SettingsError
from sim_pipeline.settings import Settings

RUNNER_LIMIT = 1  # flow runs at once in the serving process: one writer


@dataclass(frozen=True)
class DeploymentSpec:
    name: str  # the deployment's name, equal to its flow's name
    entrypoint: str  # module:function
    description: str
    interval_seconds: int | None = None
    cron: str | None = None
    timezone: str | None = None
    concurrency_limit: int = 1
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def schedule_text(self) -> str:
        if self.interval_seconds:
            return f"every {self.interval_seconds} s"
        if self.cron:
            return f"cron {self.cron!r} ({self.timezone})"
        return "on demand"


def deployment_specs(settings: Settings, fan_out: str = "none", dask_address: str | None = None,
                     workers: int = 2) -> list[DeploymentSpec]:
    """One spec per flow of flows/, with the schedules of the settings file."""
    scan_parameters: dict[str, Any] = {}
    if fan_out != "none":
        scan_parameters = {"fan_out": fan_out, "dask_address": dask_address, "workers": workers}
    tz = settings.report_timezone
    return [
        DeploymentSpec("scan-inbox", "flows.scan_inbox:scan_inbox",
                       "Take every complete file waiting in inbox/<actor>/uploads|batches/.",
                       interval_seconds=settings.scan_inbox_seconds or None, parameters=scan_parameters),
        DeploymentSpec("ingest-drop", "flows.ingest_drop:ingest_drop",
                       "Take one upload file from an inbox folder (parameter: path)."),
        DeploymentSpec("apply-batch", "flows.apply_batch:apply_batch",
                       "Apply one batch file from an inbox folder (parameter: path)."),
        DeploymentSpec("retention-cleanup", "flows.retention_cleanup:retention_cleanup_flow",
                       "Delete cards Disposed for more than KeepDisposedSIMDays days, then relay.",
                       cron=settings.retention_cron, timezone=tz),
        DeploymentSpec("monthly-report", "flows.monthly_report:monthly_report",
                       "The previous month's channel report: the administrator's and one per reseller.",
                       cron=settings.monthly_report_cron, timezone=tz),
        DeploymentSpec("relay-events", "flows.relay_events:relay_events_flow",
                       "Export outbox events not yet exported (writing runs relay at their end too)."),
    ]


def load_flow(entrypoint: str) -> Any:
    module, _, name = entrypoint.partition(":")
    return getattr(importlib.import_module(module), name)


def build_deployments(specs: list[DeploymentSpec]) -> list[Any]:
    """Prefect RunnerDeployments for the specs (nothing is sent to a server here)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron, Interval
    from prefect.types.entrypoint import EntrypointType

    built = []
    for spec in specs:
        flow = load_flow(spec.entrypoint)
        if flow.name != spec.name:
            raise ValueError(f"deployment {spec.name!r} would serve flow {flow.name!r}: names must be equal")
        schedules = []
        if spec.interval_seconds:
            schedules.append(Interval(spec.interval_seconds))
        if spec.cron:
            try:
                schedules.append(Cron(spec.cron, timezone=spec.timezone))
            except ValueError:
                raise SettingsError(
                    f"{spec.name}: {spec.cron!r} is not a cron expression (minute hour day month weekday, "
                    "e.g. \"0 2 * * *\"); see [schedules] in sim-pipeline.toml") from None
        built.append(flow.to_deployment(
            name=spec.name,
            description=spec.description,
            schedules=schedules,
            parameters=spec.parameters,
            concurrency_limit=ConcurrencyLimitConfig(
                limit=spec.concurrency_limit, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
            entrypoint_type=EntrypointType.MODULE_PATH,  # runs from any folder: flows/ is an installed package
        ))
    return built


def serve_deployments(specs: list[DeploymentSpec]) -> None:
    """Register the deployments and run their flow runs until interrupted (Ctrl-C, SIGTERM).

    Schedules stay active on shutdown: runs due while nothing serves wait and start on the next serve.
    """
    from prefect import serve

    serve(*build_deployments(specs), limit=RUNNER_LIMIT, pause_on_shutdown=False, print_starting_message=False)
