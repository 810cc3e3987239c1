"""Selecting cards: the filters of `list` and of every group operation, as one SQL where-clause.

Values are bound as named parameters; only fixed fragments are concatenated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas.vocabulary import STATUSES
from sim_pipeline.actor import Actor
from sim_pipeline.iccid import strip_pad_text
from sim_pipeline.errors import SimPipelineError


@dataclass
class CardFilter:
    status: list[str] = field(default_factory=list)
    iccid_from: str | None = None
    iccid_to: str | None = None
    managed_by: str | None = None
    distributor: str | None = None
    representative: str | None = None
    customer: str | None = None
    account_id: str | None = None
    custom: list[tuple[str, str]] = field(default_factory=list)
    activated: bool | None = None
    actor: Actor = field(default_factory=Actor)
    iccid: str | None = None                 # one card (a trailing F pad is ignored)
    imsi: str | None = None
    disposed_before: datetime | None = None  # Disposed before this instant (retention)

    def is_empty(self) -> bool:
        """True when nothing narrows the selection (the reseller scope does not count)."""
        return not (self.status or self.iccid_from or self.iccid_to or self.managed_by or self.distributor
                    or self.representative or self.customer or self.account_id or self.custom
                    or self.activated is not None or self.iccid or self.imsi
                    or self.disposed_before is not None)

    def names_cards(self) -> bool:
        """True when it picks cards by identity (ICCID, IMSI, ICCID range, account), not by their properties."""
        return bool(self.iccid or self.imsi or self.iccid_from or self.iccid_to or self.account_id)

    def where(self, alias: str = "c") -> tuple[str, dict[str, Any]]:
        """`(sql, params)`: a condition over cards aliased `alias`."""
        parts: list[str] = ["true"]
        params: dict[str, Any] = {}
        a = alias
        if self.status:
            bad = [s for s in self.status if s not in STATUSES]
            if bad:
                raise SimPipelineError(f"--status: unknown status {bad[0]!r} (one of {', '.join(STATUSES)})")
            parts.append(f"list_contains($f_status, {a}.status)")
            params["f_status"] = list(self.status)
        if self.iccid_from or self.iccid_to:
            lo, hi = check_range(self.iccid_from, self.iccid_to)
            parts.append(f"{a}.iccid_num between cast($f_lo as hugeint) and cast($f_hi as hugeint)")
            parts.append(f"length({a}.iccid) = $f_len")
            params.update(f_lo=lo, f_hi=hi, f_len=len(lo))
        for name in ("managed_by", "distributor", "representative", "customer", "account_id"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{a}.{name} = $f_{name}")
                params[f"f_{name}"] = value
        for i, (name, value) in enumerate(self.custom):
            parts.append(f"json_extract_string({a}.custom, $f_cpath{i}) = $f_cval{i}")
            params[f"f_cpath{i}"] = json_path(name)
            params[f"f_cval{i}"] = value
        if self.activated is not None:
            parts.append(f"({a}.activated_at is not null) = $f_activated")
            params["f_activated"] = self.activated
        if self.iccid:
            parts.append(f"{a}.iccid = $f_iccid")
            params["f_iccid"] = strip_pad_text(self.iccid)
        if self.imsi:
            parts.append(f"{a}.imsi = $f_imsi")
            params["f_imsi"] = self.imsi.strip()
        if self.disposed_before is not None:
            parts.append(f"{a}.disposed_at < $f_disposed_before")
            params["f_disposed_before"] = self.disposed_before
        if not self.actor.is_admin:
            parts.append(f"{a}.managed_by = $f_scope")
            params["f_scope"] = self.actor.reseller
        return " and ".join(parts), params


def json_path(field_name: str) -> str:
    """A JSON path to one custom field, quoted so that any name works."""
    return '$."' + field_name.replace('\\', '\\\\').replace('"', '\\"') + '"'


def check_range(lo: str | None, hi: str | None) -> tuple[str, str]:
    """ICCID range bounds: both given, digits, of equal length (compared as numbers, inclusive)."""
    if not lo or not hi:
        raise SimPipelineError("an ICCID range needs both --iccid-from and --iccid-to")
    lo, hi = strip_pad_text(lo), strip_pad_text(hi)
    if not (lo.isascii() and lo.isdigit() and hi.isascii() and hi.isdigit()):
        raise SimPipelineError(f"ICCID range bounds must be digits, got {lo!r} and {hi!r}")
    if len(lo) != len(hi):
        raise SimPipelineError(f"ICCID range bounds must have the same length, got {len(lo)} and {len(hi)} digits")
    if int(lo) > int(hi):
        raise SimPipelineError(f"ICCID range is empty: {lo} is greater than {hi}")
    return lo, hi


def parse_custom(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SimPipelineError(f"--custom: expected NAME=VALUE, got {item!r}")
        out.append((name.strip(), value))
    return out
