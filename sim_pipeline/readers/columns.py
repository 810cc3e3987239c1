"""File headers -> canonical column names (schemas.vocabulary.UPLOAD_COLUMNS).

Headers match case-insensitively, ignoring surrounding spaces; `<Name> custom` names a custom field.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from schemas.vocabulary import CUSTOM_PREFIX, CUSTOM_SUFFIX, DISPLAY_NAMES, UPLOAD_COLUMNS
from sim_pipeline.cell_checks import display  # noqa: F401  (re-exported: readers name columns with it)

_ALIASES = {alias: canonical for canonical, aliases in UPLOAD_COLUMNS.items() for alias in aliases}
MANDATORY = ("iccid", "imsi")


def _key(header: str) -> str:
    return " ".join(header.strip().lower().replace("_", " ").split())


_ALIAS_KEYS = {_key(a): c for a, c in _ALIASES.items()}


def canonical(header: str) -> str | None:
    """The canonical name of one header, `custom:<Name>` for a custom column, None when unknown."""
    text = header.strip()
    if text.lower().endswith(CUSTOM_SUFFIX) and len(text) > len(CUSTOM_SUFFIX):
        return CUSTOM_PREFIX + text[: -len(CUSTOM_SUFFIX)].strip()
    return _ALIAS_KEYS.get(_key(text))


def suggest(header: str) -> str | None:
    """The closest known header, for a typo."""
    names = [DISPLAY_NAMES[c] for c in UPLOAD_COLUMNS] + ["<Name> custom"]
    match = difflib.get_close_matches(header.strip(), names, n=1, cutoff=0.6)
    if not match:
        match = difflib.get_close_matches(_key(header), list(_ALIAS_KEYS), n=1, cutoff=0.6)
        match = [display(_ALIAS_KEYS[match[0]])] if match else []
    return match[0] if match else None


@dataclass
class HeaderMap:
    """The outcome of mapping a header row: which source column becomes which canonical column."""

    columns: dict[int, str] = field(default_factory=dict)  # source position -> canonical name
    errors: list[str] = field(default_factory=list)        # file-level problems (reject)
    skipped: list[str] = field(default_factory=list)       # vendor columns the inventory does not keep


def map_headers(headers: list[str], *, skip_unknown: bool) -> HeaderMap:
    """Map a header row. Unknown headers are errors (CSV/XLSX: usually a typo) or skipped (vendor .out)."""
    out = HeaderMap()
    seen: dict[str, str] = {}
    for pos, header in enumerate(headers):
        if header is None or not str(header).strip():
            out.errors.append(f"column {pos + 1} has no header")
            continue
        name = canonical(str(header))
        if name is None:
            if skip_unknown:
                out.skipped.append(str(header).strip())
                continue
            hint = suggest(str(header))
            out.errors.append(
                f"unknown column {str(header).strip()!r}" + (f" (did you mean {hint!r}?)" if hint else "")
            )
            continue
        if name in seen:
            out.errors.append(f"duplicate column {str(header).strip()!r} (same as {seen[name]!r})")
            continue
        seen[name] = str(header).strip()
        out.columns[pos] = name
    for col in MANDATORY:
        if col not in seen:
            out.errors.append(f"missing column {DISPLAY_NAMES[col]} (mandatory)")
    return out
