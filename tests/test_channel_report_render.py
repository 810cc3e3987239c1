"""The report files: escaped HTML, formula-safe CSV, an offline PDF, templates without arithmetic, and the page
as headless Chromium renders it (screenshot kept in test-artifacts/)."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

from report_fixtures import History, add_custom_field, mega, mega_telecom
from sim_pipeline.actor import Actor
from sim_pipeline.report.channels import build_report
from sim_pipeline.store.db import open_inventory
from sim_pipeline.report.charts import channel_bars, compact, trend_columns
from sim_pipeline.report.view import rank_dimension
from sim_pipeline.report.render import (
    TEMPLATES_DIR, environment, file_stem, html_context, render_html, write_pdf, write_report,
)
from sim_pipeline.settings import load

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
SCRIPT = "<script>alert(1)</script>"
LINK = '=HYPERLINK("http://evil.example/","click")'


@pytest.fixture
def hostile(tmp_path):
    """An inventory whose channel names are markup and spreadsheet formulas."""
    settings = load(tmp_path / "hostile", now_text="2025-12-05T08:00:00Z")
    with open_inventory(settings) as con:
        add_custom_field(con, "Marketplace", datetime(2025, 9, 1))
        add_custom_field(con, "+Channel", datetime(2025, 9, 1))
        h = History(con)
        h.ingest(mega(1, 6), datetime(2025, 10, 1, 9))
        h.change(mega(1, 2), datetime(2025, 10, 2), "update", custom={"Marketplace": SCRIPT, "+Channel": "x"})
        h.change(mega(3, 4), datetime(2025, 10, 2), "update", custom={"Marketplace": LINK})
        h.change(mega(5, 5), datetime(2025, 10, 3), "allocate", distributor="@SUM(A1)", representative="-2+3")
        h.change(mega(1, 5), datetime(2025, 10, 4), "assign", "in_use", customer="Acme")
        report = build_report(con, settings, "2025-10")
    return report, write_report(report, settings.home / "reports")


def test_markup_in_channel_names_is_escaped_in_the_html(hostile):
    report, files = hostile
    html = files.html.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # the table and the chart's label
    assert "=HYPERLINK(&#34;http://evil.example/&#34;,&#34;click&#34;)" in html


def test_formulas_in_text_cells_are_neutralised_in_the_csv(hostile):
    report, files = hostile
    with files.csv.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    cells = {(r["dimension"], r["channel"]): r for r in rows}
    assert ("distributor", "'@SUM(A1)") in cells
    assert ("representative", "'-2+3") in cells
    assert ("Marketplace", "'" + LINK) in cells and ("Marketplace", SCRIPT) in cells
    assert cells["'+Channel", "x"]["active"] == "2"
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for v in r.values()
                   if not v.lstrip("-").isdigit())


def test_the_html_is_one_self_contained_file(hostile):
    _report, files = hostile
    html = files.html.read_text(encoding="utf-8")
    for outside in (r"\bsrc\s*=", r"\bhref\s*=", r"url\(", r"@import", r"<script", r"<link", r"<iframe"):
        assert not re.search(outside, html, re.IGNORECASE), outside
    sparklines = html.count('<svg xmlns="http://www.w3.org/2000/svg" class="sparkline"')
    assert sparklines == sum(len(d.channels) for d in _report.dimensions)  # fewer than top_channels each
    assert html.count("<svg") == 1 + len(_report.dimensions) + sparklines


def test_the_pdf_is_written_offline(hostile, tmp_path):
    _report, files = hostile
    assert files.pdf.read_bytes().startswith(b"%PDF-")
    from weasyprint.urls import FatalURLFetchingError

    with pytest.raises(FatalURLFetchingError, match="self-contained"):
        write_pdf('<img src="http://127.0.0.1:9/x.png">', tmp_path / "leak.pdf")
    assert not (tmp_path / "leak.pdf").exists()


def test_every_html_template_is_autoescaped_and_strict():
    env = environment()
    names = sorted(p.name for p in TEMPLATES_DIR.glob("*.html"))
    assert names == ["base.html", "channel_report.html", "charts.html", "index.html"]
    assert all(env.autoescape(name) for name in names)
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("channel_report.html").render(title="only a title")


def test_templates_hold_no_arithmetic():
    env = environment()
    arithmetic = (nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow, nodes.Neg)
    for path in TEMPLATES_DIR.glob("*.html"):
        tree = env.parse(path.read_text(encoding="utf-8"))
        found = [type(n).__name__ for n in tree.find_all(arithmetic)]
        assert not found, f"{path.name}: {found}"


def test_reseller_names_become_safe_file_names(hostile):
    report, _files = hostile
    assert file_stem(report) == "channel-report-2025-10"
    evil = type(report)(**{**report.__dict__, "scope": Actor("../../etc/Bob's shop")})
    assert file_stem(evil) == "channel-report-2025-10-reseller-.._.._etc_Bob_s_shop"
    assert "/" not in file_stem(evil)
    assert "Reseller ../../etc/Bob&#39;s shop" in render_html(evil)


def test_charts_scale_bars_to_the_longest_and_label_every_month(hostile):
    report, _files = hostile
    marketplace = next(d for d in report.dimensions if d.name == "Marketplace")
    chart = channel_bars(rank_dimension(marketplace, {}, 0, 15))
    widths = {bar.title: bar.width for bar in chart.bars}
    assert widths[SCRIPT + ": 2"] == widths[LINK + ": 2"] > 0 and widths["no Marketplace: 1"] == widths[SCRIPT + ": 2"] / 2
    assert chart.bars[1].label == LINK[:27] + "\u2026" and chart.bars[1].title == LINK + ": 2"
    assert chart.bars[-1].is_muted and not chart.bars[0].is_muted
    trend = trend_columns(report.trend)
    assert [c.month_label for c in trend.columns][:3] == ["Nov", "Dec", "Jan"]
    assert [c.year_label for c in trend.columns if c.year_label] == ["2024", "2025"]
    assert trend.columns[-1].is_report_month and trend.columns[-1].value == 5
    assert (compact(99_999), compact(250_400), compact(1_234_567)) == ("99,999", "250k", "1.2M")


def test_the_html_says_which_timezone_ends_the_month(hostile):
    report, files = hostile
    html = files.html.read_text(encoding="utf-8")
    assert "Months end at midnight in UTC." in html
    assert html_context(report)["period_text"] == (
        "Cards at the end of the month (2025-11-01 00:00 UTC); changes from 2025-10-01 00:00 until then.")


# --- the page in a real browser -------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                    reason="chromium is not installed (make chromium); in CI this test must run")


def chromium(page: Path, workdir: Path, screenshot: Path | None = None) -> tuple[str, list[tuple[str, str]]]:
    """Load `page` in headless Chromium: the DOM it built, and (initiator, url) of every network request."""
    net_log = workdir / "net-log.json"
    args = [CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={workdir / 'profile'}", f"--log-net-log={net_log}", "--window-size=900,2600",
            "--hide-scrollbars"]
    if screenshot is not None:
        args.append(f"--screenshot={screenshot}")
    done = subprocess.run([*args, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requests = [(e["params"].get("initiator", ""), e["params"]["url"]) for e in log["events"]
                if e["type"] == start_job and "url" in e.get("params", {})]
    return done.stdout, requests


def page_requests(requests: list[tuple[str, str]]) -> list[str]:
    """URLs the page asked for. Chromium's own services (component updater, network time, account check)
    still call out despite the flags; they carry the initiator "not an origin", a page's requests its origin."""
    return [url for initiator, url in requests if initiator != "not an origin"]


@pytest.mark.browser
@needs_chromium
def test_report_renders_in_chromium_with_no_request_but_the_file(tmp_path):
    settings = load(tmp_path / "mega", now_text="2025-12-05T08:00:00Z")
    with open_inventory(settings) as con:
        history = mega_telecom(con, until=datetime(2025, 11, 1))
        history.change(mega(300, 300), datetime(2025, 10, 31, 23, 45), "update", custom={"Marketplace": SCRIPT})
        report = build_report(con, settings, "2025-10")
    files = write_report(report, settings.home / "reports")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "channel-report-2025-10.png"
    shot.unlink(missing_ok=True)
    dom, requests = chromium(files.html, tmp_path, screenshot=shot)

    assert page_requests(requests) in ([], [files.html.as_uri()])
    assert '<table class="channels">' in dom and dom.count('role="img"') == dom.count("<svg")
    assert "Adam Smith" in dom and "Sales channels, October 2025" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and "<script" not in dom.lower()

    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (900, 2600)
        grey = image.convert("L")
        dark = sum(grey.histogram()[:100])
    assert dark > 20_000, "the screenshot is (nearly) blank"


@pytest.mark.browser
@needs_chromium
def test_the_request_check_sees_a_page_that_calls_out(tmp_path):
    leak = tmp_path / "leak.html"
    leak.write_text('<!doctype html><img src="http://127.0.0.1:9/x.png"><p>hi</p>', encoding="utf-8")
    _dom, requests = chromium(leak, tmp_path)
    assert page_requests(requests) == ["http://127.0.0.1:9/x.png"]


def test_formulas_in_channel_names_are_text_cells_in_the_xlsx(hostile):
    import polars as pl
    from zipfile import ZipFile

    _report, files = hostile
    marketplace = pl.read_excel(files.xlsx, sheet_name="Marketplace")
    assert set(marketplace["Channel"]) == {SCRIPT, LINK, "no Marketplace"}
    distributors = pl.read_excel(files.xlsx, sheet_name="distributor")
    assert distributors["Channel"].to_list() == ["@SUM(A1)", "no distributor"]
    with ZipFile(files.xlsx) as z:
        assert not any("<f>" in z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert pl.read_excel(files.xlsx, sheet_name="+Channel")["Channel"].to_list() == ["x", "no +Channel"]


@pytest.mark.browser
@needs_chromium
def test_headline_and_first_ranked_row_are_in_the_first_800_pixels_at_1280_wide(tmp_path):
    from cdp import evaluate, open_page
    from report_fixtures import forty_distributors

    settings = load(tmp_path / "forty", now_text="2025-12-05T08:00:00Z")
    with open_inventory(settings) as con:
        forty_distributors(con)
        report = build_report(con, settings, "2025-11")
    files = write_report(report, settings.home / "reports")
    browser, session, urls = open_page(CHROMIUM or "chromium", files.html, tmp_path / "profile")
    try:
        assert urls == [files.html.as_uri()]  # the file itself, nothing else
        width = evaluate(browser, session, "window.innerWidth")
        boxes = evaluate(browser, session, """JSON.stringify({
            headline: document.querySelector('#headline').getBoundingClientRect(),
            first: document.querySelector('table.channels tbody tr').getBoundingClientRect(),
            low: document.querySelector('#running-low').getBoundingClientRect(),
            firstName: document.querySelector('table.channels tbody tr th').textContent})""")
        shot = browser.send("Page.captureScreenshot", session, format="png")["data"]
    finally:
        browser.close()
    import base64

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "channel-report-forty-1280.png").write_bytes(base64.b64decode(shot))
    boxes = json.loads(boxes)
    assert width == 1280
    assert boxes["firstName"] == "D1"
    for name in ("headline", "first", "low"):
        assert 0 <= boxes[name]["top"] and boxes[name]["bottom"] <= 800, (name, boxes[name])


@pytest.mark.browser
@needs_chromium
def test_the_devtools_request_log_sees_a_page_that_calls_out(tmp_path):
    from cdp import open_page

    leak = tmp_path / "leak.html"
    leak.write_text('<!doctype html><img src="http://127.0.0.1:9/x.png"><p>hi</p>', encoding="utf-8")
    browser, _session, urls = open_page(CHROMIUM or "chromium", leak, tmp_path / "profile")
    browser.close()
    assert urls == [leak.as_uri(), "http://127.0.0.1:9/x.png"]
