"""The channel report as a workbook a manager pastes from (xlsxwriter): typed numbers, no encoding trap.

Sheets: "Summary" (the headline), one per dimension (every channel, ranked, `(none)` last), "Stock outlook".
Each sheet has a frozen header row, an autofilter and column widths. Text is always written as text
(`write_string`): a channel named `=HYPERLINK(...)` is a name, never a formula.
"""

from __future__ import annotations

import re
from pathlib import Path

from sim_pipeline.report.channels import ChannelReport
from sim_pipeline.report.view import ReportView

SUMMARY, OUTLOOK = "Summary", "Stock outlook"
DIMENSION_COLUMNS = ["Rank", "Channel", "In use", "Previous month", "Change", "Change %", "Newly assigned",
                     "In stock", "Disposed"]
OUTLOOK_COLUMNS = ["Dimension", "Channel", "In stock", "Sold in the months counted", "Months counted",
                   "Sold a month", "Months of stock", "Note"]
SUMMARY_COLUMNS = ["Month", "Scope", "Figure", "This month", "Previous month", "Change %"]
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_names(dimensions: list[str]) -> list[str]:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    taken = {SUMMARY.casefold(), OUTLOOK.casefold()}
    names = []
    for dimension in dimensions:
        base = (_SHEET_BAD.sub("_", dimension).strip("'") or "dimension")[:31]
        name, n = base, 2
        while name.casefold() in taken:
            suffix = f" ({n})"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        taken.add(name.casefold())
        names.append(name)
    return names


def write_xlsx(report: ChannelReport, view: ReportView, path: Path) -> None:
    import xlsxwriter  # here: only report writing needs it

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    head = book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom"})
    count = book.add_format({"num_format": "#,##0"})
    months = book.add_format({"num_format": "0.00"})

    def table(sheet, columns: list[str], rows: list[list], widths: list[int]) -> None:
        for c, name in enumerate(columns):
            sheet.write_string(0, c, name, head)
            sheet.set_column(c, c, widths[c])
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values):
                if value is None:
                    sheet.write_blank(r, c, None)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, int):
                    sheet.write_number(r, c, value, count)
                elif isinstance(value, float):
                    sheet.write_number(r, c, value, months)
                else:
                    sheet.write_string(r, c, str(value))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)

    summary = book.add_worksheet(SUMMARY)
    month, scope = report.period.month, report.scope.label
    table(summary, SUMMARY_COLUMNS,
          [[month, scope, f.label, f.value, f.previous, f.change_percent or ""] for f in view.headline],
          [9, max(len(scope), 8) + 2, 36, 12, 16, 10])
    summary.set_footer(f"&LMonths end at midnight in {report.period.timezone}; generated "
                       f"{report.generated_at:%Y-%m-%d %H:%M} UTC")

    for name, dimension in zip(sheet_names([d.name for d in view.dimensions]), view.dimensions):
        sheet = book.add_worksheet(name)
        longest = max([len(r.label) for r in dimension.rows] + [12])
        table(sheet, DIMENSION_COLUMNS,
              [[r.rank, r.label, r.active, r.previous_active, r.active_change, r.change_percent,
                r.assigned_in_month, r.in_stock, r.disposed_in_month] for r in dimension.rows],
              [6, min(longest + 2, 60), 10, 14, 10, 10, 14, 10, 10])

    sheet = book.add_worksheet(OUTLOOK)
    table(sheet, OUTLOOK_COLUMNS,
          [[o.dimension, o.channel, o.in_stock, o.sales, o.months_counted, o.average_sales, o.months_left,
            "running low" if o.is_low else "no sales" if o.months_left is None else ""] for o in view.outlook],
          [16, max([len(o.channel) for o in view.outlook] + [12]) + 2, 10, 14, 10, 12, 12, 12])
    book.close()
