"""Sealing and opening the secret columns of cards (schemas.vocabulary.SECRET_COLUMNS).

A chunk of up to CHUNK_CARDS cards is one AES-GCM message: the cards' secrets as JSON objects back
to back; each card keeps (chunk, byte offset, byte length). Associated data binds a chunk to its id.
"""

from __future__ import annotations

import json

import duckdb
import polars as pl

from schemas.vocabulary import SECRET_COLUMNS
from sim_pipeline.secret_box import SecretKey

CHUNK_CARDS = 50_000
REF_SCHEMA = {"iccid": pl.Utf8, "secret_chunk": pl.Int64, "secret_offset": pl.Int32, "secret_length": pl.Int32}


def _aad(chunk_id: int) -> bytes:
    return f"sim-pipeline secret chunk {chunk_id}".encode()


def seal(con: duckdb.DuckDBPyConnection, key: SecretKey, cards: pl.DataFrame) -> pl.DataFrame:
    """Seal the secret columns of `cards` (iccid + any secret columns) into new chunks.

    Inserts the chunks; returns (iccid, secret_chunk, secret_offset, secret_length), null refs for
    cards without any secret.
    """
    present = [c for c in SECRET_COLUMNS if c in cards.columns]
    if not present or cards.height == 0:
        return pl.DataFrame(schema=REF_SCHEMA)
    has_secret = pl.any_horizontal([pl.col(c).is_not_null() for c in present])
    blobs = cards.filter(has_secret).select(
        "iccid", pl.struct(present).struct.json_encode().alias("blob")
    )
    next_id = con.execute("select coalesce(max(chunk_id), 0) + 1 from secret_chunks").fetchall()[0][0]
    refs = []
    for start in range(0, blobs.height, CHUNK_CARDS):
        part = blobs.slice(start, CHUNK_CARDS).with_columns(length=pl.col("blob").str.len_bytes().cast(pl.Int32))
        part = part.with_columns(offset=(pl.col("length").cum_sum() - pl.col("length")).cast(pl.Int32))
        plaintext = "".join(part["blob"].to_list()).encode("utf-8")
        nonce, ciphertext = key.seal(plaintext, _aad(next_id))
        con.execute("insert into secret_chunks values ($id, $key_id, $nonce, $ct)",
                    {"id": next_id, "key_id": key.key_id, "nonce": nonce, "ct": ciphertext}).fetchall()
        refs.append(part.select("iccid", pl.lit(next_id, pl.Int64).alias("secret_chunk"),
                                pl.col("offset").alias("secret_offset"), pl.col("length").alias("secret_length")))
        next_id += 1
    return pl.concat(refs) if refs else pl.DataFrame(schema=REF_SCHEMA)


def open_card(con: duckdb.DuckDBPyConnection, key: SecretKey, iccid: str) -> dict[str, str | None]:
    """The clear secrets of one card ({} when it has none)."""
    row = con.execute(
        "select k.chunk_id, k.nonce, k.ciphertext, c.secret_offset, c.secret_length "
        "from cards as c join secret_chunks as k on k.chunk_id = c.secret_chunk where c.iccid = $iccid",
        {"iccid": iccid},
    ).fetchall()
    if not row:
        return {}
    chunk_id, nonce, ciphertext, offset, length = row[0]
    plaintext = key.open(bytes(nonce), bytes(ciphertext), _aad(chunk_id))
    return json.loads(plaintext[offset: offset + length].decode("utf-8"))


def rekey(con: duckdb.DuckDBPyConnection, old: SecretKey, new: SecretKey) -> int:
    """Re-seal every chunk under `new`, in one transaction. Returns the number of chunks.

    Decrypting with `old` first means a wrong old key fails before anything changes.
    """
    chunks = con.execute("select chunk_id, nonce, ciphertext from secret_chunks order by chunk_id").fetchall()
    resealed = []
    for chunk_id, nonce, ciphertext in chunks:
        plaintext = old.open(bytes(nonce), bytes(ciphertext), _aad(chunk_id))
        new_nonce, new_ct = new.seal(plaintext, _aad(chunk_id))
        resealed.append({"chunk_id": chunk_id, "nonce": new_nonce, "ciphertext": new_ct})
    frame = pl.DataFrame(resealed, schema={"chunk_id": pl.Int64, "nonce": pl.Binary, "ciphertext": pl.Binary})
    con.begin()
    try:
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
        con.unregister("resealed")
    return len(resealed)
