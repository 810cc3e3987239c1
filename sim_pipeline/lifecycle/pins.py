"""Changing the PIN of many cards: open their secrets chunk by chunk, set pin1, seal new chunks.

A card's secrets are one JSON object in a sealed chunk (sim_pipeline/secret_store.py). Each chunk is
decrypted once however many of its cards change (a per-card open would decrypt a 50,000-card chunk per
card). The new PIN is never written anywhere but the new sealed chunk.
"""

from __future__ import annotations

import json

import duckdb
import polars as pl

from schemas.vocabulary import SECRET_COLUMNS
from sim_pipeline.store import queries
from sim_pipeline.sealing import columns as secret_store
from sim_pipeline.sealing.key import SecretKey


def _current_secrets(con: duckdb.DuckDBPyConnection, key: SecretKey, iccids: list[str]) -> dict[str, dict]:
    """iccid -> its secrets ({} for a card without any), for the cards still in the inventory."""
    refs = queries.execute(
        con,
        "select iccid, secret_chunk, secret_offset, secret_length from cards where list_contains($iccids, iccid)",
        {"iccids": iccids},
    )
    found: dict[str, dict] = {}
    by_chunk: dict[int, list[tuple[str, int, int]]] = {}
    for iccid, chunk, offset, length in refs:
        found[iccid] = {}
        if chunk is not None:
            by_chunk.setdefault(chunk, []).append((iccid, offset, length))
    for chunk, cards in by_chunk.items():
        plaintext = secret_store.open_chunk(con, key, chunk)
        for iccid, offset, length in cards:
            found[iccid] = json.loads(plaintext[offset: offset + length].decode("utf-8"))
    return found


def set_pins(con: duckdb.DuckDBPyConnection, key: SecretKey, pins: dict[str, str]) -> int:
    """Give each card (iccid -> PIN) its new pin1, other secrets kept. Returns the number of cards."""
    if not pins:
        return 0
    secrets = _current_secrets(con, key, list(pins))
    rows = [{**{c: secrets[i].get(c) for c in SECRET_COLUMNS}, "iccid": i, "pin1": pin}
            for i, pin in pins.items() if i in secrets]
    frame = pl.DataFrame(rows, schema={"iccid": pl.Utf8, **{c: pl.Utf8 for c in SECRET_COLUMNS}})
    refs = secret_store.seal(con, key, frame)
    con.register("op_new_secret_refs", refs)
    try:
        queries.execute(con, queries.sql("operation_resealed_cards"))
    finally:
        con.unregister("op_new_secret_refs")
    return refs.height
