"""The report folder's index: `channel-report-YYYY-MM.json` sidecars and the `index.html` pages built from them.

Every report run writes a sidecar beside its files: the JSON that `report --json` prints, with `files`
holding the names of the month's files in the folder (not paths, so the folder can move). The index pages
are rebuilt from every sidecar in the folder: `index.html` for the administrator's reports,
`index-reseller-NAME.html` for each reseller's; newest month first, each with its headline numbers and
links to its HTML, PDF, XLSX and CSV. A sidecar that cannot be read is skipped, never fatal.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SIDECAR = re.compile(r"^channel-report-(\d{4}-\d{2})(?:-reseller-(.+))?\.json$")
LINKS = (("html", "HTML"), ("pdf", "PDF"), ("xlsx", "XLSX"), ("csv", "CSV"))


def safe_name(name: str) -> str:
    """A reseller's name reduced to safe file-name characters (as in report file names)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "_"


def index_name(reseller: str | None) -> str:
    return "index.html" if reseller is None else f"index-reseller-{safe_name(reseller)}.html"


def read_sidecars(folder: Path) -> dict[str | None, list[dict[str, Any]]]:
    """Sidecars per reseller (None = the administrator), newest month first."""
    found: dict[str | None, list[dict[str, Any]]] = {}
    for path in folder.glob("channel-report-*.json"):
        if not SIDECAR.match(path.name):
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or "month" not in data or "headline" not in data:
            continue
        scope = str(data.get("scope", "admin"))
        reseller = scope.removeprefix("reseller:") if scope.startswith("reseller:") else None
        found.setdefault(reseller, []).append(data)
    for entries in found.values():
        entries.sort(key=lambda d: d["month"], reverse=True)
    return found


def index_context(reseller: str | None, entries: list[dict[str, Any]], folder: Path) -> dict[str, Any]:
    from sim_pipeline.report.render import month_label

    rows = []
    for data in entries:
        h = data["headline"]
        files = data.get("files", {})
        rows.append({
            "month": month_label(data["month"]),
            "in_use": f"{h['active']['value']:,}",
            "change": (f"{h['active_change']['value']:+,}" if h["active_change"]["value"] else "0")
                      + f" ({h['active'].get('change_percent', '')})",
            "sold": f"{h['assigned_in_month']['value']:,}",
            "in_stock": f"{h['in_stock']['value']:,}",
            "running_low": ", ".join(o["channel"] for o in data.get("running_low", [])) or "none",
            "current": " (month to date)" if data.get("is_current_month") else "",
            "links": [{"href": files[k], "label": label} for k, label in LINKS
                      if k in files and (folder / files[k]).exists()],
        })
    return {"title": "Sales-channel reports" + (f": reseller {reseller}" if reseller else ""),
            "scope_label": f"Reseller {reseller}" if reseller else "All cards", "rows": rows}


def write_indexes(folder: Path) -> list[Path]:
    """Rebuild every index page of `folder` from its sidecars; returns the pages written."""
    from sim_pipeline.report.render import _replace, environment

    written = []
    template = environment().get_template("index.html")
    for reseller, entries in read_sidecars(folder).items():
        html = template.render(**index_context(reseller, entries, folder))
        page = folder / index_name(reseller)
        _replace(page, lambda target, text=html: target.write_text(text, encoding="utf-8"))
        written.append(page)
    return written
