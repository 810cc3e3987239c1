"""Monthly numbers per sales channel, from the change history (never from the current `cards` table).

Grain: one row per dimension and channel for one month. Dimensions each partition the cards:
`distributor` and `representative` (each value, plus `(none)`), `direct` (one channel: cards with
neither), and one dimension per reported custom field, named after it (each value, plus `(none)`; an
empty value counts as none).

Which channel a number counts in:
- `active` (In use) and `in_stock` (Available or Reserved): the card's channel in its state at the end of
  the month (`report_period`), so a later reassignment or deletion never changes a past month.
- `active_change`: `active` minus the `active` of the previous month's report (the state at the previous
  month's end, in the scope of that moment), so it is the difference a reader sees between two reports.
- `assigned_in_month` (moves into In use) and `disposed_in_month` (moves into Disposed): the channel in the
  card's state right after that change (its history row), so a sale stays with the channel that made it
  even when the card moves on later in the month.

Scope: the administrator sees every card; `reseller:NAME` sees the cards managed by NAME at the end of the
month (the month's changes: cards managed by NAME at the month's end), and so no other reseller's channels.
Secrets never take part: the queries read `card_history`, which holds none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, fields as dataclass_fields
from datetime import datetime
from typing import Any, Iterable, Iterator

import duckdb

from schemas.vocabulary import ADMIN, AVAILABLE, IN_USE, RESERVED, SIM_TYPES, STATUSES
from sim_pipeline.store import queries
from sim_pipeline.actor import ADMINISTRATOR, Actor
from sim_pipeline.errors import NotFound, SettingsError
from sim_pipeline.report.period import ReportPeriod, period_for
from sim_pipeline.settings import Settings
from sim_pipeline.report.state_counts import month_end_state_counts

NONE = "(none)"
DISTRIBUTOR, REPRESENTATIVE, DIRECT = "distributor", "representative", "direct"
BUILT_IN_DIMENSIONS = (DISTRIBUTOR, REPRESENTATIVE, DIRECT)
CSV_COLUMNS = ["month", "dimension", "channel", "active", "assigned_in_month", "in_stock",
               "disposed_in_month", "active_change"]
IN_STOCK = (AVAILABLE, RESERVED)

# History actions in the order the overview lists them, with the words a manager reads.
ACTION_LABELS = {
    "ingest": "Uploaded", "add": "Added", "remove": "Removed by upload", "allocate": "Allocated",
    "deallocate": "Deallocated", "assign": "Assigned to an account", "unassign": "Unassigned",
    "deactivate": "Deactivated", "terminate_account": "Account terminated", "activate": "Activated",
    "update": "Details updated", "delete": "Deleted", "reveal": "Secrets viewed",
}


@dataclass(frozen=True)
class ChannelRow:
    dimension: str
    channel: str
    active: int
    assigned_in_month: int
    in_stock: int
    disposed_in_month: int
    active_change: int


_COUNTS = tuple(f.name for f in dataclass_fields(ChannelRow))[2:]


@dataclass(frozen=True)
class Dimension:
    name: str
    field: str | None            # the custom field it reports, None for a built-in dimension
    channels: tuple[ChannelRow, ...]
    total: ChannelRow            # channel "total": the sum of the channels


@dataclass(frozen=True)
class Overview:
    by_status: dict[str, int]    # every status, in vocabulary order
    by_managed_by: dict[str, int]
    by_sim_type: dict[str, int]
    events: dict[str, int]       # history rows of the month by action, ACTION_LABELS order first


@dataclass(frozen=True)
class TrendPoint:
    month: str
    active: int


@dataclass(frozen=True)
class ManagerRow:
    """One Managed by (the administrator or a reseller) at the month's end."""
    managed_by: str
    active: int
    assigned_in_month: int
    in_stock: int


@dataclass(frozen=True)
class Recent:
    """What the headline, sparklines and stock outlook need beyond the month's rows (report_view.py).

    `series`: cards In use per (dimension, channel) at the end of each of `months` (oldest first, the
    report's month last); `sales`: cards newly assigned per channel over the report's month and the months
    before it, `sales_months` of them counted (none before the inventory's first history row);
    `previous`: the previous month's totals (active, assigned_in_month, in_stock, disposed_in_month,
    active_change) as its own report shows them.
    """
    months: tuple[str, ...]
    series: dict[tuple[str, str], tuple[int, ...]]
    sales: dict[tuple[str, str], int]
    sales_months: int
    previous: dict[str, int]
    managers: tuple[ManagerRow, ...]


@dataclass(frozen=True)
class ChannelReport:
    period: ReportPeriod
    scope: Actor
    dimensions: tuple[Dimension, ...]
    overview: Overview
    trend: tuple[TrendPoint, ...]
    generated_at: datetime       # naive UTC
    recent: Recent | None = None
    top_channels: int = 15       # [report] top_channels and low_stock_months, for report_view.py
    low_stock_months: float = 1.0

    def rows(self) -> list[dict[str, Any]]:
        """The CSV rows: one per dimension and channel, columns CSV_COLUMNS."""
        return [{"month": self.period.month, **asdict(row)} for d in self.dimensions for row in d.channels]

    def to_json(self, files: dict[str, str] | None = None) -> dict[str, Any]:
        p = self.period
        return {
            "month": p.month,
            "timezone": p.timezone,
            "scope": self.scope.label,
            "month_start": p.local(p.start).isoformat(),
            "as_of": p.local(p.as_of).isoformat(),
            "is_current_month": p.is_current,
            "generated_at": self.generated_at.isoformat() + "Z",
            "channels": [asdict(row) for d in self.dimensions for row in d.channels],
            "totals": {d.name: {k: getattr(d.total, k) for k in _COUNTS} for d in self.dimensions},
            "overview": asdict(self.overview),
            "trend": [asdict(t) for t in self.trend],
            "files": dict(files or {}),
        }


def report_fields(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[str]:
    """The custom fields reported as dimensions: `[report] channel_fields`, or every custom field."""
    known = [r["field_name"] for r in queries.rows(con, "report_custom_fields")]
    if settings.report_channel_fields is None:
        return known
    unknown = [f for f in settings.report_channel_fields if f not in known]
    if unknown:
        raise SettingsError(
            f"[report] channel_fields: no custom field {unknown[0]!r} "
            f"(custom fields: {', '.join(known) or 'none'}); fix sim-pipeline.toml or create the field"
        )
    return list(settings.report_channel_fields)


def check_scope(con: duckdb.DuckDBPyConnection, scope: Actor) -> None:
    if scope.reseller is None:
        return
    if not queries.rows(con, "report_reseller_exists", reseller=scope.reseller)[0]["is_known"]:
        raise NotFound(f"reseller {scope.reseller!r} not found (--as reseller:NAME names a reseller of this inventory)")


def dimension_name(field: str) -> str:
    """A custom field's dimension: its name, marked when it would clash with a built-in dimension."""
    return f"{field} (custom)" if field in BUILT_IN_DIMENSIONS else field


def channels_of(state: dict[str, Any], dimensions: list[str]) -> Iterator[tuple[str, str]]:
    """(dimension, channel) pairs of one card state; `dimensions` names the custom-field dimensions in order."""
    distributor, representative = state["distributor"], state["representative"]
    yield DISTRIBUTOR, distributor or NONE
    yield REPRESENTATIVE, representative or NONE
    if not distributor and not representative:
        yield DIRECT, DIRECT
    values = state["channel_values"] or [None] * len(dimensions)
    for dimension, value in zip(dimensions, values):
        yield dimension, value or NONE


def channel_rows(state_counts: list[dict[str, Any]], event_counts: list[dict[str, Any]],
                 period: ReportPeriod, custom_dimensions: list[str]) -> list[ChannelRow]:
    """The month's rows, dimension by dimension (built-ins, then custom fields), named channels A-Z, `(none)` last.

    `state_counts`: rows of sql/report_card_counts_by_month_end_state.sql;
    `event_counts`: rows of sql/report_month_event_counts_by_state.sql.
    """
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(_COUNTS + ("previous",), 0))
    for key in [(DISTRIBUTOR, NONE), (REPRESENTATIVE, NONE), (DIRECT, DIRECT)] + [(d, NONE) for d in custom_dimensions]:
        counts[key]  # listed even when empty, so every report has the same skeleton
    end, previous_end = period.month_ends[-1], period.month_ends[-2]
    for state in state_counts:
        if state["month_end"] == end:
            metric = "active" if state["status"] == IN_USE else "in_stock" if state["status"] in IN_STOCK else None
        elif state["month_end"] == previous_end and state["status"] == IN_USE:
            metric = "previous"
        else:
            continue
        if metric:
            for key in channels_of(state, custom_dimensions):
                counts[key][metric] += state["count_cards"]
    for event in event_counts:
        for key in channels_of(event, custom_dimensions):
            counts[key]["assigned_in_month"] += event["count_assigned"]
            counts[key]["disposed_in_month"] += event["count_disposed"]
    order = {d: i for i, d in enumerate(list(BUILT_IN_DIMENSIONS) + custom_dimensions)}
    keys = sorted(counts, key=lambda k: (order[k[0]], k[1] == NONE, k[1].casefold(), k[1]))
    return [ChannelRow(dimension=d, channel=c, active=counts[d, c]["active"],
                       assigned_in_month=counts[d, c]["assigned_in_month"], in_stock=counts[d, c]["in_stock"],
                       disposed_in_month=counts[d, c]["disposed_in_month"],
                       active_change=counts[d, c]["active"] - counts[d, c]["previous"])
            for d, c in keys]


def group_dimensions(rows: list[ChannelRow], fields: list[str]) -> tuple[Dimension, ...]:
    """Rows grouped by dimension, each with its total."""
    field_of = {dimension_name(f): f for f in fields}
    grouped: dict[str, list[ChannelRow]] = {}
    for row in rows:
        grouped.setdefault(row.dimension, []).append(row)
    return tuple(
        Dimension(name=name, field=field_of.get(name), channels=tuple(channels),
                  total=ChannelRow(name, "total", *(sum(getattr(r, k) for r in channels) for k in _COUNTS)))
        for name, channels in grouped.items()
    )


def inventory_overview(state_counts: list[dict[str, Any]], event_counts: list[dict[str, Any]],
                       period: ReportPeriod) -> Overview:
    """Cards at the month's end per status, managed-by and SIM type; the month's history rows per action."""
    by_status = dict.fromkeys(STATUSES, 0)
    by_managed_by: dict[str, int] = defaultdict(int)
    by_sim_type = dict.fromkeys(SIM_TYPES, 0)
    for state in state_counts:
        if state["month_end"] != period.month_ends[-1]:
            continue
        by_status[state["status"]] = by_status.get(state["status"], 0) + state["count_cards"]
        by_managed_by[state["managed_by"]] += state["count_cards"]
        by_sim_type[state["sim_type"]] = by_sim_type.get(state["sim_type"], 0) + state["count_cards"]
    events = dict.fromkeys(ACTION_LABELS, 0)
    for event in event_counts:
        events[event["action"]] = events.get(event["action"], 0) + event["count_changes"]
    managers = sorted(by_managed_by.items(), key=lambda kv: (kv[0] != ADMIN, kv[0].casefold(), kv[0]))
    return Overview(by_status=by_status, by_managed_by=dict(managers),
                    by_sim_type=by_sim_type, events=events)


def active_trend(state_counts: Iterable[dict[str, Any]], period: ReportPeriod) -> tuple[TrendPoint, ...]:
    """Cards In use at the end of each of the last months, oldest first, ending with the report's month."""
    active = dict.fromkeys(period.month_ends, 0)
    for state in state_counts:
        if state["status"] == IN_USE:
            active[state["month_end"]] += state["count_cards"]
    return tuple(TrendPoint(month, active[end]) for month, end in period.trend)


SPARK_MONTHS = 6                 # sparklines: cards in use at the last 6 month ends
OUTLOOK_MONTHS = 3               # stock outlook: average sales over the report's month and the 2 before


def recent_numbers(state_counts: list[dict[str, Any]], sales_rows: list[dict[str, Any]], rows: list[ChannelRow],
                   period: ReportPeriod, custom_dimensions: list[str], first_change: datetime | None) -> Recent:
    """Recent: per-channel series from the month-end counts, sales of the last months from
    sql/report_sales_by_month.sql (the report's month taken from `rows`, the CSV's own numbers)."""
    ends = period.month_ends
    spark_ends = ends[-SPARK_MONTHS:]
    series: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(spark_ends))
    stock_previous = 0
    for state in state_counts:
        if state["month_end"] == ends[-2] and state["status"] in IN_STOCK:
            stock_previous += state["count_cards"]
        if state["status"] != IN_USE or state["month_end"] not in spark_ends:
            continue
        i = spark_ends.index(state["month_end"])
        for key in channels_of(state, custom_dimensions):
            series[key][i] += state["count_cards"]
    sales: dict[tuple[str, str], int] = defaultdict(int)
    previous_sold = previous_disposed = 0
    for row in sales_rows:
        if row["month_start"] == period.start:
            continue  # the report's month: from `rows` below
        if row["month_start"] == ends[-3]:
            previous_sold += row["count_assigned"]
            previous_disposed += row["count_disposed"]
        for key in channels_of(row, custom_dimensions):
            sales[key] += row["count_assigned"]
    for row in rows:
        sales[row.dimension, row.channel] += row.assigned_in_month
    # a month counts when the inventory's history began before its end
    counted = sum(1 for end in ends[-OUTLOOK_MONTHS:] if first_change is not None and first_change < end)
    totals = [r for r in rows if r.dimension == DISTRIBUTOR]  # every card has exactly one distributor channel
    active_previous = sum(r.active - r.active_change for r in totals)
    spark_totals = [sum(v[i] for (d, _c), v in series.items() if d == DISTRIBUTOR) for i in range(len(spark_ends))]
    previous = {"active": active_previous, "assigned_in_month": previous_sold, "in_stock": stock_previous,
                "disposed_in_month": previous_disposed,
                "active_change": active_previous - (spark_totals[-3] if len(spark_totals) > 2 else 0)}
    return Recent(months=tuple(m for m, _end in period.trend[-SPARK_MONTHS:]),
                  series={k: tuple(v) for k, v in series.items()}, sales=dict(sales),
                  sales_months=counted, previous=previous,
                  managers=manager_rows(state_counts, sales_rows, period))


def manager_rows(state_counts: list[dict[str, Any]], sales_rows: list[dict[str, Any]],
                 period: ReportPeriod) -> tuple[ManagerRow, ...]:
    """Cards in use and in stock per Managed by at the month's end, sold in the month (the history row's
    managed_by right after the sale); every Managed by holding a card then or having sold one."""
    managers: dict[str, dict[str, int]] = {}
    for state in state_counts:
        if state["month_end"] == period.month_ends[-1]:
            counts = managers.setdefault(state["managed_by"], {"active": 0, "in_stock": 0, "sold": 0})
            metric = "active" if state["status"] == IN_USE else "in_stock" if state["status"] in IN_STOCK else None
            if metric:
                counts[metric] += state["count_cards"]
    for row in sales_rows:
        if row["month_start"] == period.start and row["count_assigned"]:
            counts = managers.setdefault(row["managed_by"], {"active": 0, "in_stock": 0, "sold": 0})
            counts["sold"] += row["count_assigned"]
    return tuple(ManagerRow(m, v["active"], v["sold"], v["in_stock"]) for m, v in managers.items())


def build_report(con: duckdb.DuckDBPyConnection, settings: Settings, month: str,
                 scope: Actor = ADMINISTRATOR) -> ChannelReport:
    """The channel report of `month` (YYYY-MM) as `scope` sees it, from two set-based queries over history."""
    period = period_for(month, settings)
    check_scope(con, scope)
    fields = report_fields(con, settings)
    params = {"fields": fields, "managed_by": scope.reseller}
    state_counts = month_end_state_counts(con, period.month_ends, fields, scope.reseller, settings.now())
    event_counts = queries.rows(con, "report_month_event_counts_by_state", month_start=period.start,
                                month_end=period.end, **params)
    custom_dimensions = [dimension_name(f) for f in fields]
    rows = channel_rows(state_counts, event_counts, period, custom_dimensions)
    ends = period.month_ends
    sales_rows = queries.rows(con, "report_sales_by_month", month_starts=ends[-OUTLOOK_MONTHS - 1:-1],
                              month_ends=ends[-OUTLOOK_MONTHS:], **params)
    first_change = queries.rows(con, "report_first_history_instant")[0]["first_changed_at"]
    return ChannelReport(
        period=period,
        scope=scope,
        dimensions=group_dimensions(rows, fields),
        overview=inventory_overview(state_counts, event_counts, period),
        trend=active_trend(state_counts, period),
        generated_at=settings.now(),
        recent=recent_numbers(state_counts, sales_rows, rows, period, custom_dimensions, first_change),
        top_channels=settings.report_top_channels,
        low_stock_months=settings.report_low_stock_months,
    )
