"""The seed's worked example as files: Mega Telecom's 1000 SIM cards from its MNO, and the batches
that allocate 100 to distributor Adam Smith and tag the next 100 Marketplace=Amazon.

Deterministic (seeded), so the demo and the tests see the same cards.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

FIRST_ICCID = 1949177921756150001  # the seed's own numbers (no valid Luhn digit, not 89-prefixed)
FIRST_IMSI = 250990000000001


def iccid(n: int) -> str:
    """The n-th (1-based) Mega Telecom ICCID."""
    return str(FIRST_ICCID + n - 1)


def write_mega_upload(path: Path, cards: int = 1000, seed: int = 2026) -> Path:
    """An MNO upload: ICCID, IMSI, PIN, PUK1, PUK2, KI and an empty `Marketplace custom` column."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["ICCID", "IMSI", "PIN", "PUK1", "PUK2", "KI", "Marketplace custom"])
        for n in range(1, cards + 1):
            out.writerow([iccid(n), str(FIRST_IMSI + n - 1), f"{rng.randrange(10_000):04d}",
                          f"{rng.randrange(10**8):08d}", f"{rng.randrange(10**8):08d}",
                          f"{rng.getrandbits(128):032X}", ""])
    return path


def write_mega_allocation_batch(path: Path) -> Path:
    """Group operations of the example: cards 1-100 to Adam Smith, 101-200 Marketplace=Amazon."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["action", "iccid_from", "iccid_to", "distributor", "Marketplace custom"])
        out.writerow(["allocate", iccid(1), iccid(100), "Adam Smith", ""])
        out.writerow(["update", iccid(101), iccid(200), "", "Amazon"])
    return path


def write_mega_sales_batch(path: Path) -> Path:
    """Cards sold during the month: 30 of Adam Smith's and 40 of the Amazon ones assigned to accounts
    (MSISDN = account id), each account belonging to a customer of its own."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["action", "iccid", "account_id", "customer"])
        for n in [*range(1, 31), *range(101, 141)]:
            account = f"4915200{n:05d}"
            out.writerow(["assign", iccid(n), account, f"Subscriber {n}"])
    return path
