"""The same numbers in every format: the JSON (and its sidecar), the HTML (parsed), the XLSX (read back with
polars) and the CSV, on the 40-distributor scenario with known answers (tests/report_fixtures.py)."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from report_fixtures import forty_distributors
from sim_pipeline.store.db import open_inventory
from sim_pipeline.settings import load

NOW = "2025-12-05T08:00:00Z"


class Page(HTMLParser):
    """The parts of a report page the tests read: headline figures, table rows by table class, list items."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, str] = {}
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.running_low: list[str] = []
        self._figure: str | None = None
        self._in_value = self._in_cell = self._in_li = self._in_svg = False
        self._in_body = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self._in_svg = True
        if tag == "div" and (a.get("id") or "").startswith("figure-"):
            self._figure = a["id"].removeprefix("figure-")
        if tag == "p" and a.get("class") == "figure-value":
            self._in_value, self._text = True, []
        if tag == "table":
            self.tables.append((a.get("class") or "", []))
        if tag == "tbody":
            self._in_body = True
        if tag == "tr" and self._in_body:
            self.tables[-1][1].append([])
        if tag in ("td", "th") and self._in_body:
            self._in_cell, self._text = True, []
        if tag == "li":
            self._in_li, self._text = True, []

    def handle_endtag(self, tag):
        if tag == "svg":
            self._in_svg = False
        if tag == "p" and self._in_value:
            self.figures[self._figure] = "".join(self._text).strip()
            self._in_value = False
        if tag == "tbody":
            self._in_body = False
        if tag in ("td", "th") and self._in_cell:
            self.tables[-1][1][-1].append("".join(self._text).strip())
            self._in_cell = False
        if tag == "li" and self._in_li:
            self.running_low.append("".join(self._text).strip())
            self._in_li = False

    def handle_data(self, data):
        if not self._in_svg and (self._in_value or self._in_cell or self._in_li):
            self._text.append(data)


def number(text: str) -> int:
    return int(text.split(" ")[0].replace(",", "").replace("+", ""))


@pytest.fixture
def november(cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("SIM_PIPELINE_NOW", NOW)
    with open_inventory(load(home, now_text=NOW)) as con:
        forty_distributors(con)
    result = cli("report", "--month", "2025-11", "--json")
    assert result.exit_code == 0, result.stderr
    return result.json_lines[0]


def test_json_html_xlsx_and_csv_agree(november):
    files = {k: Path(v) for k, v in november["files"].items()}
    sidecar = json.loads(files["json"].read_text(encoding="utf-8"))
    assert sidecar["files"] == {k: Path(v).name for k, v in november["files"].items() if k != "index"}
    assert {k: v for k, v in sidecar.items() if k not in ("files",)} == {
        k: v for k, v in november.items() if k not in ("files",)}

    with files["csv"].open(encoding="utf-8", newline="") as f:
        csv_rows = {(r["dimension"], r["channel"]): r for r in csv.DictReader(f)}
    assert len(csv_rows) == 41 + 1 + 1 + 4  # the CSV: every channel, unranked (D1, D10, D11, ... A-Z)
    assert list(csv_rows)[:3] == [("distributor", "D1"), ("distributor", "D10"), ("distributor", "D11")]

    page = Page()
    page.feed(files["html"].read_text(encoding="utf-8"))
    headline = november["headline"]
    assert number(page.figures["active"]) == headline["active"]["value"] == 168
    assert number(page.figures["active_change"]) == headline["active_change"]["value"] == 53
    assert number(page.figures["assigned_in_month"]) == headline["assigned_in_month"]["value"] == 53
    assert number(page.figures["in_stock"]) == headline["in_stock"]["value"] == 873
    assert number(page.figures["disposed_in_month"]) == 0

    channel_tables = [rows for cls, rows in page.tables if cls == "channels"]
    assert len(channel_tables) == 4
    for (dimension, ranking), rows in zip(november["ranking"].items(), channel_tables):
        assert [r[1] for r in rows] == [s["label"] for s in ranking["shown"]]
        for cells, shown in zip(rows, ranking["shown"]):
            assert [number(cells[i]) for i in (2, 3, 5, 6, 7)] == [
                shown[k] for k in ("active", "active_change", "assigned_in_month", "in_stock", "disposed_in_month")]
            assert cells[3].endswith(f"({shown['change_percent']})")
            if shown["channel"] != "(others)":
                row = csv_rows[dimension, shown["channel"]]
                assert [shown[k] for k in ("active", "assigned_in_month", "in_stock", "disposed_in_month",
                                           "active_change")] == [
                    int(row[k]) for k in ("active", "assigned_in_month", "in_stock", "disposed_in_month",
                                          "active_change")]
    others = channel_tables[0][15]
    assert others[1] == "Others (25 distributors)" and number(others[2]) == 24 == sum(
        int(r["active"]) for (d, c), r in csv_rows.items() if d == "distributor" and c not in
        {"(none)", "D1", "D6", "D10", "D12", "D2", "D3", "D4", "D5", "D7", "D8", "D9", "D11", "D13", "D14", "D15"})
    assert channel_tables[0][-1][1] == "no distributor"

    assert page.running_low[0].startswith("Distributor D2: 0 in stock")
    assert page.running_low[1].startswith("Distributor D1: 1 in stock, 3.0 sold a month on average: 0.3 months left")
    [outlook_rows] = [rows for cls, rows in page.tables if cls == "outlook"]
    assert [r[0] for r in outlook_rows[:3]] == ["Distributor D2", "Distributor D1", "Distributor D6"]
    [managers] = [rows for cls, rows in page.tables if cls == "managers"]
    assert [(r[1], number(r[2]), number(r[3]), number(r[4])) for r in managers] == [
        ("Administrator (own cards)", 158, 43, 833), ("Zed", 10, 10, 40)]

    sheets = pl.read_excel(files["xlsx"], sheet_id=0)
    assert list(sheets) == ["Summary", "distributor", "representative", "direct", "Marketplace", "Stock outlook"]
    summary = sheets["Summary"]
    assert summary["This month"].to_list() == [headline[k]["value"] for k in headline]
    assert summary["Previous month"].to_list() == [headline[k]["previous"] for k in headline]
    distributors = sheets["distributor"]
    assert distributors.schema["In use"] == pl.Int64 and distributors.height == 41
    assert distributors["Channel"].to_list() == [
        "no distributor" if c == "(none)" else c for c in november["ranking"]["distributor"]["all"]]
    for row in distributors.iter_rows(named=True):
        channel = "(none)" if row["Channel"] == "no distributor" else row["Channel"]
        csv_row = csv_rows["distributor", channel]
        assert (row["In use"], row["Newly assigned"], row["In stock"], row["Disposed"], row["Change"]) == tuple(
            int(csv_row[k]) for k in ("active", "assigned_in_month", "in_stock", "disposed_in_month", "active_change"))
    outlook = sheets["Stock outlook"]
    assert outlook.rows()[:2] == [("distributor", "D2", 0, 1, 3, 0.33, 0.0, "running low"),
                                  ("distributor", "D1", 1, 9, 3, 3.0, 0.33, "running low")]
    assert outlook.height == len(november["stock_outlook"]) == 40 + 1 + 3


def test_xlsx_cells_are_typed_with_frozen_header_autofilter_and_widths(november):
    from zipfile import ZipFile

    with ZipFile(november["files"]["xlsx"]) as z:
        sheet = z.read("xl/worksheets/sheet2.xml").decode()
    assert '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' in sheet
    assert '<autoFilter ref="A1:I42"/>' in sheet and "<col " in sheet
    assert 't="s"' in sheet and "<v>9</v>" in sheet  # text as shared strings, numbers as numbers


def test_index_pages_list_every_month_newest_first_with_links(cli, november, home):
    for args in (("--month", "2025-10"), ("--month", "2025-11", "--as", "reseller:Zed"),
                 ("--month", "2025-09", "--as", "reseller:Zed")):
        assert cli("report", *args).exit_code == 0
    reports = home / "reports"
    (reports / "channel-report-2025-08.json").write_text("{not json", encoding="utf-8")  # skipped, not fatal
    assert cli("report", "--month", "2025-09").exit_code == 0
    page = Page()
    page.feed((reports / "index.html").read_text(encoding="utf-8"))
    [rows] = [rows for cls, rows in page.tables if cls == "index"]
    assert [r[0] for r in rows] == ["November 2025", "October 2025", "September 2025"]
    assert rows[0][1:6] == ["168", "+53 (+46%)", "53", "873", "D2, D1"]
    assert rows[0][6] == "HTML · PDF · XLSX · CSV"
    html = (reports / "index.html").read_text(encoding="utf-8")
    for ext in ("html", "pdf", "xlsx", "csv"):
        assert f'href="channel-report-2025-11.{ext}"' in html and (reports / f"channel-report-2025-11.{ext}").exists()
    assert "reseller" not in html
    zed = Page()
    zed.feed((reports / "index-reseller-Zed.html").read_text(encoding="utf-8"))
    [zrows] = [rows for cls, rows in zed.tables if cls == "index"]
    assert [r[0] for r in zrows] == ["November 2025", "September 2025"] and zrows[0][1] == "10"



def test_none_is_last_muted_and_in_words_in_page_and_charts(november):
    html = Path(november["files"]["html"]).read_text(encoding="utf-8")
    section = html[html.index('id="dimension-0"'):html.index('id="dimension-1"')]
    rows = section[section.index("<tbody>"):section.index("</tbody>")].split("<tr")[1:]
    assert 'class="none"' in rows[-1] and "no distributor" in rows[-1] and "(none)" not in section
    assert 'class="others"' in rows[-2] and all('class="' not in r.split(">")[0] for r in rows[:15])
    chart = section[section.index("<figure>"):]
    bars = chart.split("<g>")[1:]
    assert 'fill="#767676"' in bars[-1] and "no distributor: 110 (bar cut)" in bars[-1]
    assert 'fill="#333333"' in bars[0] and "D1: 9" in bars[0]
