"""The card-selection options shared by `list` and every group operation (one definition)."""

from __future__ import annotations

from dataclasses import dataclass

import typer

from sim_pipeline.actor import Actor
from sim_pipeline.store.card_filter import CardFilter, parse_custom


@dataclass
class FilterOptions:
    status: list[str]
    iccid_from: str | None
    iccid_to: str | None
    managed_by: str | None
    distributor: str | None
    representative: str | None
    customer: str | None
    custom: list[str]
    activated: bool | None

    def to_filter(self, actor: Actor) -> CardFilter:
        return CardFilter(
            status=[s.strip().lower().replace(" ", "_") for s in self.status],
            iccid_from=self.iccid_from, iccid_to=self.iccid_to, managed_by=self.managed_by,
            distributor=self.distributor, representative=self.representative, customer=self.customer,
            custom=parse_custom(self.custom), activated=self.activated, actor=actor,
        )


STATUS = typer.Option([], "--status", help="available, reserved, in_use or disposed (repeatable).")
ICCID_FROM = typer.Option(None, "--iccid-from", help="First ICCID of a range (inclusive).")
ICCID_TO = typer.Option(None, "--iccid-to", help="Last ICCID of a range (inclusive, same length).")
MANAGED_BY = typer.Option(None, "--managed-by", help="'admin' or a reseller name.")
DISTRIBUTOR = typer.Option(None, "--distributor")
REPRESENTATIVE = typer.Option(None, "--representative")
CUSTOMER = typer.Option(None, "--customer")
CUSTOM = typer.Option([], "--custom", help="NAME=VALUE of a custom field (repeatable).")
ACTIVATED = typer.Option(None, "--activated/--not-activated", help="Activated in the network or not.")
