"""An accessibility checker of the points the report promises (used by test_channel_report_a11y.py).

- every table has a <caption>; every header cell has scope (col in thead, row in tbody/tfoot);
- every SVG is role="img" with an aria-label and a <title> as its first child; a chart's figure has a
  caption (its text equivalent: the table above or the numbers written out);
- contrast over the style sheet's colours, on the white page: at least 4.5:1 for text (CSS `color`, SVG
  <text> fill), 3:1 for graphics (SVG shapes' fill and stroke);
- the page names its language and has a title.
Returns a list of problems, empty when the page passes.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

WHITE = (255, 255, 255)
TEXT_MIN, GRAPHICS_MIN = 4.5, 3.0
SHAPES = {"rect", "polyline", "line", "circle", "path", "polygon"}


def rgb(colour: str) -> tuple[int, int, int] | None:
    colour = colour.strip().lower()
    if m := re.fullmatch(r"#([0-9a-f]{3})", colour):
        return tuple(int(c * 2, 16) for c in m.group(1))
    if m := re.fullmatch(r"#([0-9a-f]{6})", colour):
        return tuple(int(m.group(1)[i:i + 2], 16) for i in (0, 2, 4))
    named = {"black": (0, 0, 0), "white": (255, 255, 255)}
    return named.get(colour)


def luminance(c: tuple[int, int, int]) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int] = WHITE) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.stack: list[tuple[str, dict]] = []
        self.table_first_child: list[bool] = []
        self.in_style = False
        self.style = ""
        self.svg_first: list[bool] = []
        self.html_lang = False
        self.title = False
        self.figures: list[dict] = []
        self.section: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        parent = self.stack[-1][0] if self.stack else None
        if tag == "html":
            self.html_lang = bool(a.get("lang"))
        if tag == "title" and parent == "head":
            self.title = True
        if tag == "style":
            self.in_style = True
        if self.table_first_child and self.table_first_child[-1] is None:
            self.table_first_child[-1] = tag == "caption"
        if tag == "table":
            self.table_first_child.append(None)
        if self.svg_first and self.svg_first[-1] is None:
            self.svg_first[-1] = tag == "title"
        if tag == "th":
            section = next((t for t, _ in reversed(self.stack) if t in ("thead", "tbody", "tfoot")), None)
            want = "col" if section == "thead" else "row"
            if a.get("scope") != want:
                self.problems.append(f"<th> in {section} without scope={want!r}: {a}")
        if tag == "svg":
            if a.get("role") != "img" or not a.get("aria-label"):
                self.problems.append(f"<svg> without role=img and aria-label: {a.get('class', '')}")
            self.svg_first.append(None)
            if self.figures and not a.get("class"):
                self.figures[-1]["charts"] += 1
        if tag == "figure":
            self.figures.append({"charts": 0, "caption": ""})
        if tag == "text" and "fill" in a:
            self._colour(a["fill"], TEXT_MIN, "SVG text")
        if tag in SHAPES:
            for key in ("fill", "stroke"):
                if a.get(key) and a[key] != "none":
                    self._colour(a[key], GRAPHICS_MIN, f"SVG {tag} {key}")
        if tag not in ("meta", "br", "img", "input", "link", "rect", "line", "circle", "polyline", "path", "polygon"):
            self.stack.append((tag, a))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        if tag == "table":
            if not self.table_first_child.pop():
                self.problems.append("a <table> whose first child is not its <caption>")
        if tag == "svg":
            if not self.svg_first.pop():
                self.problems.append("an <svg> whose first child is not its <title>")
        if tag == "figure":
            figure = self.figures.pop()
            if figure["charts"] and not figure["caption"].strip():
                self.problems.append("a chart without a figcaption (its text equivalent)")
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.in_style:
            self.style += data
        if self.figures and any(t == "figcaption" for t, _ in self.stack):
            self.figures[-1]["caption"] += data

    def _colour(self, value: str, minimum: float, what: str) -> None:
        c = rgb(value)
        if c is None:
            self.problems.append(f"{what}: colour {value!r} not checkable")
        elif contrast(c) < minimum:
            self.problems.append(f"{what}: {value} has contrast {contrast(c):.2f}:1 on white, below {minimum}:1")


def check_page(html: str) -> list[str]:
    checker = _Checker()
    checker.feed(html)
    problems = checker.problems
    if not checker.html_lang:
        problems.append("<html> without lang")
    if not checker.title:
        problems.append("no <title>")
    backgrounds = re.findall(r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]{3,6}|white)", checker.style)
    if any(rgb(b) != WHITE for b in backgrounds):
        problems.append(f"a background other than white: {backgrounds}")
    for value in re.findall(r"(?<![-\w])color\s*:\s*(#[0-9a-fA-F]{3,6}|\w+)", checker.style):
        c = rgb(value)
        if c is None or contrast(c) < TEXT_MIN:
            problems.append(f"style sheet text colour {value} below {TEXT_MIN}:1 on white")
    return problems
