"""The status machine: which moves between statuses each operation may make, as one readable table.

Every operation asks this module: one card at a time through `next_status` / `check_move`, a whole
batch at once through `values_sql()`, the same table rendered as a SQL VALUES list that the set-based
statements join (so one table decides for one card and for a million). The property-test reference
model reads it too. Nothing else may encode which moves are allowed.

A row of MOVES: (move, from status, detailed-statuses setting, activated in the network) -> to status,
plus an optional named guard. `None` in the setting or activated column matches either value; a
`to_status` of None means the card leaves the inventory. No row = the move is illegal.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.vocabulary import AVAILABLE, DISPOSED, IN_USE, LABELS, RESERVED, STATUSES
from sim_pipeline.errors import IllegalTransition

ANY = None
ALL = STATUSES


@dataclass(frozen=True)
class Move:
    move: str
    from_status: str | None       # None: the card does not exist yet (upload)
    detailed: bool | None         # SIM_cards.UseDetailedSIMStatuses; None = either
    activated: bool | None        # the card was activated in the mobile network; None = either
    to_status: str | None         # None: the card is deleted
    guard: str | None = None      # a name in GUARDS: a further condition on the card and the request


def _same(move: str, statuses: tuple[str, ...], guard: str | None = None) -> list[Move]:
    """Moves that keep the status (detail changes)."""
    return [Move(move, s, ANY, ANY, s, guard) for s in statuses]


MOVES: tuple[Move, ...] = (
    #    move                 from       detailed activated to         guard
    Move("upload",            None,      ANY,     ANY,      AVAILABLE),
    Move("allocate_customer", AVAILABLE, ANY,     ANY,      RESERVED),
    Move("allocate_customer", RESERVED,  ANY,     ANY,      RESERVED,  "same_customer"),
    Move("deallocate_customer", RESERVED, ANY,    ANY,      AVAILABLE),
    Move("deallocate_customer", AVAILABLE, ANY,   ANY,      AVAILABLE),
    Move("deallocate_customer", DISPOSED, ANY,    ANY,      DISPOSED),
    Move("assign",            AVAILABLE, ANY,     ANY,      IN_USE),
    Move("assign",            RESERVED,  ANY,     ANY,      IN_USE,    "same_customer"),
    Move("unassign",          IN_USE,    False,   ANY,      DISPOSED),
    Move("unassign",          IN_USE,    True,    True,     DISPOSED),
    Move("unassign",          IN_USE,    True,    False,    RESERVED),
    Move("terminate_account", IN_USE,    False,   ANY,      DISPOSED),
    Move("terminate_account", IN_USE,    True,    True,     DISPOSED),
    Move("terminate_account", IN_USE,    True,    False,    RESERVED),
    Move("deactivate",        IN_USE,    ANY,     ANY,      DISPOSED),
    Move("delete",            AVAILABLE, ANY,     ANY,      None),
    Move("delete",            RESERVED,  ANY,     ANY,      None),
    Move("delete",            DISPOSED,  ANY,     ANY,      None),
    # Distributors and representatives are sales channels: allocating a card to one changes no status,
    # but a Disposed card is no longer sold.
    *_same("allocate_partner", (AVAILABLE, RESERVED, IN_USE)),
    *_same("deallocate_partner", ALL),
    *_same("activate", ALL),
    *_same("update", ALL, "pin_before_activation"),
)


@dataclass(frozen=True)
class Guard:
    sql: str        # true when the move may go ahead; aliases: t = the card before, r = the operation row
    message: str    # format fields: iccid, card_customer, customer, doing


GUARDS: dict[str, Guard] = {
    # The seed: a Reserved card "can only be assigned to this specific customer's accounts".
    "same_customer": Guard(
        "t.customer is not distinct from r.customer",
        "card {iccid} is Reserved for customer {card_customer!r}: cannot {doing} customer {customer!r} "
        "(deallocate it from {card_customer!r} first)",
    ),
    # The seed: "PIN for inactive cards": once the network has the card, its PIN lives there.
    "pin_before_activation": Guard(
        "not (r.has_pin and t.activated_at is not null)",
        "card {iccid} is activated in the mobile network: its PIN can no longer be changed here",
    ),
}

# What each move does, as the end of "card X is Disposed: cannot ...".
DOING = {
    "upload": "upload it", "allocate_customer": "allocate it to a customer", "allocate_partner": "allocate it",
    "deallocate_customer": "deallocate it from its customer", "deallocate_partner": "deallocate it",
    "assign": "assign it to an account", "unassign": "unassign it", "terminate_account": "terminate its account",
    "deactivate": "deactivate it", "activate": "activate it", "delete": "delete it", "update": "update it",
}
GUARD_DOING = {"assign": "assign it to an account of", "allocate_customer": "allocate it to"}

# What to do instead, for the illegal moves people try most.
HINTS = {
    ("delete", IN_USE): "unassign it first",
    ("assign", DISPOSED): "a Disposed card can never be assigned",
    ("assign", IN_USE): "it is assigned already: unassign it first",
    ("allocate_customer", IN_USE): "it is allocated to its account's customer",
    ("deallocate_customer", IN_USE): "unassign it first",
    ("allocate_customer", DISPOSED): "a Disposed card can no longer be used",
    ("allocate_partner", DISPOSED): "a Disposed card can no longer be used",
}


def find_move(move: str, old: str | None, detailed: bool, activated: bool) -> Move | None:
    """The row of MOVES for this card, or None when the move is illegal."""
    for row in MOVES:
        if (row.move == move and row.from_status == old
                and row.detailed in (ANY, detailed) and row.activated in (ANY, activated)):
            return row
    return None


def statuses_allowing(move: str) -> list[str]:
    """The statuses from which `move` is allowed under some setting (e.g. which cards an upload may remove)."""
    return sorted({row.from_status for row in MOVES if row.move == move and row.from_status is not None})


def illegal(iccid: str, old: str | None, move: str) -> IllegalTransition:
    return IllegalTransition(iccid, old, DOING.get(move, move), HINTS.get((move, old or "")))


def next_status(move: str, old: str | None, detailed: bool = False, activated: bool = False,
                iccid: str = "?") -> str | None:
    """The status after `move` (None: deleted). Raises IllegalTransition when no row allows it."""
    row = find_move(move, old, detailed, activated)
    if row is None:
        raise illegal(iccid, old, move)
    return row.to_status


def check_move(iccid: str, old: str | None, new: str | None, move: str | None = None) -> None:
    """Raise IllegalTransition unless some row (of `move`, when given) takes `old` to `new`."""
    if not any(r.from_status == old and r.to_status == new and move in (None, r.move) for r in MOVES):
        raise IllegalTransition(iccid, old, DOING.get(move, move) if move else f"become {LABELS.get(new or '', 'deleted')}")


def guard_message(guard: str, move: str, iccid: str, card_customer: str | None, customer: str | None) -> str:
    doing = GUARD_DOING.get(move, DOING.get(move, move))
    return GUARDS[guard].message.format(iccid=iccid, card_customer=card_customer, customer=customer, doing=doing)


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "'" + str(value).replace("'", "''") + "'"


def values_sql() -> str:
    """MOVES as a query: `select * from (values ...) as moves(move, from_status, detailed, activated,
    to_status, guard)`, one row per row of the table (constants only, never request values)."""
    rows = ",\n        ".join(
        "(" + ", ".join(_literal(v) for v in (m.move, m.from_status, m.detailed, m.activated, m.to_status, m.guard))
        + ")" for m in MOVES
    )
    return (
        "select move, from_status, cast(detailed as boolean) as detailed, cast(activated as boolean) as activated,\n"
        "        to_status, guard\n"
        f"    from (values\n        {rows}\n    ) as moves(move, from_status, detailed, activated, to_status, guard)"
    )


def guards_sql(guard_column: str = "m.guard") -> str:
    """A boolean SQL expression: the named guard of the matched move holds (true when there is none)."""
    cases = " ".join(f"when {_literal(name)} then ({g.sql})" for name, g in GUARDS.items())
    return f"(case {guard_column} {cases} else true end)"
