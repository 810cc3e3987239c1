"""What a sales manager reads first: the headline, channels ranked, the stock outlook and the resellers.

Computed from a ChannelReport (its numbers unchanged: the CSV stays the machine contract, every channel
unranked) and `[report] top_channels` / `low_stock_months`. The HTML, PDF, XLSX and the JSON sidecar all
take their numbers from here, so they agree by construction; templates only place the words and numbers.

- Ranking: within a dimension by cards in use at month end, most first; ties in natural, casefolded order
  (`D6` before `D10`); `(none)` always last. The HTML/PDF show the top `top_channels` named channels and
  one "others" row summing the rest; the XLSX every channel.
- Stock outlook: cards in stock at month end / average monthly sales (cards newly assigned) over the
  report's month and the two before, months before the inventory's first history row left out. No sales
  in those months reads "no sales" and is never running low. `(none)` is left out, `direct` is in.
  Channels under `low_stock_months` are "running low".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from schemas.vocabulary import ADMIN
from sim_pipeline.report.channels import DIRECT, DISTRIBUTOR, NONE, REPRESENTATIVE, ChannelReport, ChannelRow, Dimension

NOUNS = {DISTRIBUTOR: ("distributor", "distributors"), REPRESENTATIVE: ("representative", "representatives"),
         DIRECT: ("channel", "channels")}
KIND = {DISTRIBUTOR: "Distributor", REPRESENTATIVE: "Representative", DIRECT: "Direct sales"}


def natural_key(text: str) -> tuple:
    """`D6` before `D10`, case folded: digit runs compare as numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", text.casefold()) if part)


def percent_text(value: int, previous: int) -> str:
    """The change against `previous` in %; against 0 it reads "new" (or "–" when both are 0)."""
    if previous == 0:
        return "new" if value else "\u2013"
    change = (value - previous) / abs(previous) * 100
    if value == previous:
        return "0%"
    return f"{change:+.1f}%" if abs(change) < 10 else f"{change:+.0f}%"


def none_words(dimension: Dimension) -> str:
    """`(none)` in words: "no distributor", "no Marketplace"."""
    return f"no {NOUNS[dimension.name][0]}" if dimension.name in NOUNS else f"no {dimension.field or dimension.name}"


@dataclass(frozen=True)
class RankedRow:
    dimension: str
    channel: str                 # the CSV's channel; "(others)" for the others row
    label: str                   # what a reader sees: the name, "no distributor", "Others (25 distributors)"
    rank: int | None             # 1, 2, ... for named channels; None for others and (none)
    is_none: bool
    is_others: bool
    active: int
    previous_active: int
    active_change: int
    change_percent: str          # "+40%", "new", "–"
    assigned_in_month: int
    in_stock: int
    disposed_in_month: int
    series: tuple[int, ...]      # cards in use at the last month ends, oldest first


@dataclass(frozen=True)
class RankedDimension:
    name: str
    field: str | None
    noun: str                    # plural, for "Others (25 distributors)"
    rows: tuple[RankedRow, ...]  # every channel, ranked, (none) last: the XLSX
    shown: tuple[RankedRow, ...]  # the top channels, an others row when cut, (none): the HTML and PDF
    total: ChannelRow
    total_percent: str


@dataclass(frozen=True)
class Figure:
    key: str                     # the JSON key
    label: str
    value: int
    previous: int
    change_percent: str | None   # only for cards in use


@dataclass(frozen=True)
class OutlookRow:
    dimension: str
    channel: str
    label: str                   # "Distributor Adam Smith"
    in_stock: int
    sales: int                   # newly assigned over the months counted
    months_counted: int
    average_sales: float | None  # per month; None without a month counted
    months_left: float | None    # None: no sales
    months_left_text: str        # "0.6 months", "no sales"
    is_low: bool


@dataclass(frozen=True)
class ManagerLine:
    managed_by: str
    label: str
    rank: int
    active: int
    assigned_in_month: int
    in_stock: int


@dataclass(frozen=True)
class ReportView:
    headline: tuple[Figure, ...]
    dimensions: tuple[RankedDimension, ...]
    outlook: tuple[OutlookRow, ...]          # every channel but (none): most urgent first, "no sales" last
    running_low: tuple[OutlookRow, ...]
    managers: tuple[ManagerLine, ...]        # the administrator's report only; empty for a reseller's
    top_channels: int
    low_stock_months: float
    spark_months: tuple[str, ...]
    sales_months: int

    def to_json(self) -> dict[str, Any]:
        """The parts of the JSON sidecar this view adds (report.to_json holds the rest)."""
        def ranked(row: RankedRow) -> dict[str, Any]:
            return {"channel": row.channel, "label": row.label, "rank": row.rank, "active": row.active,
                    "active_change": row.active_change, "change_percent": row.change_percent,
                    "assigned_in_month": row.assigned_in_month, "in_stock": row.in_stock,
                    "disposed_in_month": row.disposed_in_month, "series": list(row.series)}
        return {
            "headline": {f.key: {"value": f.value, "previous": f.previous,
                                 **({"change_percent": f.change_percent} if f.change_percent else {})}
                         for f in self.headline},
            "ranking": {d.name: {"shown": [ranked(r) for r in d.shown], "all": [r.channel for r in d.rows]}
                        for d in self.dimensions},
            "stock_outlook": [{"dimension": o.dimension, "channel": o.channel, "in_stock": o.in_stock,
                               "sales": o.sales, "months_counted": o.months_counted,
                               "average_sales": o.average_sales, "months_left": o.months_left,
                               "running_low": o.is_low} for o in self.outlook],
            "running_low": [{"dimension": o.dimension, "channel": o.channel, "months_left": o.months_left}
                            for o in self.running_low],
            "resellers": [{"managed_by": m.managed_by, "rank": m.rank, "active": m.active,
                           "assigned_in_month": m.assigned_in_month, "in_stock": m.in_stock} for m in self.managers],
            "settings": {"top_channels": self.top_channels, "low_stock_months": self.low_stock_months},
            "spark_months": list(self.spark_months),
            "sales_months": self.sales_months,
        }


def _rank_key(row: ChannelRow) -> tuple:
    return (row.channel == NONE, -row.active, natural_key(row.channel), row.channel)


def rank_dimension(dimension: Dimension, series: dict[tuple[str, str], tuple[int, ...]], months: int,
                   top: int) -> RankedDimension:
    noun = NOUNS.get(dimension.name, ("channel", "channels"))[1]
    ranked: list[RankedRow] = []
    for i, row in enumerate(sorted(dimension.channels, key=_rank_key)):
        is_none = row.channel == NONE
        previous = row.active - row.active_change
        ranked.append(RankedRow(
            dimension=row.dimension, channel=row.channel, label=none_words(dimension) if is_none else row.channel,
            rank=None if is_none else i + 1, is_none=is_none, is_others=False, active=row.active,
            previous_active=previous, active_change=row.active_change,
            change_percent=percent_text(row.active, previous), assigned_in_month=row.assigned_in_month,
            in_stock=row.in_stock, disposed_in_month=row.disposed_in_month,
            series=series.get((row.dimension, row.channel), (0,) * months)))
    named = [r for r in ranked if not r.is_none]
    nones = [r for r in ranked if r.is_none]
    shown = named
    if top and len(named) > top:
        rest = named[top:]
        active = sum(r.active for r in rest)
        previous = sum(r.previous_active for r in rest)
        others = RankedRow(
            dimension=dimension.name, channel="(others)", label=f"Others ({len(rest)} {noun})", rank=None,
            is_none=False, is_others=True, active=active, previous_active=previous,
            active_change=sum(r.active_change for r in rest), change_percent=percent_text(active, previous),
            assigned_in_month=sum(r.assigned_in_month for r in rest), in_stock=sum(r.in_stock for r in rest),
            disposed_in_month=sum(r.disposed_in_month for r in rest),
            series=tuple(sum(r.series[i] for r in rest) for i in range(months)))
        shown = named[:top] + [others]
    total = dimension.total
    return RankedDimension(name=dimension.name, field=dimension.field, noun=noun, rows=tuple(ranked),
                           shown=tuple(shown + nones), total=total,
                           total_percent=percent_text(total.active, total.active - total.active_change))


def outlook_label(dimension: Dimension, channel: str) -> str:
    if dimension.name == DIRECT:
        return "Direct sales"
    return f"{KIND.get(dimension.name, dimension.field or dimension.name)} {channel}"


def stock_outlook(report: ChannelReport, low_stock_months: float) -> tuple[OutlookRow, ...]:
    recent = report.recent
    counted = recent.sales_months if recent else 0
    rows = []
    for dimension in report.dimensions:
        for row in dimension.channels:
            if row.channel == NONE:
                continue
            sales = recent.sales.get((row.dimension, row.channel), 0) if recent else 0
            average = sales / counted if counted else None
            left = row.in_stock / average if average else None
            rows.append(OutlookRow(
                dimension=row.dimension, channel=row.channel, label=outlook_label(dimension, row.channel),
                in_stock=row.in_stock, sales=sales, months_counted=counted,
                average_sales=None if average is None else round(average, 2),
                months_left=None if left is None else round(left, 2),
                months_left_text="no sales" if left is None else f"{left:.1f} months",
                is_low=left is not None and left < low_stock_months))
    return tuple(sorted(rows, key=lambda o: (o.months_left is None, o.months_left or 0.0,
                                             natural_key(o.label), o.label)))


def headline(report: ChannelReport) -> tuple[Figure, ...]:
    total = report.dimensions[0].total
    previous = report.recent.previous if report.recent else dict.fromkeys(
        ("active", "assigned_in_month", "in_stock", "disposed_in_month", "active_change"), 0)
    in_use = "Cards in use now" if report.period.is_current else "Cards in use at month end"
    return (
        Figure("active", in_use, total.active, previous["active"], percent_text(total.active, previous["active"])),
        Figure("active_change", "Change against the previous month", total.active_change,
               previous["active_change"], None),
        Figure("assigned_in_month", "Sold (newly assigned)", total.assigned_in_month,
               previous["assigned_in_month"], None),
        Figure("in_stock", "In stock", total.in_stock, previous["in_stock"], None),
        Figure("disposed_in_month", "Disposed", total.disposed_in_month, previous["disposed_in_month"], None),
    )


def manager_lines(report: ChannelReport) -> tuple[ManagerLine, ...]:
    if not report.scope.is_admin or report.recent is None:
        return ()
    ordered = sorted(report.recent.managers, key=lambda m: (-m.active, natural_key(m.managed_by), m.managed_by))
    return tuple(ManagerLine(managed_by=m.managed_by,
                             label="Administrator (own cards)" if m.managed_by == ADMIN else m.managed_by,
                             rank=i + 1, active=m.active, assigned_in_month=m.assigned_in_month,
                             in_stock=m.in_stock) for i, m in enumerate(ordered))


def report_view(report: ChannelReport) -> ReportView:
    recent = report.recent
    months = len(recent.months) if recent else 0
    series = recent.series if recent else {}
    outlook = stock_outlook(report, report.low_stock_months)
    return ReportView(
        headline=headline(report),
        dimensions=tuple(rank_dimension(d, series, months, report.top_channels) for d in report.dimensions),
        outlook=outlook,
        running_low=tuple(o for o in outlook if o.is_low),
        managers=manager_lines(report),
        top_channels=report.top_channels,
        low_stock_months=report.low_stock_months,
        spark_months=recent.months if recent else (),
        sales_months=recent.sales_months if recent else 0,
    )
