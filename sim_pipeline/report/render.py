"""Writing a channel report: one self-contained HTML file (jinja2), a CSV and a PDF (WeasyPrint, offline).

Templates live in reports/ at the repository root: base.html (the layout), channel_report.html,
charts.html (SVG macros). Every template is autoescaped and undefined names raise (StrictUndefined); the
context holds ready numbers and words, so templates only place them.
"""

from __future__ import annotations

import csv
import importlib
import json
import os
import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from schemas.vocabulary import ADMIN, LABELS
from sim_pipeline.report.channels import ACTION_LABELS, CSV_COLUMNS, DIRECT, DISTRIBUTOR, REPRESENTATIVE, ChannelReport
from sim_pipeline.export_safety import neutralise_cell
from sim_pipeline.report.charts import channel_bars, sparkline, trend_columns
from sim_pipeline.report.view import RankedDimension, ReportView, report_view

# The templates stay in the repository's top-level reports/ (the user's chosen layout), shipped as the
# package data of the `reports` package, so a non-editable install finds them from any folder.
TEMPLATES_DIR = Path(str(files("reports")))
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
HEADINGS = {
    DISTRIBUTOR: "Distributors",
    REPRESENTATIVE: "Representatives",
    DIRECT: "Direct sales (no distributor or representative)",
}


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    csv: Path
    pdf: Path
    xlsx: Path
    json: Path
    index: Path

    def as_dict(self) -> dict[str, str]:
        return {"html": str(self.html), "csv": str(self.csv), "pdf": str(self.pdf), "xlsx": str(self.xlsx),
                "json": str(self.json), "index": str(self.index)}


def report_json(report: ChannelReport, files: dict[str, str] | None = None) -> dict[str, Any]:
    """What `report --json` prints and the sidecar holds: the numbers, then what the page shows first."""
    return {**report.to_json(files), **report_view(report).to_json()}


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml", "svg"), default=True,
                                     default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.filters["signed"] = lambda n: f"{n:+,}" if n else "0"
    return env


def month_label(month: str, short: bool = False) -> str:
    """2025-10 -> "October 2025" (short: "Oct 2025")."""
    year, number = month.split("-")
    name = MONTH_NAMES[int(number) - 1]
    return f"{name[:3] if short else name} {year}"


def file_stem(report: ChannelReport) -> str:
    """channel-report-YYYY-MM, with -reseller-NAME for a reseller (NAME reduced to safe file-name characters)."""
    stem = f"channel-report-{report.period.month}"
    if report.scope.reseller is not None:
        stem += "-reseller-" + (re.sub(r"[^A-Za-z0-9._-]+", "_", report.scope.reseller) or "_")
    return stem


def _count(n: int) -> str:
    return f"{n:,}"


def _signed(n: int) -> str:
    return f"{n:+,}" if n else "0"


def ranked_rows(dimension: RankedDimension, months: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows of one dimension's table as the page shows them: words and ready numbers."""
    out = []
    for row in dimension.shown:
        muted = row.is_none or row.is_others
        out.append({
            "rank": str(row.rank) if row.rank else "", "label": row.label, "channel": row.channel,
            "css": "none" if row.is_none else "others" if row.is_others else "",
            "active": _count(row.active), "change": f"{_signed(row.active_change)} ({row.change_percent})",
            "assigned": _count(row.assigned_in_month), "in_stock": _count(row.in_stock),
            "disposed": _count(row.disposed_in_month), "spark": sparkline(row.series, months, muted),
        })
    return out


def headline_context(view: ReportView, previous_short: str) -> list[dict[str, str]]:
    figures = []
    for f in view.headline:
        signed = f.key == "active_change"
        figures.append({
            "key": f.key, "label": f.label, "value": _signed(f.value) if signed else _count(f.value),
            "previous": f"{previous_short}: {_signed(f.previous) if signed else _count(f.previous)}",
            "change": (f"new: none in use in {previous_short}" if f.change_percent == "new"
                       else f"{f.change_percent} against {previous_short}" if f.change_percent else ""),
        })
    return figures


def outlook_context(view: ReportView) -> list[dict[str, str]]:
    rows = []
    shown = [o for o in view.outlook if o.in_stock or o.sales]
    for o in shown[: view.top_channels or None]:
        rows.append({"label": o.label, "in_stock": _count(o.in_stock),
                     "average": "\u2013" if o.average_sales is None else f"{o.average_sales:,.1f}",
                     "left": o.months_left_text, "css": "low" if o.is_low else "",
                     "flag": "Running low" if o.is_low else ""})
    return rows


def dimension_context(d: RankedDimension, i: int, view: ReportView) -> dict[str, Any]:
    """One dimension's section: heading, table rows, total, the top-N note and the bar chart."""
    named = len(d.rows) - sum(r.is_none for r in d.rows)
    return {
        "heading": HEADINGS.get(d.name) or f"{d.field} (custom field)", "anchor": f"dimension-{i}",
        "rows": ranked_rows(d, view.spark_months), "show_total": len(d.rows) > 1,
        "total": {"active": _count(d.total.active), "change": f"{_signed(d.total.active_change)} ({d.total_percent})",
                  "assigned": _count(d.total.assigned_in_month), "in_stock": _count(d.total.in_stock),
                  "disposed": _count(d.total.disposed_in_month)},
        "cut_note": (f"The top {view.top_channels} of {named} {d.noun}; the others in one row (every channel: "
                     "the XLSX and CSV files).") if any(r.is_others for r in d.shown) else "",
        "chart": channel_bars(d),
    }


def html_context(report: ChannelReport) -> dict[str, Any]:
    """Everything the templates print, as words and ready numbers."""
    p = report.period
    view = report_view(report)
    outlook = outlook_context(view)
    fmt = "%Y-%m-%d %H:%M"
    as_of = f"{p.local(p.as_of):{fmt}} {p.timezone}"
    if p.is_current:
        period_text = (f"Month to date: cards as of {as_of}; changes since {p.local(p.start):{fmt}}.")
    else:
        period_text = (f"Cards at the end of the month ({as_of}); changes from "
                       f"{p.local(p.start):{fmt}} until then.")
    overview = report.overview
    return {
        "title": f"Sales channels, {month_label(p.month)}",
        "scope_label": "All cards" if report.scope.is_admin else f"Reseller {report.scope.reseller}",
        "month_label": month_label(p.month),
        "previous_label": month_label(p.previous_month),
        "previous_short": month_label(p.previous_month, short=True),
        "period_text": period_text,
        "timezone": p.timezone,
        "generated_at": f"{report.generated_at:{fmt}} UTC",
        "active_heading": "In use now" if p.is_current else "In use at month end",
        "trend_caption": "Cards in use at the end of each month"
                         + (f", and now for {month_label(p.month)} (the dark column)." if p.is_current
                            else f"; {month_label(p.month)} is the dark column."),
        "headline": headline_context(view, month_label(p.previous_month, short=True)),
        "running_low": [
            {"label": o.label, "text": f"{o.in_stock:,} in stock, {o.average_sales:,.1f} sold a month on average: "
                                       f"{o.months_left_text} left"}
            for o in view.running_low],
        "low_stock_text": f"{view.low_stock_months:g} month" + ("" if view.low_stock_months == 1 else "s"),
        "sales_months_text": f"{view.sales_months} month" + ("" if view.sales_months == 1 else "s"),
        "spark_text": (f"{month_label(view.spark_months[0], short=True)} to "
                       f"{month_label(view.spark_months[-1], short=True)}") if view.spark_months else "",
        "dimensions": [dimension_context(d, i, view) for i, d in enumerate(view.dimensions)],
        "outlook": outlook,
        "stock_when": "now" if p.is_current else "at month end",
        "outlook_cut": sum(1 for o in view.outlook if o.in_stock or o.sales) > len(outlook),
        "managers": [{"rank": str(m.rank), "label": m.label, "active": _count(m.active),
                      "assigned": _count(m.assigned_in_month), "in_stock": _count(m.in_stock)}
                     for m in view.managers],
        "overview": [
            {"heading": "Cards per status", "rows": [(LABELS.get(s, s), n) for s, n in overview.by_status.items()]},
            {"heading": "Cards per SIM type", "rows": list(overview.by_sim_type.items())},
            {"heading": "Cards per managed by",
             "rows": [("Administrator" if m == ADMIN else m, n) for m, n in overview.by_managed_by.items()]},
            {"heading": "Changes during the month",
             "rows": [(ACTION_LABELS.get(a, a), n) for a, n in overview.events.items()]},
        ],
        "trend": trend_columns(report.trend),
        "trend_text": "In numbers: " + "; ".join(f"{month_label(t.month, short=True)}: {t.active:,}"
                                                 for t in report.trend) + ".",
    }


def render_html(report: ChannelReport) -> str:
    return environment().get_template("channel_report.html").render(**html_context(report))


def _replace(path: Path, write) -> None:
    """Write beside the target and rename, so a reader never sees half a report."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_csv(report: ChannelReport, path: Path) -> None:
    """One row per dimension and channel; text a spreadsheet would run as a formula is neutralised."""
    def write(target: Path) -> None:
        with target.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            for row in report.rows():
                writer.writerow([neutralise_cell(row[c]) for c in CSV_COLUMNS])
    _replace(path, write)


def start_loading_pdf_engine() -> threading.Thread:
    """Import WeasyPrint on a thread while the report's queries run (0.5 s of Pango and fonts, bench case 5).

    DuckDB lets go of the GIL while it counts, so the import then costs the command nothing; `write_pdf`'s
    own import waits for this one (Python's per-module import lock). Not a daemon: an interpreter leaving
    in the middle of loading a C library may crash on the way out.
    """
    thread = threading.Thread(target=importlib.import_module, args=("weasyprint",), name="load-weasyprint")
    thread.start()
    return thread


def write_pdf(html: str, path: Path) -> None:
    from weasyprint import HTML  # imported here: loading Pango costs a second every other command would pay
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class NoFetching(URLFetcher):
        """The report is self-contained: a reference to anything outside it is a bug, not a download."""

        def fetch(self, url, headers=None):  # noqa: ARG002
            raise FatalURLFetchingError(f"the report refers to {url!r}; it must be self-contained")

    _replace(path, lambda target: HTML(string=html, base_url=None, url_fetcher=NoFetching()).write_pdf(target))


def write_report(report: ChannelReport, out_dir: Path) -> ReportFiles:
    """Write the HTML, CSV, PDF, XLSX and JSON sidecar of `report` into `out_dir` (created when missing),
    then rebuild the folder's index pages (report_index.py)."""
    from sim_pipeline.report.index import index_name, write_indexes
    from sim_pipeline.report.xlsx import write_xlsx

    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_stem(report)
    files = ReportFiles(html=out_dir / f"{stem}.html", csv=out_dir / f"{stem}.csv", pdf=out_dir / f"{stem}.pdf",
                        xlsx=out_dir / f"{stem}.xlsx", json=out_dir / f"{stem}.json",
                        index=out_dir / index_name(report.scope.reseller))
    html = render_html(report)
    _replace(files.html, lambda target: target.write_text(html, encoding="utf-8"))
    write_csv(report, files.csv)
    write_pdf(html, files.pdf)
    _replace(files.xlsx, lambda target: write_xlsx(report, report_view(report), target))
    names = {k: Path(v).name for k, v in files.as_dict().items() if k != "index"}
    sidecar = json.dumps(report_json(report, names), ensure_ascii=False, default=str)
    _replace(files.json, lambda target: target.write_text(sidecar + "\n", encoding="utf-8"))
    write_indexes(out_dir)
    return files
