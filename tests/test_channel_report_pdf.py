"""The report's PDF as a reader holds it: A4 pages rendered to PNG (pypdfium2), kept in test-artifacts/pdf/.

Checks: the page count of each scenario; on no page but the last does the content end above a third of
the page (the footer band left out); every page's footer holds its number and the month; page 1 holds the
headline, the running-low box and the first dimension's table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from report_fixtures import forty_distributors, mega_telecom
from sim_pipeline.report.channels import build_report
from sim_pipeline.store.db import open_inventory
from sim_pipeline.report.render import write_report
from sim_pipeline.settings import load

pdfium = pytest.importorskip("pypdfium2")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "pdf"
FOOTER_BAND = 16 / 297          # the bottom margin (16 mm of 297) holds the footer
WHITE = 250


def pages(pdf: Path, name: str) -> list[dict]:
    """Each page: its PNG (kept), size, where its content ends (fraction of the height) and its text."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    out = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for i, page in enumerate(doc, start=1):
            image = page.render(scale=1).to_pil().convert("L")
            png = ARTIFACTS / f"{name}-{i}.png"
            image.save(png)
            width, height = image.size
            px = image.load()
            band = int(height * (1 - FOOTER_BAND))
            rows = [y for y in range(band) if any(px[x, y] < WHITE for x in range(width))]
            text = " ".join(page.get_textpage().get_text_range().split())
            out.append({"png": png, "size": (width, height), "content_end": (max(rows) if rows else 0) / height,
                        "text": text, "footer_text": footer(page)})
    finally:
        doc.close()
    return out


def footer(page) -> str:
    """The text in the footer band."""
    width, height = page.get_size()
    return page.get_textpage().get_text_bounded(left=0, bottom=0, right=width, top=height * FOOTER_BAND)


def check_pages(found: list[dict], month: str) -> None:
    assert all(p["size"] == (596, 842) for p in found)  # A4 at 72 dpi
    for number, page in enumerate(found, start=1):
        assert f"Page {number} of {len(found)}" in page["footer_text"], page["footer_text"]
        assert month in page["footer_text"]
        if number < len(found):
            assert page["content_end"] > 1 / 3, f"page {number} ends at {page['content_end']:.2f} of its height"


def test_pdf_of_the_test_scenario(tmp_path):
    settings = load(tmp_path / "mega", now_text="2025-12-05T08:00:00Z")
    with open_inventory(settings) as con:
        mega_telecom(con)
        report = build_report(con, settings, "2025-10")
    files = write_report(report, settings.home / "reports")
    found = pages(files.pdf, "mega-2025-10")
    assert len(found) == 4
    check_pages(found, "October 2025")
    first = found[0]["text"]
    assert "Cards in use at month end" in first and "Distributors" in first and "Adam Smith" in first


def test_pdf_of_forty_distributors(tmp_path):
    settings = load(tmp_path / "forty", now_text="2025-12-05T08:00:00Z")
    with open_inventory(settings) as con:
        forty_distributors(con)
        report = build_report(con, settings, "2025-11")
    files = write_report(report, settings.home / "reports")
    found = pages(files.pdf, "forty-2025-11")
    assert len(found) == 5
    check_pages(found, "November 2025")
    first = found[0]["text"]
    assert "Running low" in first and "Distributor D2" in first and "Distributors" in first
    # the table broke across pages 1 and 2: its header rows repeat
    assert found[1]["text"].count("Newly") >= 1 and "Others (25" in found[1]["text"]
    assert "no distributor" in found[1]["text"]


def test_page_check_sees_a_nearly_empty_page(tmp_path):
    from sim_pipeline.report.render import write_pdf

    html = ("<html><body><div style='height:200mm; border:1px solid #000'>tall</div>"
            "<p style='break-before: page'>B</p><p style='break-before: page'>C</p></body></html>")
    write_pdf(html, tmp_path / "gap.pdf")
    found = pages(tmp_path / "gap.pdf", "check-gap")
    assert len(found) == 3 and found[1]["content_end"] < 1 / 3
    assert found[0]["content_end"] > 1 / 3
    with pytest.raises(AssertionError, match="page 2 ends"):
        check_pages([{**p, "footer_text": f"Page {i} of 3 May"} for i, p in enumerate(found, start=1)], "May")
