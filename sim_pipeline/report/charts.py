"""Chart geometry for the channel report: every coordinate computed here, so templates only place shapes.

The SVG itself is written by reports/charts.html (autoescaped: labels are data). Sizes are in CSS pixels
of a 640-pixel-wide drawing; solid dark bars and printed values keep charts readable in greyscale print.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim_pipeline.report.channels import TrendPoint
from sim_pipeline.report.view import RankedDimension

WIDTH = 640
LABEL_WIDTH = 200          # channel names, right-aligned before the bars
VALUE_ROOM = 110           # printed value after the longest bar
BAR_HEIGHT = 18
BAR_GAP = 8
TOP = 8
LABEL_CHARS = 28           # longer channel names are cut (the full name is the bar's tooltip and in the table)
TREND_HEIGHT = 170
TREND_BOTTOM = 36          # month and year labels under the columns
TREND_TOP = 22             # printed value above the tallest column
TREND_LEFT = 8
SPARK_WIDTH = 84
SPARK_HEIGHT = 20
SPARK_PAD = 3
DARK, MUTED = "#333333", "#767676"   # bars: named channels; (none) and others (4.5:1 on white, greyscale-safe)
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Bar:
    label: str               # shown, possibly shortened
    title: str               # the full channel name
    value: int
    value_label: str         # "1,234"
    y: int                   # top of the bar
    text_y: int              # baseline of the label and value
    width: float
    value_x: float           # where the printed value starts
    fill: str                # DARK, or MUTED for (none) and others
    is_muted: bool


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    label_x: int             # right edge of the labels
    bar_x: int
    bar_height: int
    axis_bottom: int
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Column:
    month_label: str         # "Oct"
    year_label: str          # "2025" on the first column and on Januaries, else ""
    value: int
    value_label: str         # compact above 99,999 ("250k", "1.2M") so it fits over its column
    x: float
    y: float
    width: float
    height: float
    center_x: float
    value_y: float
    is_report_month: bool


@dataclass(frozen=True)
class TrendChart:
    title: str
    width: int
    height: int
    baseline_y: int
    month_y: int
    year_y: int
    columns: tuple[Column, ...]


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def compact(n: int) -> str:
    if abs(n) < 100_000:
        return f"{n:,}"
    if abs(n) < 1_000_000:
        return f"{n / 1000:.0f}k"
    return f"{n / 1_000_000:.1f}M"


def channel_bars(dimension: RankedDimension) -> BarChart:
    """Cards In use per channel shown (ranked, top-N and others, `(none)` last): one horizontal bar each.

    The scale is the longest named channel's: `(none)` and others, drawn muted, are cut at the chart's
    width when longer (their value is printed, with "bar cut"), so they never dwarf the channels.
    """
    named = [row.active for row in dimension.shown if not (row.is_none or row.is_others)]
    longest = max(named or [row.active for row in dimension.shown] or [0])
    room = WIDTH - LABEL_WIDTH - 10 - VALUE_ROOM
    scale = room / longest if longest else 0.0
    bar_x = LABEL_WIDTH + 10
    bars = []
    for i, row in enumerate(dimension.shown):
        y = TOP + i * (BAR_HEIGHT + BAR_GAP)
        width = row.active * scale
        muted = row.is_none or row.is_others
        cut = width > room
        width = min(width, room)
        value = f"{row.active:,}" + (" (bar cut)" if cut else "")
        bars.append(Bar(label=shorten(row.label), title=f"{row.label}: {value}", value=row.active,
                        value_label=value, y=y,
                        text_y=y + BAR_HEIGHT - 5, width=round(width, 1), value_x=round(bar_x + width + 6, 1),
                        fill=MUTED if muted else DARK, is_muted=muted))
    height = TOP * 2 + len(bars) * (BAR_HEIGHT + BAR_GAP)
    return BarChart(title=f"Cards in use per channel: {dimension.name}", width=WIDTH, height=height,
                    label_x=LABEL_WIDTH, bar_x=bar_x, bar_height=BAR_HEIGHT, axis_bottom=height - TOP, bars=tuple(bars))


def trend_columns(trend: tuple[TrendPoint, ...]) -> TrendChart:
    """Cards In use at each month's end, one column per month, oldest on the left."""
    longest = max((p.active for p in trend), default=0)
    plot_height = TREND_HEIGHT - TREND_TOP - TREND_BOTTOM
    scale = plot_height / longest if longest else 0.0
    slot = (WIDTH - 2 * TREND_LEFT) / max(len(trend), 1)
    baseline = TREND_HEIGHT - TREND_BOTTOM
    columns = []
    for i, point in enumerate(trend):
        year, month = (int(part) for part in point.month.split("-"))
        height = round(point.active * scale, 1)
        x = TREND_LEFT + i * slot
        columns.append(Column(
            month_label=MONTH_NAMES[month - 1],
            year_label=str(year) if i == 0 or month == 1 else "",
            value=point.active, value_label=compact(point.active),
            x=round(x + slot * 0.15, 1), y=round(baseline - height, 1),
            width=round(slot * 0.7, 1), height=height, center_x=round(x + slot / 2, 1),
            value_y=round(baseline - height - 5, 1), is_report_month=i == len(trend) - 1,
        ))
    return TrendChart(title="Cards in use at the end of each month", width=WIDTH, height=TREND_HEIGHT,
                      baseline_y=baseline, month_y=baseline + 15, year_y=baseline + 29, columns=tuple(columns))


@dataclass(frozen=True)
class Sparkline:
    title: str               # the text equivalent: "Cards in use, Jun-Nov 2025: 0, 0, 3, 5, 8, 9"
    width: int
    height: int
    points: str              # the polyline's "x,y x,y ..."
    last_x: float
    last_y: float
    stroke: str


def sparkline(series: tuple[int, ...], months: tuple[str, ...], muted: bool = False) -> Sparkline:
    """Cards in use at the last month ends of one channel, as a small line on its own scale (0 at the bottom)."""
    top = max(series, default=0)
    inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_PAD, SPARK_HEIGHT - 2 * SPARK_PAD
    step = inner_w / max(len(series) - 1, 1)
    coords = [(round(SPARK_PAD + i * step, 1), round(SPARK_PAD + inner_h - (v / top * inner_h if top else 0), 1))
              for i, v in enumerate(series)]
    span = ""
    if months:
        first, last = months[0].split("-"), months[-1].split("-")
        span = f"{MONTH_NAMES[int(first[1]) - 1]} {first[0]} to {MONTH_NAMES[int(last[1]) - 1]} {last[0]}"
    return Sparkline(title=f"Cards in use at month end, {span}: " + ", ".join(f"{v:,}" for v in series),
                     width=SPARK_WIDTH, height=SPARK_HEIGHT, points=" ".join(f"{x},{y}" for x, y in coords),
                     last_x=coords[-1][0] if coords else 0, last_y=coords[-1][1] if coords else 0,
                     stroke=MUTED if muted else DARK)
