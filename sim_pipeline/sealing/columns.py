"""Sealing and opening the secret columns of cards (schemas.vocabulary.SECRET_COLUMNS).

A chunk of up to CHUNK_CARDS cards is one AES-GCM message: the cards' secrets as JSON objects back
to back; each card keeps (chunk, byte offset, byte length). Associated data binds a chunk to its id.

Two layouts of a chunk's ciphertext (schemas/ddl/002_secret_slices.sql): whole, in its secret_chunks
row (`seal`, for a few cards), or sliced, one secret_slices row per card and only the GCM tag in the
chunk row (`seal_batch`, for uploads: millions of small rows are written to the file once, where a few
huge blobs go through the WAL and must fit in memory until the commit). `open_chunk` reads both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb
import polars as pl
import pyarrow as pa

from schemas.vocabulary import SECRET_COLUMNS
from sim_pipeline.sealing.key import SecretKey

CHUNK_CARDS = 50_000
REF_SCHEMA = {"iccid": pl.Utf8, "secret_chunk": pl.Int64, "secret_offset": pl.Int32, "secret_length": pl.Int32}
BATCH_REF_SCHEMA = {k: v for k, v in REF_SCHEMA.items() if k != "iccid"}
TAG_BYTES = 16  # AES-GCM appends its 16-byte tag to the ciphertext


def _aad(chunk_id: int) -> bytes:
    return f"sim-pipeline secret chunk {chunk_id}".encode()


def next_chunk_id(con: duckdb.DuckDBPyConnection) -> int:
    """The id the next sealed chunk gets (ids are never reused: the AAD binds a chunk to its id)."""
    return con.execute("select coalesce(max(chunk_id), 0) + 1 from secret_chunks").fetchall()[0][0]


def seal(con: duckdb.DuckDBPyConnection, key: SecretKey, cards: pl.DataFrame) -> pl.DataFrame:
    """Seal the secret columns of `cards` (iccid + any secret columns) into new chunks.

    Inserts the chunks; returns (iccid, secret_chunk, secret_offset, secret_length), null refs for
    cards without any secret.
    """
    present = [c for c in SECRET_COLUMNS if c in cards.columns]
    if not present or cards.height == 0:
        return pl.DataFrame(schema=REF_SCHEMA)
    refs, _ = seal_batch(con, key, cards, next_chunk_id(con))
    return pl.concat([cards.select("iccid"), refs], how="horizontal").filter(
        pl.col("secret_chunk").is_not_null()).cast(REF_SCHEMA)


@dataclass
class Sealed:
    """Chunks sealed off the writer's connection, to insert with insert_sealed: the chunk rows (id, nonce,
    tag) and the per-card slices of their ciphertext."""

    chunks: pa.Table
    slices: pa.Table


def seal_batch(con: duckdb.DuckDBPyConnection, key: SecretKey, cards: pl.DataFrame,
               first_chunk: int) -> tuple[pl.DataFrame, int]:
    """Seal the secrets of `cards` into sliced chunks numbered from `first_chunk` and insert them.

    Returns the refs (secret_chunk, secret_offset, secret_length) row for row with `cards`, null for a
    card without any secret, and the next free chunk id.
    """
    refs, sealed, next_chunk = seal_frames(key, cards, first_chunk)
    if sealed is not None:
        insert_sealed(con, key, sealed)
    return refs, next_chunk


def seal_frames(key: SecretKey, cards: pl.DataFrame, first_chunk: int) -> tuple[pl.DataFrame, Sealed | None, int]:
    """seal_batch without the database: (refs row for row with `cards`, what to insert, next chunk id).

    One cipher call per chunk; the plaintext is joined by polars and the ciphertext cut into per-card
    slices by Arrow offsets, without a Python object per card. Chunk ids must not be taken by anyone
    else before the insert (the one writer holds the inventory lock).
    """
    present = [c for c in SECRET_COLUMNS if c in cards.columns]
    if not present or cards.height == 0:
        return pl.DataFrame(schema=BATCH_REF_SCHEMA).clear(cards.height), None, first_chunk
    has_secret = pl.any_horizontal([pl.col(c).is_not_null() for c in present])
    blobs = cards.with_row_index("position").filter(has_secret).select(
        "position", pl.struct(present).struct.json_encode().alias("blob"))
    if blobs.height == 0:
        return pl.DataFrame(schema=BATCH_REF_SCHEMA).clear(cards.height), None, first_chunk
    blobs = blobs.with_columns(
        secret_chunk=(pl.int_range(pl.len(), dtype=pl.Int64) // CHUNK_CARDS + first_chunk),
        secret_length=pl.col("blob").str.len_bytes().cast(pl.Int32),
    ).with_columns(
        secret_offset=(pl.col("secret_length").cum_sum() - pl.col("secret_length")).over("secret_chunk").cast(pl.Int32),
    )
    chunk_rows, slices = [], []
    chunk_id = first_chunk
    for start in range(0, blobs.height, CHUNK_CARDS):
        part = blobs.slice(start, CHUNK_CARDS)
        plaintext = part.get_column("blob").str.join("").item().encode("utf-8")
        nonce, sealed = key.seal(plaintext, _aad(chunk_id))
        chunk_rows.append((chunk_id, nonce, sealed[-TAG_BYTES:]))
        slices.append(_slices(chunk_id, sealed, part.get_column("secret_offset"), part.get_column("secret_length")))
        chunk_id += 1
    chunks = pa.table({
        "chunk_id": pa.array([c for c, _, _ in chunk_rows], pa.int64()),
        "nonce": pa.array([n for _, n, _ in chunk_rows], pa.binary()),
        "tag": pa.array([t for _, _, t in chunk_rows], pa.binary()),
    })
    placed = blobs.select("position", *BATCH_REF_SCHEMA)
    refs = cards.with_row_index("position").select("position").join(placed, on="position", how="left",
                                                                     maintain_order="left")
    return refs.select(list(BATCH_REF_SCHEMA)).cast(BATCH_REF_SCHEMA), Sealed(chunks, pa.concat_tables(slices)), chunk_id


def _slices(chunk_id: int, sealed: bytes, offsets: pl.Series, lengths: pl.Series) -> pa.Table:
    """secret_slices rows of one chunk: each card's bytes of the ciphertext, cut by Arrow offsets (no copy per card)."""
    ends = (offsets + lengths).cast(pl.Int32)
    cut = pa.concat_arrays([pa.array([0], pa.int32()), ends.to_arrow().cast(pa.int32())])  # a fresh, unsliced buffer
    body = pa.py_buffer(memoryview(sealed)[: -TAG_BYTES])
    return pa.table({
        "chunk_id": pl.repeat(chunk_id, offsets.len(), dtype=pl.Int64, eager=True).to_arrow(),
        "slice_offset": offsets.cast(pl.Int32).to_arrow(),
        "ciphertext": pa.Array.from_buffers(pa.binary(), offsets.len(), [None, cut.buffers()[1], body]),
    })


def insert_sealed(con: duckdb.DuckDBPyConnection, key: SecretKey, sealed: Sealed) -> None:
    """Insert chunks made by seal_frames (in the caller's transaction)."""
    # The SQL reads the two tables by their local names (DuckDB's replacement scan): con.register keeps
    # every registered table in memory until the connection closes (duckdb 2.0.1).
    sealed_chunks, sealed_slices = sealed.chunks, sealed.slices  # noqa: F841 (read by name)
    con.execute("insert into secret_chunks by name select chunk_id, $key_id as key_id, nonce, tag as ciphertext, "
                "true as sliced from sealed_chunks", {"key_id": key.key_id}).fetchall()
    con.execute("insert into secret_slices by name select chunk_id, slice_offset, ciphertext "
                "from sealed_slices").fetchall()


def open_chunk(con: duckdb.DuckDBPyConnection, key: SecretKey, chunk_id: int) -> bytes:
    """The plaintext of one chunk, whole or sliced, authenticated (SecretKeyError when the key does not fit)."""
    nonce, ciphertext, sliced = con.execute(
        "select nonce, ciphertext, sliced from secret_chunks where chunk_id = $id", {"id": chunk_id}).fetchall()[0]
    return key.open(bytes(nonce), _whole_ciphertext(con, chunk_id, bytes(ciphertext), sliced), _aad(chunk_id))


def _whole_ciphertext(con: duckdb.DuckDBPyConnection, chunk_id: int, stored: bytes, sliced: bool | None) -> bytes:
    if not sliced:
        return stored
    parts = con.execute("select ciphertext from secret_slices where chunk_id = $id order by slice_offset",
                        {"id": chunk_id}).fetchall()
    return b"".join(bytes(p) for (p,) in parts) + stored


def open_card(con: duckdb.DuckDBPyConnection, key: SecretKey, iccid: str) -> dict[str, str | None]:
    """The clear secrets of one card ({} when it has none)."""
    row = con.execute("select secret_chunk, secret_offset, secret_length from cards where iccid = $iccid",
                      {"iccid": iccid}).fetchall()
    if not row or row[0][0] is None:
        return {}
    chunk_id, offset, length = row[0]
    plaintext = open_chunk(con, key, chunk_id)
    return json.loads(plaintext[offset: offset + length].decode("utf-8"))


def rekey(con: duckdb.DuckDBPyConnection, old: SecretKey, new: SecretKey) -> int:
    """Re-seal every chunk under `new`, in one transaction. Returns the number of chunks.

    Decrypting with `old` first means a wrong old key fails before anything changes; a chunk keeps its
    layout (a sliced chunk gets new slices).
    """
    chunks = con.execute("select chunk_id, nonce, ciphertext, sliced from secret_chunks order by chunk_id").fetchall()
    resealed = []
    con.begin()
    try:
        for chunk_id, nonce, ciphertext, sliced in chunks:
            stored = _whole_ciphertext(con, chunk_id, bytes(ciphertext), sliced)
            plaintext = old.open(bytes(nonce), stored, _aad(chunk_id))
            new_nonce, new_ct = new.seal(plaintext, _aad(chunk_id))
            if sliced:
                _reslice(con, chunk_id, new_ct)
                new_ct = new_ct[-TAG_BYTES:]
            resealed.append({"chunk_id": chunk_id, "nonce": new_nonce, "ciphertext": new_ct})
        frame = pl.DataFrame(resealed, schema={"chunk_id": pl.Int64, "nonce": pl.Binary, "ciphertext": pl.Binary})
        con.register("resealed", frame)
        con.execute(
            "update secret_chunks as k set nonce = r.nonce, ciphertext = r.ciphertext, key_id = $key_id "
            "from resealed as r where k.chunk_id = r.chunk_id", {"key_id": new.key_id}
        ).fetchall()
        con.commit()
    except Exception:
        con.rollback()
        raise
    finally:
        try:
            con.unregister("resealed")
        except duckdb.Error:
            pass
    return len(resealed)


def _reslice(con: duckdb.DuckDBPyConnection, chunk_id: int, ciphertext: bytes) -> None:
    """Replace a sliced chunk's slices by those of its new ciphertext (same offsets and lengths)."""
    old = con.sql("select slice_offset, octet_length(ciphertext)::integer as length from secret_slices "
                  "where chunk_id = $id order by slice_offset", params={"id": chunk_id}).pl()
    con.execute("delete from secret_slices where chunk_id = $id", {"id": chunk_id}).fetchall()
    con.register("new_slices", _slices(chunk_id, ciphertext, old.get_column("slice_offset"), old.get_column("length")))
    try:
        con.execute("insert into secret_slices by name select * from new_slices").fetchall()
    finally:
        con.unregister("new_slices")
