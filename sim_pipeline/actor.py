"""Who acts: the administrator or one reseller (`--as admin|reseller:NAME`)."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.vocabulary import ADMIN
from sim_pipeline.errors import SimPipelineError

# How files and commands may name the administrator as a card's Managed by (the seed's "Administrator only").
# Every one of them is stored as ADMIN, and none may be a reseller's name.
ADMIN_SPELLINGS = (ADMIN, "administrator", "administrator only")


@dataclass(frozen=True)
class Actor:
    reseller: str | None = None  # None = the administrator

    @property
    def is_admin(self) -> bool:
        return self.reseller is None

    @property
    def label(self) -> str:
        """As written in the change history and the ledger: 'admin' or 'reseller:NAME'."""
        return ADMIN if self.reseller is None else f"reseller:{self.reseller}"

    @property
    def managed_by(self) -> str:
        """The managed_by value of cards this actor uploads."""
        return ADMIN if self.reseller is None else self.reseller

    @classmethod
    def parse(cls, text: str | None) -> Actor:
        if text is None or text.strip().lower() == ADMIN:
            return cls()
        prefix, _, name = text.partition(":")
        if prefix.strip().lower() != "reseller" or not name.strip():
            raise SimPipelineError(f"--as: expected admin or reseller:NAME, got {text!r}")
        return cls(name.strip())


ADMINISTRATOR = Actor()
