"""Accessibility of the report pages, by the checker in a11y_check.py: captions, th scope, SVG titles and
text equivalents, contrast of the style sheet's and the charts' colours."""

from __future__ import annotations


import pytest

from a11y_check import check_page, contrast, rgb
from report_fixtures import forty_distributors, mega_telecom
from sim_pipeline.report.channels import build_report
from sim_pipeline.store.db import open_inventory
from sim_pipeline.report.render import write_report
from sim_pipeline.settings import load


@pytest.mark.parametrize("scenario, month", [(mega_telecom, "2025-10"), (forty_distributors, "2025-11")])
def test_report_and_index_pages_pass_the_checker(tmp_path, scenario, month):
    settings = load(tmp_path / "inv", now_text="2025-12-05T08:00:00Z")
    with open_inventory(settings) as con:
        scenario(con)
        report = build_report(con, settings, month)
    files = write_report(report, settings.home / "reports")
    for page in (files.html, files.index):
        html = page.read_text(encoding="utf-8")
        assert check_page(html) == [], page.name
    html = files.html.read_text(encoding="utf-8")
    assert html.count("<caption") == html.count("<table")
    assert "In numbers: " in html  # the trend's text equivalent


def test_the_checker_finds_each_kind_of_problem():
    bad = """<!doctype html><html><head><style>p { color: #aaa; }</style></head><body>
    <table><tbody><tr><th>x</th><td>1</td></tr></tbody></table>
    <figure><svg xmlns="http://www.w3.org/2000/svg"><rect fill="#ddd"/><text fill="#999">a</text></svg></figure>
    </body></html>"""
    problems = "\n".join(check_page(bad))
    for expected in ("<html> without lang", "no <title>", "#aaa below 4.5", "first child is not its <caption>",
                     "without scope='row'", "<svg> without role=img", "first child is not its <title>",
                     "SVG rect fill: #ddd", "SVG text: #999", "chart without a figcaption"):
        assert expected in problems, expected
    assert round(contrast(rgb("#767676")), 2) == 4.54 and contrast(rgb("#000")) == 21
